import test from 'ava';
import { encodeVerdict, type Bus, type Verdict } from '@botsieve/core';
import { EmbeddedBus, KafkaBus, busConfigSchema } from '@botsieve/bus';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import { MOCK_KAFKA_EXTRA, produce, startMockKafka, uniqueName, until, type MockKafka } from '@botsieve/testkit';
import { VerdictReplica } from '../replica.js';
import { BusVerdictFeed } from './bus-feed.js';

let cluster: MockKafka | undefined;

test.before(async () => {
  cluster = await startMockKafka();
});

test.after.always(async () => {
  await cluster?.stop();
});

function verdict(subject: string, action: Verdict['action'] = 'block', decided_at = Date.now()): Verdict {
  return { id: `v-${subject}-${decided_at}`, subject: subject as Verdict['subject'], action, score: 5, ttl_ms: 600_000, decided_at, detectors: [{ id: 'volumetric', score: 0.9, evidence: {} }] } as Verdict;
}

const wire = (v: Verdict): [string, string] => [v.subject, encodeVerdict(v).toString()];

const buses: Array<[string, (topic: string) => Bus]> = [
  ['embedded', (topic) => new EmbeddedBus(busConfigSchema.parse({ topics: { verdicts: topic } }), nullTelemetry())],
  ['kafka', (topic) => new KafkaBus(busConfigSchema.parse({ kind: 'kafka', topics: { verdicts: topic }, kafka: { brokers: (cluster as MockKafka).brokers, extra: MOCK_KAFKA_EXTRA } }), nullTelemetry())],
];

for (const [kind, makeBus] of buses) {
  test(`${kind}: start() resolves with every verdict already on the topic applied, bad records counted, then later verdicts follow`, async (t) => {
    const topic = uniqueName('verdicts');
    const bus = makeBus(topic);
    t.teardown(() => bus.close());
    const before = Array.from({ length: 40 }, (_, i) => verdict(`ip:198.51.100.${i}`));
    await produce(bus, topic, [...before.slice(0, 20).map(wire), ['junk', 'not a verdict'], ['junk', '{"id":"x"}'], ...before.slice(20).map(wire)]);
    const replica = new VerdictReplica({ clock: systemClock });
    const feed = new BusVerdictFeed(bus, systemClock, nullTelemetry().component('decide'), { rebuild_ms: 60_000 });
    t.teardown(() => feed.close());
    await feed.start((v) => replica.apply(v));
    t.is(replica.size, 40, 'rebuilt: every active verdict held when start() resolved');
    t.is(feed.bad_records, 2);
    t.is(replica.decide({ ip: '198.51.100.7' }).action, 'block');

    await produce(bus, topic, [wire(verdict('ip:203.0.113.9', 'challenge'))]);
    await until('the later verdict', () => replica.decide({ ip: '203.0.113.9' }).action === 'challenge', 30_000);
    t.true(feed.lagMs() >= 0 && feed.lagMs() < 30_000);
  });
}

test('embedded: start() on an empty topic resolves at once, and verdicts appended before now − rebuild_ms are not re-read', async (t) => {
  const topic = uniqueName('verdicts');
  const bus = new EmbeddedBus(busConfigSchema.parse({ topics: { verdicts: topic } }), nullTelemetry());
  t.teardown(() => bus.close());
  const empty = new BusVerdictFeed(bus, systemClock, nullTelemetry().component('decide'), { rebuild_ms: 50 });
  await empty.start(() => t.fail('nothing to apply'));
  await empty.close();

  await produce(bus, topic, [wire(verdict('ip:192.0.2.1'))]);
  await new Promise((resolve) => setTimeout(resolve, 120));
  await produce(bus, topic, [wire(verdict('ip:192.0.2.2'))]);
  const replica = new VerdictReplica({ clock: systemClock });
  const feed = new BusVerdictFeed(bus, systemClock, nullTelemetry().component('decide'), { rebuild_ms: 60 });
  t.teardown(() => feed.close());
  await feed.start((v) => replica.apply(v));
  t.is(replica.decide({ ip: '192.0.2.1' }).action, 'allow', 'appended before the window');
  t.is(replica.decide({ ip: '192.0.2.2' }).action, 'block');
});

test('two feeds in one process each see every partition (their groups differ)', async (t) => {
  const topic = uniqueName('verdicts');
  const bus = new EmbeddedBus(busConfigSchema.parse({ topics: { verdicts: topic }, embedded: { partitions: 4 } }), nullTelemetry());
  t.teardown(() => bus.close());
  const replicas = [new VerdictReplica({ clock: systemClock }), new VerdictReplica({ clock: systemClock })];
  const feeds = replicas.map(() => new BusVerdictFeed(bus, systemClock, nullTelemetry().component('decide')));
  t.not(feeds[0]?.group_id, feeds[1]?.group_id);
  await Promise.all(feeds.map((feed, i) => feed.start((v) => replicas[i]?.apply(v))));
  t.teardown(() => Promise.all(feeds.map((feed) => feed.close())));
  await produce(bus, topic, Array.from({ length: 32 }, (_, i) => wire(verdict(`ip:198.51.100.${i}`))));
  await until('both replicas hold all 32', () => replicas.every((replica) => replica.size === 32), 5_000);
  t.pass();
});
