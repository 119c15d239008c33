/**
 * The real ingest server for the stream tests: IngestServer on an EmbeddedBus with random topic
 * names (as ingest's own tests run it), and a reader of what reached a topic.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { BusRecord, TopicNames } from '@botsieve/core';
import { EmbeddedBus, busConfigSchema } from '@botsieve/bus';
import { IngestServer, ingestConfigSchema } from '@botsieve/ingest';
import { Telemetry, parseConfig } from '@botsieve/runtime';

export interface Ingest {
  port: number;
  topics: TopicNames;
  /** Parsed records of the events topic, once `count` arrived (or after 5 s). */
  events(count: number): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export const INGEST_TOKEN = 'Bearer origin-test-secret';

export async function startIngest(overrides: Record<string, unknown> = {}): Promise<Ingest> {
  const id = randomUUID().slice(0, 8);
  const topics = { events: `events-${id}`, verdicts: `verdicts-${id}`, deadletter: `deadletter-${id}`, rollups: `rollups-${id}` };
  const telemetry = new Telemetry({ level: 'silent' });
  const bus = new EmbeddedBus(busConfigSchema.parse({ kind: 'embedded', topics }), telemetry);
  const producer = bus.producer();
  await producer.connect();
  const config = parseConfig(ingestConfigSchema, { host: '127.0.0.1', port: 0, http_server: process.env.INGEST_TEST_HTTP_SERVER ?? 'auto', auth: { token: INGEST_TOKEN }, ...overrides });
  const server = new IngestServer(config, { producer, topics, telemetry });
  const port = await server.listen();
  return {
    port,
    topics,
    events: async (count) => (await readTopic(bus, topics.events, count)).map((record) => JSON.parse(record.value.toString('utf8')) as Record<string, unknown>),
    close: async () => {
      await server.close();
      await producer.close();
      await bus.close();
    },
  };
}

async function readTopic(bus: EmbeddedBus, topic: string, count: number): Promise<BusRecord[]> {
  const records: BusRecord[] = [];
  let enough: () => void = () => {};
  const reached = new Promise<void>((resolve) => (enough = resolve));
  const consumer = bus.consumer({ group_id: `test-${randomUUID()}`, topics: [topic], from: 'earliest', max_batch_records: 10_000 });
  await consumer.start(async (batch) => {
    records.push(...batch);
    if (records.length >= count) enough();
  });
  const timeout = setTimeout(enough, 5_000);
  await reached;
  clearTimeout(timeout);
  // A little longer, to catch duplicates or extras.
  await new Promise((resolve) => setTimeout(resolve, 100));
  await consumer.close();
  return records;
}

/** A loopback port nothing listens on (taken, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once `condition()` holds, polling every 10 ms; rejects after `timeout_ms`. */
export async function until(condition: () => boolean, timeout_ms = 10_000): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
