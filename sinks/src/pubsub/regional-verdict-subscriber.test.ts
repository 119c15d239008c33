/** Publisher (one region) → local Pub/Sub server → subscriber (another region) → local store. */
import test from 'ava';
import { PartialWriteError, type Verdict } from '@botsieve/core';
import { ManualClock, nullTelemetry, systemClock } from '@botsieve/runtime';
import { PubSubServer } from '@botsieve/testkit';
import { MemoryVerdictStore, memoryVerdictStoreConfigSchema } from '../memory-verdict-store/index.js';
import type { PubSubConfig } from './config.js';
import { createPubSub } from './pubsub-client.js';
import { PubSubVerdictPublisher } from './pubsub-verdict-publisher.js';
import { RegionalVerdictSubscriber } from './regional-verdict-subscriber.js';
import { RecordingTarget, counter, idsByKey, interleaved, randomName, testConfig, until, verdict } from './test-support.js';

const HERE = 'us-east1';
const THERE = 'europe-west1';

async function setup(t: { teardown(fn: () => Promise<void>): void }, options: { target?: RecordingTarget; subscriber?: Partial<PubSubConfig>; createSubscription?: boolean; ordering?: boolean } = {}) {
  const server = await PubSubServer.start();
  const topic = server.createTopic(randomName('verdicts'));
  const subscription = randomName(`verdicts-${HERE}`);
  if (options.createSubscription !== false) server.createSubscription(subscription, { topic, ordering: options.ordering ?? true, ack_deadline_seconds: 10 });
  const telemetry = nullTelemetry();
  const publishers = new Map<string, PubSubVerdictPublisher>();
  const publish = async (region: string, verdicts: Verdict[]) => {
    let publisher = publishers.get(region);
    if (publisher === undefined) {
      publisher = new PubSubVerdictPublisher(testConfig(server, { region, topic }), { telemetry: telemetry.component('sink.pubsub'), clock: systemClock });
      await publisher.connect();
      publishers.set(region, publisher);
    }
    await publisher.writeBatch(verdicts);
  };
  const target = options.target ?? new RecordingTarget();
  const subscriber = new RegionalVerdictSubscriber(testConfig(server, { region: HERE, topic, subscription, ...options.subscriber }), { telemetry: telemetry.component('pubsub-subscriber'), target, clock: systemClock });
  await subscriber.start();
  t.teardown(async () => {
    target.release();
    await subscriber.close();
    for (const publisher of publishers.values()) await publisher.close();
    await server.close();
  });
  /** Valid acks, as message ids, and the verdict id of each published message. */
  const ackedIds = () => server.acked(subscription).filter((a) => a.valid).map((a) => a.message_id!);
  const verdictIdOf = (message_id: string) => server.published(topic).find((m) => m.message_id === message_id)!.attributes.verdict_id!;
  const metric = (name: string, label = '') => counter(telemetry, name, `component="pubsub-subscriber"${label}`);
  return { server, topic, subscription, publish, target, subscriber, ackedIds, verdictIdOf, metric };
}

test("verdicts from another region are applied in micro-batches, each subject's in publish order, across many interleaved subjects", async (t) => {
  const { publish, target, ackedIds, metric } = await setup(t);
  const verdicts = interleaved(20, 10);
  for (let i = 0; i < verdicts.length; i += 50) await publish(THERE, verdicts.slice(i, i + 50));
  await until('every verdict applied and acked', () => target.applied().length === verdicts.length && ackedIds().length === verdicts.length, 30_000);
  t.deepEqual(idsByKey(target.appliedAll()), idsByKey(verdicts));
  t.true(target.writes.length < verdicts.length / 2, `${target.writes.length} writes for ${verdicts.length} verdicts`);
  t.is(await metric('botsieve_sent_total'), verdicts.length);
  t.is(await metric('botsieve_received_total'), verdicts.length);
});

