/**
 * Event time is capped against the service's wall clock: one event dated in the future (a day
 * ahead, or year 9999) must not drag the watermark ahead and make every current event late.
 * Without the cap the attacks below, sent after the poisoned events, are dropped as `late` and
 * never judged.
 */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { METRIC, type BusRecord, type RequestEvent, type Verdict } from '@botsieve/core';
import { EmbeddedBus, busConfigSchema } from '@botsieve/bus';
import { ManualClock, nullTelemetry, type Telemetry } from '@botsieve/runtime';
import { parseDetectConfig } from '../config.js';
import { decodeSummary } from '../engine/summary.js';
import { makeEvent, metricValue } from '../test-support/events.js';
import { FakeBus, records } from '../test-support/fake-bus.js';
import { until } from '../test-support/instances.js';
import { DetectorService, type ServiceStage } from './detector-service.js';
import { SERVICE_CORRECTED } from './event-time-ceiling.js';

/** The wall clock of these tests: event times are written relative to it. */
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const DAY_MS = 86_400_000;
/** 9999-12-31T23:59:59Z: the largest time a four-digit year can write. */
const YEAR_9999 = 253_402_300_799_000;
const ATTACKER = '81.2.69.66';
const FORGER = '198.51.100.66';

/**
 * Volumetric on ip: only, fixed floors: 10 requests in 10 s from one IP is a block. No idle
 * flush during a test (its real-time tick would move event time on its own).
 */
const input = {
  flush_interval_ms: 3_600_000,
  detectors: [{ type: 'volumetric', id: 'ip-flood', config: { baseline: { enabled: false }, subjects: { ip: { challenge_requests: 5, block_requests: 10, scale_by_humans: false }, prefix: { enabled: false } } } }],
};
const config = parseDetectConfig(input);

/** 30 clients, 2 requests each, spread over the 3 s before `end`: no verdict on its own. */
function normalTraffic(end: number): RequestEvent[] {
  return Array.from({ length: 60 }, (_, i) => makeEvent({ ray_id: `normal-${end}-${i}`, ip: `31.13.70.${(i % 30) + 1}`, timestamp_ms: end - 3_000 + i * 50 }));
}

function poisoned(): RequestEvent[] {
  return [
    makeEvent({ ray_id: 'poison-day', ip: FORGER, timestamp_ms: NOW + DAY_MS }),
    makeEvent({ ray_id: 'poison-9999', ip: FORGER, timestamp_ms: YEAR_9999 }),
  ];
}

/** 12 requests from one IP over the 600 ms before `end`: a block on its own. */
function attack(end: number): RequestEvent[] {
  return Array.from({ length: 12 }, (_, i) => makeEvent({ ray_id: `attack-${end}-${i}`, ip: ATTACKER, timestamp_ms: end - 600 + i * 50 }));
}

const lateDiscards = (telemetry: Telemetry) => metricValue(telemetry, METRIC.discarded, { component: 'detect', reason: 'late' });
const clampCount = (telemetry: Telemetry) => metricValue(telemetry, METRIC.corrected, { component: 'detect', reason: SERVICE_CORRECTED.futureTimestamp });

