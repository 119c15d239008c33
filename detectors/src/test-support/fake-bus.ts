/**
 * A scripted Bus for service tests that need what a real bus cannot be told to do on demand: a
 * `send` that refuses, a `seal` that waits for the test, and explicit delivery of a batch to the
 * handler with the commit recorded only if the handler resolved.
 */
import type { BatchHandler, Bus, BusConsumer, BusProducer, BusRecord, ConsumerOptions, PartitionRange, ProduceBatch, TopicNames } from '@botsieve/core';

export interface SentMessage {
  topic: string;
  key: string | null;
  value: Buffer;
}

export class FakeBus implements Bus {
  readonly kind = 'embedded' as const;
  readonly topics: TopicNames = { events: 'events', verdicts: 'verdicts', deadletter: 'deadletter', rollups: 'rollups' };
  /** Confirmed messages (sealed batches only). */
  readonly confirmed: SentMessage[] = [];
  /** `send` returns false once this many messages were accepted (Infinity: never). */
  acceptLimit = Number.POSITIVE_INFINITY;
  accepted = 0;
  /** When set, `seal()` waits for this promise. */
  sealGate: Promise<void> | undefined;
  readonly consumers: FakeConsumer[] = [];

  producer(): BusProducer {
    const bus = this;
    return {
      connect: async () => {},
      isReady: () => true,
      batch: () => new FakeBatch(bus),
      queuedBytes: () => 0,
      flush: async () => {},
      close: async () => {},
    };
  }

  consumer(options: ConsumerOptions): BusConsumer {
    const consumer = new FakeConsumer(options);
    this.consumers.push(consumer);
    return consumer;
  }

  /** Nothing is held: the service tests deliver batches by hand. */
  async offsetsForTime(): Promise<PartitionRange[]> {
    return [];
  }

  async healthcheck(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}

class FakeBatch implements ProduceBatch {
  private readonly messages: SentMessage[] = [];
  constructor(private readonly bus: FakeBus) {}
  get size(): number {
    return this.messages.length;
  }
  send(topic: string, key: string | null, value: Buffer): boolean {
    if (this.bus.accepted >= this.bus.acceptLimit) return false;
    this.bus.accepted += 1;
    this.messages.push({ topic, key, value });
    return true;
  }
  async seal(): Promise<void> {
    await this.bus.sealGate;
    this.bus.confirmed.push(...this.messages);
  }
}

export class FakeConsumer implements BusConsumer {
  handler: BatchHandler | undefined;
  /** Next offset to deliver per partition, as a consumer group would commit it. */
  readonly committed = new Map<number, number>();
  closed = false;
  constructor(readonly options: ConsumerOptions) {}

  async start(handler: BatchHandler): Promise<void> {
    this.handler = handler;
  }

  assignment(): string[] {
    return [];
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Hands `records` to the handler; commits past them only if it resolved. */
  async deliver(records: BusRecord[]): Promise<void> {
    if (this.handler === undefined) throw new Error('not started');
    await this.handler(records);
    const last = records[records.length - 1];
    if (last !== undefined) this.committed.set(last.partition, last.offset + 1);
  }
}

export function records(topic: string, partition: number, firstOffset: number, values: (object | string)[]): BusRecord[] {
  return values.map((value, i) => ({
    topic,
    partition,
    offset: firstOffset + i,
    key: null,
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    timestamp_ms: 0,
  }));
}
