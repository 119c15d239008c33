/**
 * The real in-process bus for server tests: an EmbeddedBus with random topic names, a connected
 * producer, and a reader that takes what reached a topic through a consumer group.
 */
import { randomUUID } from 'node:crypto';
import type { Bus, BusProducer, BusRecord } from '@botsieve/core';
import { EmbeddedBus, busConfigSchema } from '@botsieve/bus';
import { Telemetry } from '@botsieve/runtime';
import { randomTopics, startIngest, type Harness } from './harness.js';

export interface BusHarness extends Harness {
  bus: Bus;
  producer: BusProducer;
  /** Records of `topic`, waiting until `count` arrived, then `settle_ms` longer to catch extras. */
  read(topic: string, count: number, settle_ms?: number): Promise<BusRecord[]>;
  /** Parsed JSON values of `topic`. */
  readJson<T = Record<string, unknown>>(topic: string, count: number): Promise<T[]>;
}

export async function startOnEmbeddedBus(overrides: Record<string, unknown> = {}, embedded: Record<string, unknown> = {}): Promise<BusHarness> {
  const bus = new EmbeddedBus(busConfigSchema.parse({ kind: 'embedded', topics: randomTopics(), embedded }), new Telemetry({ level: 'silent' }));
  const producer = bus.producer();
  await producer.connect();
  const harness = await startIngest(producer, overrides, bus.topics);
  const read = (topic: string, count: number, settle_ms = 100): Promise<BusRecord[]> => readTopic(bus, topic, count, settle_ms);
  return {
    ...harness,
    bus,
    producer,
    read,
    readJson: async <T>(topic: string, count: number) => (await read(topic, count)).map((record) => JSON.parse(record.value.toString('utf8')) as T),
    close: async () => {
      await harness.close();
      await producer.close();
      await bus.close();
    },
  };
}

async function readTopic(bus: Bus, topic: string, count: number, settle_ms: number): Promise<BusRecord[]> {
  const records: BusRecord[] = [];
  let enough: () => void = () => {};
  const reached = new Promise<void>((resolve) => (enough = resolve));
  const consumer = bus.consumer({ group_id: `test-${randomUUID()}`, topics: [topic], from: 'earliest', max_batch_records: 10_000 });
  await consumer.start(async (batch) => {
    records.push(...batch);
    if (records.length >= count) enough();
  });
  if (count === 0) enough();
  const timeout = setTimeout(enough, 5_000);
  await reached;
  clearTimeout(timeout);
  await new Promise((resolve) => setTimeout(resolve, settle_ms));
  await consumer.close();
  // Order holds within a partition only: compare across partitions as sets.
  return records;
}