test('stage all on the embedded bus: events dated a day ahead and in year 9999 are clamped; the attack after them still gets its verdict', async (t) => {
  const telemetry = nullTelemetry();
  const suffix = randomUUID().slice(0, 8);
  const bus = new EmbeddedBus(
    busConfigSchema.parse({
      kind: 'embedded',
      topics: { events: `events-${suffix}`, verdicts: `verdicts-${suffix}`, deadletter: `deadletter-${suffix}`, rollups: `rollups-${suffix}` },
      embedded: { partitions: 1 },
    }),
    telemetry,
  );
  const clock = new ManualClock(NOW);
  const service = new DetectorService(config, { bus, telemetry, clock });
  await service.start();
  const verdicts: Verdict[] = [];
  const reader = bus.consumer({ group_id: `reader-${randomUUID()}`, topics: [bus.topics.verdicts], from: 'earliest', max_batch_records: 100 });
  await reader.start(async (batch) => {
    for (const record of batch) verdicts.push(JSON.parse(record.value.toString()) as Verdict);
  });
  const producer = bus.producer();
  await producer.connect();
  let sent = 0;
  const send = async (events: RequestEvent[]) => {
    const batch = producer.batch();
    for (const event of events) t.true(batch.send(bus.topics.events, event.ip, Buffer.from(JSON.stringify(event))));
    await batch.seal();
    sent += events.length;
    // Consumed before the next send: the service reads the clock as set for this one.
    await until(() => bus.topicLog(bus.topics.events).committedOffset(config.group_id, 0) === sent, `${sent} events committed`);
  };

  await send(normalTraffic(NOW));
  await send(poisoned());
  clock.advance(1_000);
  await send(attack(NOW + 1_000));
  // Its verdict batch was sealed before the attack was committed; the reader may lag a little.
  // Without the cap it never comes: the assertion below says so rather than a timeout.
  await until(() => verdicts.some((v) => v.subject === `ip:${ATTACKER}`), 'the attacker judged', 5_000).catch(() => undefined);

  t.deepEqual(verdicts.filter((v) => v.subject === `ip:${ATTACKER}`).map((v) => v.action).slice(-1), ['block'], 'the attack after the poisoned events is blocked');
  t.false(verdicts.some((v) => v.subject.startsWith('ip:31.13.70.')), 'normal traffic untouched');
  const stats = service.stats();
  t.is(stats.events, 74);
  t.is(stats.late, 0, 'no current event was dropped as late');
  t.is(await lateDiscards(telemetry), 0);
  t.is(stats.future_clamped, 2, 'both poisoned events were clamped, not dropped');
  t.is(await clampCount(telemetry), 2);
  t.is(service.engines().get('*')?.watermark.newestEventTime, NOW + config.max_future_skew_ms, 'event time stops at the wall clock (of the poisoned batch) + skew');

  await reader.close();
  await service.close();
  await producer.close();
  await bus.close();
});

async function fakeService(stage: ServiceStage, clock: ManualClock) {
  const bus = new FakeBus();
  const telemetry = nullTelemetry();
  const service = new DetectorService(config, { bus, telemetry, clock }, stage);
  await service.start();
  const consumer = bus.consumers[0];
  if (consumer === undefined) throw new Error('no consumer');
  const verdicts = () => bus.confirmed.filter((m) => m.topic === 'verdicts').map((m) => JSON.parse(m.value.toString()) as Verdict);
  return { bus, telemetry, service, consumer, verdicts };
}

test('stage partition: poisoned events are clamped, the ip: verdict still comes, the rollups carry the clamped time', async (t) => {
  const clock = new ManualClock(NOW);
  const { bus, telemetry, service, consumer, verdicts } = await fakeService('partition', clock);
  await consumer.deliver(records('events', 3, 0, normalTraffic(NOW)));
  await consumer.deliver(records('events', 3, 60, poisoned()));
  clock.advance(1_000);
  await consumer.deliver(records('events', 3, 62, attack(NOW + 1_000)));

  t.deepEqual(verdicts().filter((v) => v.subject === `ip:${ATTACKER}`).map((v) => v.action), ['block']);
  t.like(service.stats(), { events: 74, late: 0, future_clamped: 2 });
  t.is(await lateDiscards(telemetry), 0);
  t.is(await clampCount(telemetry), 2);
  // The aggregation stage's watermark follows the rollups' last_ms: clamped here, so it is safe too.
  const forgerRollups = bus.confirmed.filter((m) => m.topic === 'rollups' && m.key === 'prefix:198.51.100.0/24').map((m) => decodeSummary(JSON.parse(m.value.toString())));
  t.true(forgerRollups.length > 0);
  for (const summary of forgerRollups) t.is(summary?.last_ms, NOW + config.max_future_skew_ms);
  await service.close();
});

