import test from 'ava';
import { METRIC, type Verdict } from '@botsieve/core';
import { ManualClock, nullTelemetry } from '@botsieve/runtime';
import { parseDetectConfig } from '../config.js';
import { makeEvent, metricValue } from '../test-support/events.js';
import { FakeBus, records } from '../test-support/fake-bus.js';
import { DetectorService } from './detector-service.js';

const T0 = 1_700_000_000_000;
const config = parseDetectConfig({
  allowed_lateness_ms: 1_000,
  flush_interval_ms: 1_000,
  detectors: [{ type: 'request-rate', id: 'rr', config: { subjects: { ip: { log_requests: null, challenge_requests: 3, block_requests: 5 }, prefix: { enabled: false } } } }],
});

function burst(ip: string, count: number, start = T0): object[] {
  return Array.from({ length: count }, (_, i) => makeEvent({ ray_id: `${ip}-${i}`, ip, timestamp_ms: start + i * 10 }));
}

async function started(bus: FakeBus, clock = new ManualClock(T0)) {
  const telemetry = nullTelemetry();
  const service = new DetectorService(config, { bus, telemetry, clock });
  await service.start();
  const consumer = bus.consumers[0];
  if (consumer === undefined) throw new Error('no consumer');
  return { service, consumer, telemetry, clock };
}

const decoded = (bus: FakeBus) => bus.confirmed.map((m) => JSON.parse(m.value.toString()) as Verdict);

test('subscribes as botsieve-detect to the events topic from earliest', async (t) => {
  const bus = new FakeBus();
  const { service, consumer } = await started(bus);
  t.like(consumer.options, { group_id: 'botsieve-detect', topics: ['events'], from: 'earliest', max_batch_records: 1_000 });
  await service.close();
  t.true(consumer.closed);
});

test('the batch resolves (and commits) only after its verdict batch sealed', async (t) => {
  const bus = new FakeBus();
  let open!: () => void;
  bus.sealGate = new Promise((resolve) => (open = resolve));
  const { service, consumer } = await started(bus);
  let resolved = false;
  const delivery = consumer.deliver(records('events', 0, 0, burst('192.0.2.1', 5))).then(() => (resolved = true));
  await new Promise((resolve) => setImmediate(resolve));
  t.false(resolved);
  t.false(consumer.committed.has(0));
  t.deepEqual(bus.confirmed, []);
  open();
  await delivery;
  t.is(consumer.committed.get(0), 5);
  t.deepEqual(decoded(bus).map((v) => [v.subject, v.action]), [['ip:192.0.2.1', 'challenge'], ['ip:192.0.2.1', 'block']]);
  t.deepEqual(bus.confirmed.map((m) => [m.topic, m.key]), [['verdicts', 'ip:192.0.2.1'], ['verdicts', 'ip:192.0.2.1']]);
  await service.close();
});

test('bus full: the batch is rejected, redelivery sends the kept verdicts and counts no event twice', async (t) => {
  const bus = new FakeBus();
  bus.acceptLimit = 1;
  const { service, consumer, telemetry } = await started(bus);
  const batch = records('events', 0, 0, burst('192.0.2.1', 5));
  await t.throwsAsync(consumer.deliver(batch), { code: 'ERR_DETECT_VERDICTS_BACKPRESSURE' });
  t.false(consumer.committed.has(0), 'nothing committed');
  t.is(decoded(bus).length, 1, 'what was accepted is confirmed');
  bus.acceptLimit = Number.POSITIVE_INFINITY;
  await consumer.deliver(batch);
  t.is(consumer.committed.get(0), 5);
  const verdicts = decoded(bus);
  t.deepEqual(verdicts.map((v) => v.action), ['challenge', 'block']);
  t.is(service.host.stats.events, 5, 'redelivered events were not processed again');
  t.is(verdicts[1]?.detectors[0]?.evidence.requests, 5);
  // The next batch continues from the same state: still blocked, no new verdict (cooldown).
  await consumer.deliver(records('events', 0, 5, burst('192.0.2.1', 3, T0 + 100)));
  t.is(decoded(bus).length, 2);
  t.is(await metricValue(telemetry, METRIC.errors, { component: 'detect', code: 'ERR_DETECT_VERDICTS_BACKPRESSURE' }), 1);
  t.is(await metricValue(telemetry, METRIC.sent, { component: 'detect' }), 2);
  await service.close();
});

test('a record that is not an event is counted and skipped, never crashes the batch', async (t) => {
  const bus = new FakeBus();
  const { service, consumer, telemetry } = await started(bus);
  await consumer.deliver(records('events', 0, 0, ['{not json', '"a string"', { ray_id: 'x' }, ...burst('192.0.2.1', 3)]));
  t.is(consumer.committed.get(0), 6);
  t.is(await metricValue(telemetry, METRIC.discarded, { component: 'detect', reason: 'undecodable' }), 3);
  t.deepEqual(decoded(bus).map((v) => v.action), ['challenge']);
  await service.close();
});

test('idle flush advances event time by the wall time elapsed (bounded) so windows close', async (t) => {
  const bus = new FakeBus();
  const clock = new ManualClock(5_000_000);
  const { service, consumer } = await started(bus, clock);
  await service.idleFlush();
  t.is(service.host.watermark_ms, Number.NEGATIVE_INFINITY, 'nothing before the first event');
  await consumer.deliver(records('events', 0, 0, burst('192.0.2.1', 2)));
  t.is(service.host.stateSize().keys, 1);
  clock.advance(500);
  await service.idleFlush();
  t.is(service.host.watermark_ms, T0 + 10 - 1_000, 'traffic not idle yet: unchanged');
  clock.advance(30_000);
  await service.idleFlush();
  t.is(service.host.watermark_ms, T0 + 10 + 30_500 - 1_000);
  t.is(service.host.stateSize().keys, 0, 'the window closed without new events');
  clock.advance(10 * 60_000);
  await service.idleFlush();
  t.is(service.host.watermark_ms, T0 + 10 + config.idle_advance_max_ms - 1_000, 'bounded by idle_advance_max_ms');
  await service.close();
});
