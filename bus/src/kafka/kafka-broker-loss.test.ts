import test from 'ava';
import { isBotsieveError } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import { startMockKafka, until, uniqueName } from '@botsieve/testkit';
import { busConfigSchema } from '../config.js';
import { KafkaBus } from './kafka-bus.js';

// Own cluster: this test kills it.
test('when the brokers go away, isReady() turns false within seconds, sends are refused and unconfirmed batches reject', async (t) => {
  const cluster = await startMockKafka();
  t.teardown(() => cluster.stop());
  // linger_ms holds the in-flight message in the producer queue past the moment the cluster dies.
  const kafka = { brokers: cluster.brokers, health_interval_ms: 500, delivery_timeout_ms: 3_000, linger_ms: 1_000 };
  const bus = new KafkaBus(busConfigSchema.parse({ kind: 'kafka', kafka }), nullTelemetry());
  t.teardown(() => bus.close());
  const producer = bus.producer();
  await producer.connect();
  const topic = uniqueName('loss');

  const healthy = producer.batch();
  t.true(healthy.send(topic, 'k', Buffer.from('before')));
  await healthy.seal();
  t.true(producer.isReady());
  t.true(await bus.healthcheck(2_000));

  const inFlight = producer.batch();
  t.true(inFlight.send(topic, 'k', Buffer.from('during')));
  t.is(producer.queuedBytes(), 'during'.length);
  const outcome = inFlight.seal().then(() => 'resolved', (error: unknown) => error);

  await cluster.stop();
  const stoppedAt = Date.now();
  await until('isReady() to turn false', () => !producer.isReady(), 3_000);
  t.log(`isReady() false after ${Date.now() - stoppedAt} ms`);
  t.false(producer.batch().send(topic, 'k', Buffer.from('after')), 'sends are refused while not ready');
  t.false(await bus.healthcheck(1_000));

  const result = await outcome;
  const rejectedAfter = Date.now() - stoppedAt;
  t.true(isBotsieveError(result), `seal() must reject, got ${String(result)}`);
  t.is((result as { code?: string }).code, 'ERR_BUS_DELIVERY');
  t.log(`seal() rejected after ${rejectedAfter} ms`);
  t.true(rejectedAfter < 8_000, 'rejected near delivery_timeout_ms (3 s), not at a 10 s reconnect');
  t.is(producer.queuedBytes(), 0, 'failed messages no longer count as queued');
});
