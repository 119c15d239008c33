import test from 'ava';
import { METRIC, type Verdict } from '@botsieve/core';
import { ManualClock, nullTelemetry } from '@botsieve/runtime';
import { parseDetectConfig } from '../config.js';
import { decodeSummary } from '../engine/summary.js';
import { makeEvent, metricValue } from '../test-support/events.js';
import { FakeBus, records } from '../test-support/fake-bus.js';
import { DetectorService, type ServiceStage } from './detector-service.js';

const T0 = 1_700_000_000_000;
const config = parseDetectConfig({
  allowed_lateness_ms: 1_000,
  flush_interval_ms: 1_000,
  detectors: [
    {
      type: 'volumetric',
      id: 'rr',
      config: { baseline: { enabled: false }, subjects: { ip: { challenge_requests: 3, block_requests: 5, scale_by_humans: false }, prefix: { enabled: false }, ja4: { enabled: true, challenge_requests: 3, block_requests: 5 } } },
    },
  ],
});

function burst(ip: string, count: number, start = T0, extra: object = {}): object[] {
  return Array.from({ length: count }, (_, i) => makeEvent({ ray_id: `${ip}-${start}-${i}`, ip, timestamp_ms: start + i * 10, ...extra }));
}

async function started(bus: FakeBus, clock = new ManualClock(T0), stage: ServiceStage = 'all') {
  const telemetry = nullTelemetry();
  const service = new DetectorService(config, { bus, telemetry, clock }, stage);
  await service.start();
  const consumer = bus.consumers[0];
  if (consumer === undefined) throw new Error('no consumer');
  return { service, consumer, telemetry, clock };
}

const decoded = (bus: FakeBus) => bus.confirmed.filter((m) => m.topic === 'verdicts').map((m) => JSON.parse(m.value.toString()) as Verdict);

test('subscribes as botsieve-detect to the events topic from earliest; the aggregation stage to rollups', async (t) => {
  const bus = new FakeBus();
  const { service, consumer } = await started(bus);
  t.like(consumer.options, { group_id: 'botsieve-detect', topics: ['events'], from: 'earliest', max_batch_records: 1_000, rebuild_ms: 0 });
  await service.close();
  t.true(consumer.closed);
  const aggregateBus = new FakeBus();
  const aggregate = await started(aggregateBus, new ManualClock(T0), 'aggregate');
  t.like(aggregate.consumer.options, { group_id: 'botsieve-aggregate', topics: ['rollups'] });
  t.true((aggregate.consumer.options.rebuild_ms ?? 0) >= 10_000, 'a moved partition is rebuilt over the longest window');
  await aggregate.service.close();
});

test('the batch resolves (and commits) only after its verdict batch sealed', async (t) => {
  const bus = new FakeBus();
  let open!: () => void;
  bus.sealGate = new Promise((resolve) => (open = resolve));
  const { service, consumer } = await started(bus);
  let resolved = false;
  const delivery = consumer.deliver(records('events', 0, 0, burst('81.2.69.1', 5))).then(() => (resolved = true));
  await new Promise((resolve) => setImmediate(resolve));
  t.false(resolved);
  t.false(consumer.committed.has(0));
  t.deepEqual(bus.confirmed, []);
  open();
  await delivery;
  t.is(consumer.committed.get(0), 5);
  t.deepEqual(decoded(bus).map((v) => [v.subject, v.action]), [['ip:81.2.69.1', 'block']]);
  t.deepEqual(bus.confirmed.map((m) => [m.topic, m.key]), [['verdicts', 'ip:81.2.69.1']]);
  await service.close();
});

test('bus full: the batch is rejected, redelivery sends the kept verdicts and counts no event twice', async (t) => {
  const bus = new FakeBus();
  bus.acceptLimit = 1;
  const { service, consumer, telemetry } = await started(bus);
  const batch = records('events', 0, 0, [...burst('81.2.69.1', 5), ...burst('81.2.69.2', 5)]);
  await t.throwsAsync(consumer.deliver(batch), { code: 'ERR_DETECT_VERDICTS_BACKPRESSURE' });
  t.false(consumer.committed.has(0), 'nothing committed');
  t.is(decoded(bus).length, 1, 'what was accepted is confirmed');
  bus.acceptLimit = Number.POSITIVE_INFINITY;
  await consumer.deliver(batch);
  t.is(consumer.committed.get(0), 10);
  const verdicts = decoded(bus);
  t.deepEqual(verdicts.map((v) => [v.subject, v.action]).sort(), [['ip:81.2.69.1', 'block'], ['ip:81.2.69.2', 'block']]);
  t.is(service.stats().events, 10, 'redelivered events were not processed again');
  t.is(verdicts[0]?.detectors[0]?.evidence.requests, 5);
  // The next batch continues from the same state: still blocked, no new verdict (cooldown).
  await consumer.deliver(records('events', 0, 10, burst('81.2.69.1', 3, T0 + 100)));
  t.is(decoded(bus).length, 2);
  t.is(await metricValue(telemetry, METRIC.errors, { component: 'detect', code: 'ERR_DETECT_VERDICTS_BACKPRESSURE' }), 1);
  t.is(await metricValue(telemetry, METRIC.sent, { component: 'detect' }), 2);
  await service.close();
});

