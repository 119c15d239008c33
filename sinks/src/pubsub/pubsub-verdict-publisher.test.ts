import test from 'ava';
import * as grpc from '@grpc/grpc-js';
import { BotsieveError, PartialWriteError, type Verdict } from '@botsieve/core';
import { EmbeddedBus, busConfigSchema } from '@botsieve/bus';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import { PubSubServer, type PublishedMessage } from '@botsieve/testkit';
import { SinkService, decodeJson } from '../service/sink-service.js';
import { pubsubConfigSchema, subscriptionName, type PubSubConfig } from './config.js';
import { PubSubVerdictPublisher } from './pubsub-verdict-publisher.js';
import { counter, idsByKey, interleaved, randomName, testConfig, until, verdict } from './test-support.js';

async function setup(t: { teardown(fn: () => Promise<void>): void }, overrides: Partial<PubSubConfig> = {}) {
  const server = await PubSubServer.start();
  const topic = server.createTopic(randomName('verdicts'));
  const telemetry = nullTelemetry();
  const publisher = new PubSubVerdictPublisher(testConfig(server, { region: 'europe-west1', topic, ...overrides }), { telemetry: telemetry.component('sink.pubsub'), clock: systemClock });
  await publisher.connect();
  t.teardown(async () => {
    await publisher.close();
    await server.close();
  });
  const published = () => server.published(topic).map((m) => JSON.parse(m.data.toString('utf8')) as Verdict);
  return { server, topic, telemetry, publisher, published };
}

const keyIs = (key: string) => (message: PublishedMessage) => message.ordering_key === key;

test('each verdict is published with ordering key = subject, its JSON as data and region / verdict_id attributes, in order per key', async (t) => {
  const { server, topic, publisher, published } = await setup(t);
  const verdicts = interleaved(5, 4);
  await publisher.writeBatch(verdicts);
  const messages = server.published(topic);
  t.is(messages.length, 20);
  for (const message of messages) {
    const decoded = JSON.parse(message.data.toString('utf8')) as Verdict;
    t.is(message.ordering_key, decoded.subject);
    t.deepEqual(message.attributes, { region: 'europe-west1', verdict_id: decoded.id });
    t.deepEqual(decoded, verdicts.find((v) => v.id === decoded.id));
  }
  t.deepEqual(idsByKey(published()), idsByKey(verdicts));
});

test('a key whose Publish keeps failing comes back in PartialWriteError.retry with its later verdicts, in order; other keys are not resent', async (t) => {
  // One verdict per Publish call, so the failing key's later verdicts are separate calls the
  // client refuses because the key is paused.
  const { server, publisher, published } = await setup(t, { publish_max_attempts: 2, max_batch_messages: 1 });
  const verdicts = interleaved(3, 3);
  const failing = verdicts[1]!.subject;
  server.failPublishNext(2, grpc.status.UNAVAILABLE, keyIs(failing));
  const error = await t.throwsAsync<PartialWriteError<Verdict>>(publisher.writeBatch(verdicts), { instanceOf: PartialWriteError });
  t.is(error!.code, 'ERR_SINK_PARTIAL');
  t.true(error!.retryable);
  t.deepEqual(error!.rejected, []);
  t.deepEqual(error!.retry.map((v) => v.id), verdicts.filter((v) => v.subject === failing).map((v) => v.id));
  t.deepEqual(published().map((v) => v.subject).sort(), verdicts.filter((v) => v.subject !== failing).map((v) => v.subject).sort());
  // The key was resumed: retrying exactly what came back publishes it, in order.
  await publisher.writeBatch(error!.retry);
  t.deepEqual(idsByKey(published()), idsByKey(verdicts));
});

test("the client's bounded retry absorbs a transient failure (control for the test above)", async (t) => {
  const { server, publisher, published } = await setup(t, { publish_max_attempts: 3 });
  const verdicts = interleaved(2, 2);
  server.failPublishNext(2, grpc.status.UNAVAILABLE, keyIs(verdicts[0]!.subject));
  await publisher.writeBatch(verdicts);
  t.deepEqual(idsByKey(published()), idsByKey(verdicts));
});