test("this region's own verdicts are skipped (counted as own_region) and still acknowledged; other regions' are applied", async (t) => {
  const { publish, target, ackedIds, metric } = await setup(t);
  await publish(HERE, interleaved(5, 1, '192.0.2'));
  await publish(THERE, interleaved(5, 1, '198.51.100'));
  await until('all ten acknowledged', () => ackedIds().length === 10);
  t.deepEqual(target.applied().map((v) => v.subject).sort(), interleaved(5, 1, '198.51.100').map((v) => v.subject).sort());
  t.is(await metric('botsieve_discarded_total', ',reason="own_region"'), 5);
  t.is(await metric('botsieve_sent_total'), 5);
});

test('nothing is acknowledged before it is applied: acks arrive only after the gated write resolved', async (t) => {
  const target = new RecordingTarget();
  target.hold();
  const { server, subscription, publish, ackedIds, verdictIdOf } = await setup(t, { target });
  const verdicts = interleaved(5, 1);
  await publish(THERE, verdicts);
  await until('the gated write holds all five', () => target.writes.flatMap((w) => w.verdicts).length === 5);
  // The client is live: it extended the leases of what it holds (receipt modAcks) …
  await until('receipt modAcks for all five', () => new Set(server.modAcks(subscription).filter((m) => m.seconds > 0).map((m) => m.message_id)).size === 5);
  await new Promise((resolve) => setTimeout(resolve, 300));
  // … and yet acknowledged nothing, nor nacked anything, while the write is held.
  t.deepEqual(server.acked(subscription), []);
  t.deepEqual(server.modAcks(subscription).filter((m) => m.seconds === 0), []);
  t.is(server.outstanding(subscription).length, 5);
  target.release();
  await until('all five acknowledged', () => ackedIds().length === 5);
  for (const ack of server.acked(subscription)) {
    const appliedAt = target.appliedAt(verdictIdOf(ack.message_id!));
    t.true(appliedAt !== undefined && ack.at_ms >= appliedAt, `ack of ${ack.message_id} at ${ack.at_ms}, applied at ${appliedAt}`);
  }
});

test('a failed apply is nacked, redelivered and applied; the idempotent store ends with every subject at its last verdict', async (t) => {
  const store = new MemoryVerdictStore(memoryVerdictStoreConfigSchema.parse({ snapshot_path: '' }), new ManualClock(1_000));
  const target = new RecordingTarget(store);
  target.failNext = 1;
  const { server, subscription, publish, ackedIds, metric } = await setup(t, { target });
  const verdicts = interleaved(4, 3);
  await publish(THERE, verdicts);
  await until('every verdict applied and acked', () => target.applied().length === verdicts.length && ackedIds().length === verdicts.length);
  const failed = target.writes[0]!;
  t.is(failed.resolved_ms, undefined);
  const nacked = server.modAcks(subscription).filter((m) => m.seconds === 0 && m.valid);
  t.is(nacked.length, failed.verdicts.length);
  t.true(server.deliveries(subscription).some((d) => d.attempt === 2));
  t.deepEqual(idsByKey(target.applied()), idsByKey(verdicts));
  for (const [subject, ids] of Object.entries(idsByKey(verdicts))) t.is(store.get(subject as Verdict['subject'])?.id, ids.at(-1));
  t.is(await metric('botsieve_errors_total', ',code="ERR_SINK_WRITE"'), 1);
  t.is(await metric('botsieve_sent_total'), verdicts.length);
});

test("with several of a subject's messages held at once, a failed write keeps the later ones from overtaking the redelivery", async (t) => {
  // Without ordering on the subscription the server hands out a subject's messages together (as
  // the service may with ordering, too); one message per write puts them in separate batches.
  const target = new RecordingTarget();
  target.failNext = 1;
  const { publish, ackedIds } = await setup(t, { target, ordering: false, subscriber: { apply_batch_size: 1 } });
  const verdicts = interleaved(1, 4);
  await publish(THERE, verdicts);
  await until('every verdict applied and acked', () => target.applied().length === verdicts.length && ackedIds().length === verdicts.length);
  t.deepEqual(target.writes[0]!.verdicts.map((v) => v.id), [verdicts[0]!.id]);
  t.deepEqual(target.appliedAll().map((v) => v.id), verdicts.map((v) => v.id));
});

