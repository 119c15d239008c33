/**
 * The bus: how tiers hand events and verdicts to each other. Two implementations share this
 * interface and the same tests: embedded (in-process, bounded) and Kafka (node-rdkafka).
 *
 * Acknowledgement contract: a producer batch's `seal()` resolves only when every message sent
 * through it is safe (Kafka: acks=all from an idempotent producer; embedded: in the bounded
 * in-process log). A consumer commits a batch's offsets only after its handler's promise
 * resolved, i.e. after everything that batch produced was confirmed.
 */

export type TopicRole = 'events' | 'verdicts' | 'deadletter' | 'rollups';

export interface TopicNames {
  events: string;
  verdicts: string;
  deadletter: string;
  /** Partial per-subject summaries from the detector partition stage to the aggregation stage. */
  rollups: string;
}

export interface BusRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer;
  /** Broker/append timestamp in ms (not event time). */
  timestamp_ms: number;
  /**
   * Set on records re-read to rebuild state after the partition moved to this consumer (see
   * ConsumerOptions.rebuild_ms): they precede the committed offset, so the previous owner
   * already produced their effects. Rebuild batches hold only rebuild records and are never
   * committed.
   */
  rebuild?: boolean;
}

/**
 * A group of sends acknowledged together (one upload, one consumed batch). Avoids a promise
 * per message: delivery reports only count down the batch.
 */
export interface ProduceBatch {
  /**
   * Enqueues one message. Returns false when the producer's bounded queue is full or the bus is
   * unavailable: nothing was enqueued and the caller must push back (503, pause).
   */
  send(topic: string, key: string | null, value: Buffer): boolean;
  /** Messages enqueued so far. */
  readonly size: number;
  /**
   * No more sends. Resolves when every message of the batch is confirmed; rejects with a
   * BotsieveError (code ERR_BUS_DELIVERY, retryable) as soon as one delivery failed.
   */
  seal(): Promise<void>;
}

export interface BusProducer {
  connect(): Promise<void>;
  /** False while the bus is unreachable or the producer is closing. */
  isReady(): boolean;
  batch(): ProduceBatch;
  /** Bytes currently queued and unconfirmed (for metrics and admission decisions). */
  queuedBytes(): number;
  /** Waits until everything queued is confirmed or `timeout_ms` passed. */
  flush(timeout_ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Handles one batch of records from one partition. Resolve only when everything the batch
 * produced is safe: the consumer commits the batch's offsets after that, and never before.
 * Rejecting stops the consumer for that partition (the records are redelivered later).
 */
export type BatchHandler = (records: BusRecord[]) => Promise<void>;

export interface ConsumerOptions {
  group_id: string;
  topics: string[];
  /** Where a group with no committed offset starts. */
  from: 'earliest' | 'latest';
  /**
   * Where a partition with no committed offset starts: the first record appended at or after
   * this wall time (ms since the epoch), the same position `Bus.offsetsForTime` answers.
   * Overrides `from` for such partitions; a committed offset still wins. A replica of a topic's
   * recent past starts a fresh group here.
   */
  from_time_ms?: number;
  /** Largest batch handed to the handler. */
  max_batch_records: number;
  /**
   * When a partition is newly assigned, first re-read it from the first record appended at or
   * after (now − rebuild_ms) up to its committed offset, flagged `rebuild`, so a stateful
   * handler can rebuild its windows. 0 or absent: no rebuild.
   */
  rebuild_ms?: number;
  /** Called with `topic/partition` keys when partitions are taken away (drop their state). */
  on_revoked?: (partitions: string[]) => void;
}

export interface BusConsumer {
  /** Subscribes and runs `handler` until `close()`. Resolves once subscribed. */
  start(handler: BatchHandler): Promise<void>;
  /** Partitions currently assigned to this consumer, as `topic/partition`. */
  assignment(): string[];
  /** Stops fetching, waits for the handler in flight, commits what is safe, leaves the group. */
  close(): Promise<void>;
}

/** One partition's positions for a point in time (see `Bus.offsetsForTime`). */
export interface PartitionRange {
  partition: number;
  /** First record appended at or after the time; `end` when none. */
  start: number;
  /** The offset the next appended record gets. */
  end: number;
}

export interface Bus {
  readonly kind: 'embedded' | 'kafka';
  readonly topics: TopicNames;
  producer(): BusProducer;
  consumer(options: ConsumerOptions): BusConsumer;
  /**
   * Per partition of `topic`, where a fresh group with `from_time_ms: time_ms` starts and where
   * the partition ends now, so a reader can tell when it has caught up with what was there.
   */
  offsetsForTime(topic: string, time_ms: number, timeout_ms: number): Promise<PartitionRange[]>;
  /** Resolves true when the bus answered a metadata request within `timeout_ms`. */
  healthcheck(timeout_ms: number): Promise<boolean>;
  close(): Promise<void>;
}