test('a record that is not an event is counted and skipped, never crashes the batch', async (t) => {
  const bus = new FakeBus();
  const { service, consumer, telemetry } = await started(bus);
  await consumer.deliver(records('events', 0, 0, ['{not json', '"a string"', { ray_id: 'x' }, ...burst('81.2.69.1', 3)]));
  t.is(consumer.committed.get(0), 6);
  t.is(await metricValue(telemetry, METRIC.discarded, { component: 'detect', reason: 'undecodable' }), 3);
  t.deepEqual(decoded(bus).map((v) => v.action), ['challenge']);
  await service.close();
});

test('partition stage: ip subjects decided here, prefix/asn/ja4/ua summaries go to rollups keyed by subject', async (t) => {
  const bus = new FakeBus();
  const { service, consumer } = await started(bus, new ManualClock(T0), 'partition');
  await consumer.deliver(records('events', 0, 0, burst('81.2.69.1', 5, T0, { ja4: 't13d1516h2_8daaf6152771_02713d6af862', asn: 64_501 })));
  t.deepEqual(decoded(bus).map((v) => [v.subject, v.action]), [['ip:81.2.69.1', 'block']], 'the ja4 is not judged here');
  const rollups = bus.confirmed.filter((m) => m.topic === 'rollups');
  t.deepEqual(rollups.map((m) => m.key).sort(), ['asn:64501', 'ja4:t13d1516h2_8daaf6152771_02713d6af862', 'prefix:81.2.69.0/24', 'ua:Mozilla/5.0']);
  const ja4 = decodeSummary(JSON.parse(rollups.find((m) => m.key?.startsWith('ja4:'))?.value.toString() ?? 'null'));
  t.is(ja4?.requests, 5);
  t.is(ja4?.ips?.estimate(), 1);
  await service.close();
});

test('aggregation stage: partial summaries from several instances add up', async (t) => {
  const bus = new FakeBus();
  const { service, consumer } = await started(bus, new ManualClock(T0), 'aggregate');
  // A tool's JA4 (no browser user agent): a browser's JA4 is a human identity the collateral guard keeps at `log`.
  const partial = (requests: number, ip: number) =>
    JSON.stringify({ subject: 'ja4:t13d1516h2_8daaf6152771_02713d6af862', kind: 'ja4', step_ms: T0, last_ms: T0 + 900, requests, pages: requests, ips: null, urls: null, ids: null, uas: null, top_route: 'shop.example/p', top_route_requests: requests, id_min: -1, id_max: -1, browser_ua: 0, ip });
  await consumer.deliver(records('rollups', 0, 0, [JSON.parse(partial(3, 1)), JSON.parse(partial(2, 2))]));
  t.deepEqual(decoded(bus).map((v) => [v.subject, v.action, v.detectors[0]?.evidence.requests]), [['ja4:t13d1516h2_8daaf6152771_02713d6af862', 'challenge', 3], ['ja4:t13d1516h2_8daaf6152771_02713d6af862', 'block', 5]]);
  await service.close();
});

test('idle flush advances event time by the wall time elapsed (bounded) so windows close', async (t) => {
  const bus = new FakeBus();
  // The wall clock reads the events' own time: an event later than it + max_future_skew_ms would be clamped.
  const clock = new ManualClock(T0);
  const { service, consumer } = await started(bus, clock);
  const engine = () => service.engines().get('*');
  await service.idleFlush();
  t.is(engine()?.watermark_ms, Number.NEGATIVE_INFINITY, 'nothing before the first event');
  await consumer.deliver(records('events', 0, 0, burst('81.2.69.1', 2)));
  t.is(engine()?.detector('rr')?.stateSize().keys, 1);
  clock.advance(500);
  await service.idleFlush();
  t.is(engine()?.watermark_ms, T0 + 10 - 1_000, 'traffic not idle yet: unchanged');
  clock.advance(30_000);
  await service.idleFlush();
  t.is(engine()?.watermark_ms, T0 + 10 + 30_500 - 1_000);
  t.is(engine()?.detector('rr')?.stateSize().keys, 0, 'the window closed without new events');
  clock.advance(10 * 60_000);
  await service.idleFlush();
  t.is(engine()?.watermark_ms, T0 + 10 + config.idle_advance_max_ms - 1_000, 'bounded by idle_advance_max_ms');
  await service.close();
});