test("the target's PartialWriteError decides per message: retry is redelivered, rejected acked and discarded, the rest acked once", async (t) => {
  const target = new RecordingTarget();
  target.failWith.push((batch) => new PartialWriteError('partial', [batch[0]!], [{ item: batch[1]!, reason: 'invalid' }]));
  const { server, subscription, publish, ackedIds, verdictIdOf, metric } = await setup(t, { target, subscriber: { apply_delay_ms: 300 } });
  await publish(THERE, interleaved(3, 1));
  await until('the retried one applied and all three acknowledged', () => target.writes.length === 2 && ackedIds().length === 3);
  const [retried, rejected] = target.writes[0]!.verdicts;
  t.is(target.writes[0]!.verdicts.length, 3);
  t.deepEqual(target.writes[1]!.verdicts.map((v) => v.id), [retried!.id]);
  const attempts = new Map(server.deliveries(subscription).map((d) => [verdictIdOf(d.message_id), d.attempt]));
  t.is(attempts.get(retried!.id), 2);
  t.is(attempts.get(rejected!.id), 1);
  t.is(await metric('botsieve_discarded_total', ',reason="ERR_SINK_REJECTED"'), 1);
  t.is(await metric('botsieve_sent_total'), 2);
});

test('a message that is not a verdict is acknowledged, counted as ERR_SINK_DECODE and never applied', async (t) => {
  const { server, topic, publish, target, ackedIds, metric } = await setup(t);
  const raw = createPubSub(testConfig(server, { region: THERE, topic }));
  await raw.topic(topic).publishMessage({ data: Buffer.from('{"not":"a verdict"}'), attributes: { region: THERE } });
  await raw.close();
  await publish(THERE, interleaved(1, 1));
  await until('both acknowledged', () => ackedIds().length === 2);
  t.is(target.applied().length, 1);
  t.is(await metric('botsieve_discarded_total', ',reason="ERR_SINK_DECODE"'), 1);
});

test('close() waits for the apply in flight and acks it; nothing unapplied is acknowledged', async (t) => {
  const target = new RecordingTarget();
  target.delay_ms = 400;
  const { server, topic, publish, subscriber, ackedIds, verdictIdOf } = await setup(t, { target });
  await publish(THERE, interleaved(10, 2));
  await until('a write to start', () => target.writes.length > 0);
  await subscriber.close();
  t.true(target.writes.every((w) => w.resolved_ms !== undefined), 'no write left in flight');
  const applied = new Set(target.appliedAll().map((v) => v.id));
  t.true(applied.size > 0);
  await until('the acks of everything applied reach the server', () => ackedIds().length === applied.size);
  t.deepEqual(new Set(ackedIds().map(verdictIdOf)), applied);
  t.false(await subscriber.healthcheck());
  // Stopped: a verdict published after close() is neither applied nor acknowledged here.
  const writes = target.writes.length;
  await publish(THERE, [verdict('ip:203.0.113.9', 0)]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.is(target.writes.length, writes);
  t.is(ackedIds().length, applied.size);
  t.is(server.published(topic).length, 21);
});

test('a missing subscription makes the subscriber unhealthy and counts ERR_SINK_CONFIG', async (t) => {
  const { subscriber, metric } = await setup(t, { createSubscription: false });
  await until('the subscriber to give up', async () => !(await subscriber.healthcheck()));
  t.is(await metric('botsieve_errors_total', ',code="ERR_SINK_CONFIG"'), 1);
});
