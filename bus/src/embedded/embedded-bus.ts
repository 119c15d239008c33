/**
 * EmbeddedBus: the in-process bus, the default for single-machine runs and tests. A bounded,
 * partitioned log per topic (TopicLog), consumer groups with committed offsets
 * (EmbeddedGroup, EmbeddedConsumer), and producers whose batches are confirmed on append.
 *
 * Durability is the process's memory: `seal()` resolves once every message is appended to the
 * log, and everything not yet committed by every group is lost if the process dies. The bound
 * is per topic (embedded.max_buffered_*): `send` returns false past it, which is the
 * backpressure ingest turns into 503.
 */
import type { Bus, BusConsumer, BusProducer, ConsumerOptions, PartitionRange, ProduceBatch, TopicNames } from '@botsieve/core';
import type { ComponentTelemetry, Telemetry } from '@botsieve/runtime';
import type { BusConfig, EmbeddedConfig } from '../config.js';
import { busError, closedError } from '../errors.js';
import { EmbeddedConsumer } from './embedded-consumer.js';
import { EmbeddedGroup } from './embedded-group.js';
import { TopicLog } from './topic-log.js';

export class EmbeddedBus implements Bus {
  readonly kind = 'embedded' as const;
  readonly topics: TopicNames;
  private readonly config: EmbeddedConfig;
  private readonly telemetry: ComponentTelemetry;
  private readonly logs = new Map<string, TopicLog>();
  private readonly groups = new Map<string, EmbeddedGroup>();
  private readonly consumers = new Set<EmbeddedConsumer>();
  /** Topics appended to since the last wake-up round. */
  private readonly appended = new Set<string>();
  private wakeScheduled = false;
  private closed = false;

  constructor(config: BusConfig, telemetry: Telemetry) {
    this.topics = { ...config.topics };
    this.config = config.embedded;
    this.telemetry = telemetry.component('bus');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The topic's log, created with `embedded.partitions` partitions on first use. */
  topicLog(name: string): TopicLog {
    let log = this.logs.get(name);
    if (log === undefined) {
      log = new TopicLog(name, this.config.partitions, this.config);
      this.logs.set(name, log);
    }
    return log;
  }

  /** Appends one record; false when the bus is closed or the topic is full. */
  append(topic: string, key: string | null, value: Buffer): boolean {
    if (this.closed) return false;
    if (!this.topicLog(topic).append(key, value, Date.now())) return false;
    this.appended.add(topic);
    if (!this.wakeScheduled) {
      // One wake-up round per turn of the event loop, however many records were appended.
      this.wakeScheduled = true;
      setImmediate(this.wakeConsumers);
    }
    return true;
  }

  producer(): BusProducer {
    return new EmbeddedProducer(this, this.telemetry);
  }

  consumer(options: ConsumerOptions): BusConsumer {
    if (this.closed) throw closedError('embedded bus');
    let group = this.groups.get(options.group_id);
    if (group === undefined) {
      group = new EmbeddedGroup(options.group_id, (name) => this.topicLog(name));
      this.groups.set(options.group_id, group);
    }
    const consumer = new EmbeddedConsumer(options, group, this.telemetry, (closed) => this.consumers.delete(closed));
    this.consumers.add(consumer);
    return consumer;
  }

  /** Positions in what the topic still holds (records trimmed by retention are gone). */
  async offsetsForTime(topic: string, time_ms: number, _timeout_ms: number): Promise<PartitionRange[]> {
    return this.topicLog(topic).partitions.map((log) => ({ partition: log.partition, start: log.offsetAtTime(time_ms), end: log.endOffset }));
  }

  async healthcheck(_timeout_ms: number): Promise<boolean> {
    return !this.closed;
  }

  /** Stops accepting sends, then closes every consumer (each waits for its handler in flight). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.consumers].map((consumer) => consumer.close()));
  }

  private readonly wakeConsumers = (): void => {
    this.wakeScheduled = false;
    for (const consumer of this.consumers) {
      if (consumer.topics.some((topic) => this.appended.has(topic))) consumer.wake();
    }
    this.appended.clear();
  };
}

class EmbeddedProducer implements BusProducer {
  private closed = false;

  constructor(
    readonly bus: EmbeddedBus,
    private readonly telemetry: ComponentTelemetry,
  ) {}

  async connect(): Promise<void> {
    if (this.bus.isClosed) throw closedError('embedded bus');
  }

  isReady(): boolean {
    return !this.closed && !this.bus.isClosed;
  }

  batch(): ProduceBatch {
    return new EmbeddedBatch(this, this.telemetry);
  }

  /** Nothing is ever queued unconfirmed: a send is confirmed when it returns true. */
  queuedBytes(): number {
    return 0;
  }

  async flush(_timeout_ms: number): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }
}

class EmbeddedBatch implements ProduceBatch {
  size = 0;
  private sealed: Promise<void> | undefined;

  constructor(
    private readonly producer: EmbeddedProducer,
    private readonly telemetry: ComponentTelemetry,
  ) {}

  send(topic: string, key: string | null, value: Buffer): boolean {
    if (this.sealed !== undefined) throw busError('ERR_BUS_CLOSED', 'send() on a sealed batch');
    if (!this.producer.isReady() || !this.producer.bus.append(topic, key, value)) return false;
    this.size += 1;
    return true;
  }

  /** Resolves at once: every message sent through the batch is already in the log. */
  seal(): Promise<void> {
    if (this.sealed === undefined) {
      this.telemetry.metrics.sent(this.size);
      this.sealed = Promise.resolve();
    }
    return this.sealed;
  }
}
