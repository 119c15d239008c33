/**
 * Nothing is acknowledged that was not taken, across a broker outage: uploads stream in from
 * several clients while the whole Kafka cluster freezes (SIGSTOP) and thaws (SIGCONT). Every
 * upload answered 2xx must have every one of its events on the topic afterwards; uploads the bus
 * could not confirm are answered 503 with Retry-After (and may land anyway: duplicates are fine).
 * Own file: it freezes its mock cluster.
 */
import test from 'ava';
import { startMockKafka } from '@botsieve/testkit';
import { Pipeline } from '@botsieve/cli';
import { nullTelemetry } from '@botsieve/runtime';
import { kafkaTestConfig } from './test-support/kafka-config.js';
import { KafkaObserver } from './test-support/kafka-observer.js';
import { gzipBatch, logpushLine, postLogpush, waitFor } from './test-support/logpush.js';

const EVENTS_PER_UPLOAD = 50;
const CLIENTS = 3;

test('every upload answered 2xx across a broker freeze is on the topic, whole', async (t) => {
  const kafka = await startMockKafka();
  t.teardown(() => kafka.stop());
  const config = kafkaTestConfig(kafka.brokers, { ingest: { ack_timeout_ms: 1_500, retry_after_s: 2 } });
  const pipeline = new Pipeline(config, { roles: ['ingest'], telemetry: nullTelemetry() });
  t.teardown(() => pipeline.stop(10_000));
  await pipeline.start();
  const port = pipeline.ingestPort!;

  const answered = new Map<string, number>();
  let phase: 'before' | 'frozen' | 'after' = 'before';
  const statusesByPhase = { before: [] as number[], frozen: [] as number[], after: [] as number[] };
  let upload = 0;
  let running = true;
  const client = async (c: number) => {
    while (running) {
      const id = `c${c}u${(upload += 1)}`;
      const at = phase;
      const lines = Array.from({ length: EVENTS_PER_UPLOAD }, (_, i) => logpushLine({ ip: `198.51.100.${c + 1}`, ts_ms: Date.now(), ray: `${id}-${i}` }));
      const response = await postLogpush(port, gzipBatch(lines)).catch(() => undefined);
      const status = response?.status ?? 0;
      answered.set(id, status);
      statusesByPhase[at].push(status);
      if (status === 503) t.truthy(response?.headers.get('retry-after'));
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  kafka.pause();
  phase = 'frozen';
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  kafka.resume();
  phase = 'after';
  await waitFor('a 200 after the thaw', () => (statusesByPhase.after.includes(200) ? true : undefined), 30_000);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  running = false;
  await Promise.all(clients);

  // The test exercised every path: accepted before, refused while frozen, accepted after.
  t.true(statusesByPhase.before.includes(200));
  t.true(statusesByPhase.frozen.includes(503));
  t.false([...answered.values()].some((status) => status !== 200 && status !== 503), `unexpected statuses: ${[...new Set(answered.values())]}`);

  const acknowledged = [...answered].filter(([, status]) => status === 200).map(([id]) => id);
  const observer = new KafkaObserver(kafka.brokers);
  t.teardown(() => observer.stop());
  await observer.start([config.bus.topics.events]);
  const expected = acknowledged.length * EVENTS_PER_UPLOAD;
  const rays = await waitFor('every acknowledged event on the topic', () => {
    const seen = new Set(observer.on(config.bus.topics.events).map((message) => (JSON.parse(message.value) as { ray_id: string }).ray_id));
    const missing = acknowledged.some((id) => { for (let i = 0; i < EVENTS_PER_UPLOAD; i += 1) if (!seen.has(`${id}-${i}`)) return true; return false; });
    return missing ? undefined : seen;
  }, 30_000).catch(() => undefined);
  t.truthy(rays, `some events of ${acknowledged.length} acknowledged uploads (${expected} events) are missing from the topic`);
});
