import test from 'ava';
import { nullTelemetry } from '@botsieve/runtime';
import { MOCK_KAFKA_EXTRA, busConformance, startMockKafka, type MockKafka } from '@botsieve/testkit';
import { busConfigSchema } from '../config.js';
import { KafkaBus } from './kafka-bus.js';

// One mock cluster for the file: a consumer group's first join takes ~3 s on it.
let cluster: MockKafka | undefined;

test.before(async () => {
  cluster = await startMockKafka();
});

test.after.always(async () => {
  await cluster?.stop();
});

busConformance(test, {
  makeBus: () => new KafkaBus(busConfigSchema.parse({ kind: 'kafka', kafka: { brokers: (cluster as MockKafka).brokers, extra: MOCK_KAFKA_EXTRA } }), nullTelemetry()),
  wait_ms: 20_000,
  exact_time_lookup: false,
});

test('connect() fails with ERR_BUS_CONNECT when no broker answers, and nothing is accepted', async (t) => {
  const config = busConfigSchema.parse({ kind: 'kafka', kafka: { brokers: '127.0.0.1:1', connect_timeout_ms: 500 } });
  const bus = new KafkaBus(config, nullTelemetry());
  t.teardown(() => bus.close());
  const producer = bus.producer();
  await t.throwsAsync(producer.connect(), { code: 'ERR_BUS_CONNECT' });
  t.false(producer.isReady());
  t.false(producer.batch().send('events', 'k', Buffer.from('x')));
  t.false(await bus.healthcheck(300));
});

test('flush() returns only when everything queued is confirmed, so close() after it loses nothing', async (t) => {
  const bus = new KafkaBus(busConfigSchema.parse({ kind: 'kafka', kafka: { brokers: (cluster as MockKafka).brokers, extra: MOCK_KAFKA_EXTRA } }), nullTelemetry());
  t.teardown(() => bus.close());
  const producer = bus.producer();
  await producer.connect();
  const topic = `flush-${Date.now().toString(36)}`;
  const value = Buffer.alloc(4_096, 120);
  const batches = [];
  // Enqueued-mode style: many batches in flight, none awaited before the flush.
  for (let b = 0; b < 20; b += 1) {
    const batch = producer.batch();
    for (let i = 0; i < 500; i += 1) t.true(batch.send(topic, `k${i % 64}`, value));
    batches.push(batch.seal());
  }
  t.true(producer.queuedBytes() > 0);
  await producer.flush(30_000);
  t.is(producer.queuedBytes(), 0);
  const settled = await Promise.allSettled(batches);
  t.true(settled.every((result) => result.status === 'fulfilled'));
});