test('a rebuild replaying a poisoned event clamps it too: the live attack after the failover is judged', async (t) => {
  const clock = new ManualClock(NOW);
  const { telemetry, service, consumer, verdicts } = await fakeService('partition', clock);
  // The new owner re-reads the partition: normal traffic, then the poisoned events, flagged rebuild.
  const rebuild = records('events', 0, 0, [...normalTraffic(NOW), ...poisoned()]).map((record) => ({ ...record, rebuild: true }));
  await consumer.deliver(rebuild);
  t.deepEqual(verdicts(), [], 'a rebuild produces nothing');
  clock.advance(1_000);
  await consumer.deliver(records('events', 0, 62, attack(NOW + 1_000)));

  t.deepEqual(verdicts().filter((v) => v.subject === `ip:${ATTACKER}`).map((v) => v.action), ['block']);
  t.like(service.stats(), { late: 0, future_clamped: 2 });
  t.is(await clampCount(telemetry), 2);
  await service.close();
});

test('a backlog consumed ten minutes late: a forged time is clamped to its append time, not to now, so the attack behind it in the backlog is judged', async (t) => {
  const clock = new ManualClock(NOW);
  const { telemetry, service, consumer, verdicts } = await fakeService('all', clock);
  // Everything below was appended ten minutes ago (the detector was down): append time = event time.
  const then = NOW - 600_000;
  const appendedAt = (records: BusRecord[], at: (i: number) => number): BusRecord[] => records.map((record, i) => ({ ...record, timestamp_ms: at(i) }));
  await consumer.deliver(appendedAt(records('events', 0, 0, normalTraffic(then)), (i) => then - 3_000 + i * 50));
  await consumer.deliver(appendedAt(records('events', 0, 60, poisoned()), () => then));
  await consumer.deliver(appendedAt(records('events', 0, 62, attack(then + 1_000)), () => then + 1_000));

  t.deepEqual(verdicts().filter((v) => v.subject === `ip:${ATTACKER}`).map((v) => v.action), ['block']);
  t.like(service.stats(), { late: 0, future_clamped: 2 });
  t.is(await lateDiscards(telemetry), 0);
  await service.close();
});

test('the clamp boundary: an event exactly at wall clock + max_future_skew_ms is untouched, one ms later is clamped to it', async (t) => {
  const clock = new ManualClock(NOW);
  const { telemetry, service, consumer } = await fakeService('all', clock);
  const ceiling = NOW + config.max_future_skew_ms;
  t.is(config.max_future_skew_ms, 1_000, 'the default');
  const newest = () => service.engines().get('*')?.watermark.newestEventTime;

  await consumer.deliver(records('events', 0, 0, [makeEvent({ ray_id: 'at-ceiling', ip: ATTACKER, timestamp_ms: ceiling })]));
  t.is(newest(), ceiling);
  t.is(service.stats().future_clamped, 0, 'exactly at the ceiling: untouched');

  await consumer.deliver(records('events', 0, 1, [makeEvent({ ray_id: 'over-ceiling', ip: ATTACKER, timestamp_ms: ceiling + 1 })]));
  t.is(newest(), ceiling, 'one ms over: clamped to the ceiling');
  t.like(service.stats(), { events: 2, late: 0, future_clamped: 1 });
  t.is(await clampCount(telemetry), 1);
  t.is(await metricValue(telemetry, METRIC.discarded, { component: 'detect' }), 0, 'nothing discarded: the clamped event was processed');

  // The ceiling follows the wall clock of each consumed batch.
  clock.advance(5_000);
  await consumer.deliver(records('events', 0, 2, [makeEvent({ ray_id: 'later', ip: ATTACKER, timestamp_ms: ceiling + 5_000 })]));
  t.is(newest(), ceiling + 5_000);
  t.is(service.stats().future_clamped, 1);
  await service.close();
});

test('max_future_skew_ms is configurable; 0 caps event time at the wall clock itself', async (t) => {
  const strict = parseDetectConfig({ ...input, max_future_skew_ms: 0 });
  const bus = new FakeBus();
  const service = new DetectorService(strict, { bus, telemetry: nullTelemetry(), clock: new ManualClock(NOW) });
  await service.start();
  await (bus.consumers[0] as NonNullable<(typeof bus.consumers)[0]>).deliver(records('events', 0, 0, [makeEvent({ ip: ATTACKER, timestamp_ms: NOW + 1 })]));
  t.is(service.engines().get('*')?.watermark.newestEventTime, NOW);
  t.is(service.stats().future_clamped, 1);
  await service.close();
});
