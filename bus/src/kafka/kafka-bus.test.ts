import test from 'ava';
import { nullTelemetry } from '@botsieve/runtime';
import { busConfigSchema } from '../config.js';
import { busConformance } from '../testing/bus-conformance.js';
import { MOCK_KAFKA_EXTRA, startMockKafka, type MockKafka } from '../testing/mock-kafka.js';
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
