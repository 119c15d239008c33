/**
 * Nothing is acknowledged that was not taken: with the brokers gone, uploads get 503 with
 * Retry-After (Logpush retries), readiness turns false, and no 2xx is ever given for data the
 * bus did not confirm. Own file: it kills its mock cluster.
 */
import test from 'ava';
import { startMockKafka } from '@botsieve/testkit';
import { Pipeline } from '@botsieve/cli';
import { nullTelemetry } from '@botsieve/runtime';
import { kafkaTestConfig } from './test-support/kafka-config.js';
import { KafkaObserver } from './test-support/kafka-observer.js';
import { flood, gzipBatch, postLogpush, waitFor } from './test-support/logpush.js';

test('an upload posted while the broker is stopped gets 503 and nothing unconfirmed is acknowledged', async (t) => {
  const kafka = await startMockKafka();
  t.teardown(() => kafka.stop());
  const config = kafkaTestConfig(kafka.brokers, { ingest: { ack_timeout_ms: 3_000, retry_after_s: 7 }, bus: { kafka: { delivery_timeout_ms: 5_000 } } });
  const pipeline = new Pipeline(config, { roles: ['ingest'], telemetry: nullTelemetry() });
  t.teardown(() => pipeline.stop(5_000));
  await pipeline.start();
  const port = pipeline.ingestPort!;

  // While the brokers are up: 200, and every event of the upload is on the topic.
  const observer = new KafkaObserver(kafka.brokers);
  const before = flood('203.0.113.30', Date.now(), 250, 1_000);
  t.is((await postLogpush(port, gzipBatch(before))).status, 200);
  await observer.start([config.bus.topics.events]);
  await waitFor('the acknowledged upload on the topic', () => (observer.on(config.bus.topics.events).length >= before.length ? true : undefined));
  t.is(observer.on(config.bus.topics.events).length, before.length);
  await observer.stop();

  await kafka.stop();

  // Every upload from now on must be refused with 503 + Retry-After: none of it can be confirmed.
  const statuses: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const response = await postLogpush(port, gzipBatch(flood('203.0.113.31', Date.now(), 100, 1_000)));
    statuses.push(response.status);
    t.is(response.status, 503);
    t.is(response.headers.get('retry-after'), '7');
  }
  t.deepEqual(statuses, [503, 503, 503]);
  // Readiness follows the bus.
  const ready = await waitFor('readyz to report the bus down', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    return response.status === 503 ? response.status : undefined;
  });
  t.is(ready, 503);
  // Metrics are on the admin port only.
  t.is((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 404);
  const metrics = await (await fetch(`http://127.0.0.1:${pipeline.adminPort}/metrics`)).text();
  t.regex(metrics, /botsieve_errors_total\{[^}]*code="ERR_INGEST_(BUS_UNAVAILABLE|ACK_TIMEOUT)"[^}]*\} [1-9]/);
});