test('INVALID_ARGUMENT rejects the key (dead-lettered, not retried); a missing topic is a non-retryable ERR_SINK_CONFIG', async (t) => {
  const { server, publisher } = await setup(t);
  const verdicts = interleaved(2, 2);
  const invalid = verdicts[0]!.subject;
  server.failPublishNext(1, grpc.status.INVALID_ARGUMENT, keyIs(invalid));
  const error = await t.throwsAsync<PartialWriteError<Verdict>>(publisher.writeBatch(verdicts), { instanceOf: PartialWriteError });
  t.false(error!.retryable);
  t.deepEqual(error!.retry, []);
  t.deepEqual(error!.rejected.map((r) => [r.item.subject, r.reason]), [[invalid, 'invalid'], [invalid, 'invalid']]);

  const missing = new PubSubVerdictPublisher(testConfig(server, { region: 'europe-west1', topic: 'no-such-topic' }), { telemetry: nullTelemetry().component('sink.pubsub'), clock: systemClock });
  await missing.connect();
  const config = await t.throwsAsync<BotsieveError>(missing.writeBatch(verdicts));
  t.is(config!.code, 'ERR_SINK_CONFIG');
  t.false(config!.retryable);
  await missing.close();
});

test('through SinkService on the embedded bus, a failed key is retried until every verdict is published, in order per key', async (t) => {
  const { server, telemetry, publisher, published } = await setup(t, { publish_max_attempts: 2 });
  const bus = new EmbeddedBus(busConfigSchema.parse({}), telemetry);
  const topic = randomName('verdicts');
  const producer = bus.producer();
  await producer.connect();
  const batch = producer.batch();
  const verdicts = interleaved(6, 5);
  for (const v of verdicts) batch.send(topic, v.subject, Buffer.from(JSON.stringify(v)));
  await batch.seal();
  const failing = verdicts[3]!.subject;
  server.failPublishNext(4, grpc.status.UNAVAILABLE, keyIs(failing));
  const service = new SinkService<Verdict>(bus, publisher, { group_id: randomName('g'), topic, decode: decodeJson, max_batch_records: 10 }, { telemetry, clock: systemClock });
  await service.start();
  await until('every verdict published', () => new Set(published().map((v) => v.id)).size === verdicts.length);
  await service.close();
  t.true((await counter(telemetry, 'botsieve_errors_total', 'code="ERR_SINK_PARTIAL"')) >= 1);
  // Per key, verdicts first appear in decision order (a runtime that retries the whole batch may
  // publish other keys' verdicts again; the failing key's failed calls stored nothing).
  const firstSeen = published().filter((v, i, all) => all.findIndex((w) => w.id === v.id) === i);
  t.deepEqual(idsByKey(firstSeen), idsByKey(verdicts));
  t.deepEqual(idsByKey(published())[failing], idsByKey(verdicts)[failing]);
});

test('close() waits for the write in flight; later writes are refused with ERR_SINK_CLOSED', async (t) => {
  const { publisher, published } = await setup(t, { max_batch_delay_ms: 300 });
  const verdicts = interleaved(3, 2);
  let written = false;
  const write = publisher.writeBatch(verdicts).then(() => (written = true));
  await publisher.close();
  t.true(written);
  await write;
  t.deepEqual(idsByKey(published()), idsByKey(verdicts));
  await t.throwsAsync(publisher.writeBatch([verdict('ip:192.0.2.1', 1)]), { code: 'ERR_SINK_CLOSED' });
  t.false(await publisher.healthcheck());
});

test('config: disabled by default, region required once a project is set, unknown keys rejected, default subscription per region', (t) => {
  const defaults = pubsubConfigSchema.parse({});
  t.is(defaults.project_id, '');
  t.is(defaults.topic, 'botsieve-verdicts');
  t.throws(() => pubsubConfigSchema.parse({ project_id: 'p' }), { message: /region/ });
  t.throws(() => pubsubConfigSchema.parse({ topics: 'x' }));
  t.throws(() => pubsubConfigSchema.parse({ emulator_host: 'localhost' }));
  const config = pubsubConfigSchema.parse({ project_id: 'p', region: 'us-east1', emulator_host: '127.0.0.1:8085' });
  t.is(subscriptionName(config), 'botsieve-verdicts-us-east1');
  t.is(subscriptionName({ ...config, subscription: 'mine' }), 'mine');
});
