/**
 * Runs one sink behind a bus consumer. The sink only writes; this runtime owns the rest:
 *
 * - **Acknowledgement.** A consumed batch's offsets are committed (the handler resolves) only
 *   after every item of it was written, dead-lettered or deliberately discarded.
 * - **Retries.** A retryable error is retried here, in process, with exponential back-off and
 *   jitter, never sooner than the target's `retry_after_ms` (a 429's `retry-after`). The batch
 *   stays in memory (one batch per consumer: bounded) and fetching of that consumer waits, so lag
 *   grows while the target is down and memory does not. A `PartialWriteError` retries only the
 *   items that failed, so rows the target stored are not sent again.
 * - **Dead letters.** Records that cannot be decoded, items the target refused as invalid, and
 *   batches failing with a non-retryable error go to the deadletter topic with their reason and
 *   are counted as discarded: one bad item never blocks the stream.
 * - **Upkeep.** A sink with `maintain()` gets it called every `maintain_interval_ms`, never
 *   concurrently with itself.
 * - **Shutdown.** `close()` stops the back-off waits (the batch is then left uncommitted and
 *   redelivered to the next owner), waits for the write in flight, commits, and closes the sink.
 */
import { isBotsieveError, isPartialWriteError, METRIC, type Bus, type BusConsumer, type BusProducer, type BusRecord, type Clock, type RejectedItem, type Sink } from '@botsieve/core';
import { backoffDelay, systemRandom, type BackoffPolicy, type ComponentTelemetry, type Random, type Telemetry } from '@botsieve/runtime';
import { SINK_ERRORS } from '../errors.js';

export interface SinkRetryOptions {
  /** First back-off after a retryable failure. */
  initial_backoff_ms: number;
  /** Largest back-off between two attempts. */
  max_backoff_ms: number;
}

export interface SinkServiceOptions<T> {
  /** Consumer group; one per sink, so each sink sees every record. */
  group_id: string;
  /** Topic consumed (shorthand for `topics: [topic]`). */
  topic: string;
  /** Further topics consumed by the same group. */
  extra_topics?: string[];
  /** Turns a record into an item; returns undefined for a record that cannot be decoded. */
  decode: (record: BusRecord) => T | undefined;
  max_batch_records: number;
  /**
   * Consumers of the group this service runs (default 1). Each hands the sink one batch at a
   * time, so this is also the most batches in flight. More than one suits sinks that merge
   * concurrent batches into one write (Cloudflare lists: one sync pass for every partition's
   * batch instead of one pass per partition in turn).
   */
  consumers?: number;
  /** Where a group with no committed offset starts (default `earliest`). */
  from?: 'earliest' | 'latest';
  /** Re-read this much history when a partition is assigned (sinks with windows). */
  rebuild_ms?: number;
  /** Called with `topic/partition` keys when partitions are taken away (drop their state). */
  on_revoked?: (partitions: string[]) => void;
  /** Back-off of retries; defaults 100 ms doubling to 30 s. */
  retry?: Partial<SinkRetryOptions>;
  /** How often `sink.maintain()` runs, when the sink has it (default 5 s). */
  maintain_interval_ms?: number;
  /**
   * Dead letters (undecodable records, rejected items, non-retryable failures) are produced to
   * this topic. Absent: they are only counted and logged (the deadletter sink itself).
   */
  deadletter?: { producer: BusProducer; topic: string };
}

export interface SinkServiceDeps {
  telemetry: Telemetry;
  /** Wall clock: the lag of the newest record written and the times in `status()`. */
  clock: Clock;
  /** Jitter of the retry back-off (default `Math.random`). */
  random?: Random;
}

/** A dead-letter record from a sink: what failed, where it came from, and the original value. */
export interface SinkDeadLetter {
  reason: string;
  detail: string;
  sink: string;
  topic: string;
  partition: number;
  offset: number;
  /** The original record value (UTF-8; JSON records stay readable). */
  value: string;
}

/** What one sink is doing, for the admin API (`/sinks`). */
export interface SinkStatus {
  sink: string;
  group: string;
  topics: string[];
  /** Consumers running; 0 while the target has been unreachable since start (connecting in the background). */
  consumers: number;
  /** Items written (stored, dead-lettered or discarded on purpose) since start. */
  written: number;
  /** Failed attempts in a row (0 once a write succeeds): > 0 means the target is failing now. */
  failing_attempts: number;
  last_error: { code: string; message: string; at: string } | null;
  last_write_at: string | null;
  /** Append time to write of the newest record written, in seconds. */
  lag_seconds: number | null;
}

const DEFAULT_RETRY: SinkRetryOptions = { initial_backoff_ms: 100, max_backoff_ms: 30_000 };

export class SinkService<T> {
  private readonly consumers: BusConsumer[] = [];
  private readonly telemetry: ComponentTelemetry;
  private readonly retry: BackoffPolicy;
  private readonly clock: Clock;
  private readonly random: Random;
  private closing = false;
  private wakeSleepers: (() => void)[] = [];
  private maintainTimer: NodeJS.Timeout | undefined;
  private maintaining: Promise<void> | undefined;
  /** The background connect of a sink whose target was down at start. */
  private connecting: Promise<void> | undefined;
  private readonly stats = { written: 0, failing_attempts: 0, last_error: null as SinkStatus['last_error'], last_write_at: null as string | null, lag_seconds: null as number | null };

  constructor(
    private readonly bus: Bus,
    private readonly sink: Sink<T>,
    private readonly options: SinkServiceOptions<T>,
    deps: SinkServiceDeps,
  ) {
    this.telemetry = deps.telemetry.component(`sink.${sink.id}`);
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    this.retry = { base_ms: retry.initial_backoff_ms, max_ms: retry.max_backoff_ms, jitter: 'equal' };
    this.clock = deps.clock;
    this.random = deps.random ?? systemRandom;
  }

  get id(): string {
    return this.sink.id;
  }

  status(): SinkStatus {
    const { options } = this;
    return { sink: this.sink.id, group: options.group_id, topics: [options.topic, ...(options.extra_topics ?? [])], consumers: this.consumers.length, ...this.stats };
  }

  /**
   * Connects the sink and starts consuming. A target that is down at start (a retryable connect
   * error) does not fail the process: the service keeps connecting in the background with
   * back-off, its records wait on the topic, and the other sinks run meanwhile. A
   * non-retryable error (configuration) fails the start.
   */
  async start(): Promise<void> {
    try {
      await this.sink.connect();
    } catch (error) {
      if (!isBotsieveError(error) || !error.retryable) throw error;
      this.telemetry.fail(error, `sink ${this.sink.id} cannot reach its target at start; connecting in the background while its records wait`);
      this.connecting = this.connectInBackground();
      return;
    }
    await this.consume();
  }

  private async connectInBackground(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      // From attempt 1: the first reconnect waits twice the first write retry.
      if (!(await this.sleep(backoffDelay(attempt, this.retry, this.random)))) return;
      try {
        await this.sink.connect();
      } catch (error) {
        this.telemetry.fail(error, `sink ${this.sink.id} still cannot reach its target`, SINK_ERRORS.ERR_SINK_CONNECT.code);
        if (isBotsieveError(error) && !error.retryable) return;
        continue;
      }
      if (this.closing) return;
      await this.consume();
      return;
    }
  }

  private async consume(): Promise<void> {
    const { options } = this;
    for (let i = 0; i < Math.max(1, options.consumers ?? 1); i += 1) {
      const consumer = this.bus.consumer({
        group_id: options.group_id,
        topics: [options.topic, ...(options.extra_topics ?? [])],
        from: options.from ?? 'earliest',
        max_batch_records: options.max_batch_records,
        ...(options.rebuild_ms === undefined ? {} : { rebuild_ms: options.rebuild_ms }),
        // At shutdown the partitions are released too, but the sink's close() then stores what it
        // holds (a partial minute row is superseded by the next owner's full one under its id).
        ...(options.on_revoked === undefined ? {} : { on_revoked: (partitions: string[]) => (this.closing ? undefined : options.on_revoked?.(partitions)) }),
      });
      this.consumers.push(consumer);
      await consumer.start((records) => this.handle(records));
    }
    if (this.sink.maintain !== undefined) {
      this.maintainTimer = setInterval(() => this.runMaintain(), options.maintain_interval_ms ?? 5_000);
      this.maintainTimer.unref();
    }
    this.telemetry.log.info({ topics: [options.topic, ...(options.extra_topics ?? [])], group: options.group_id }, 'sink started');
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const wake of this.wakeSleepers.splice(0)) wake();
    await this.connecting;
    clearInterval(this.maintainTimer);
    await Promise.all(this.consumers.map((consumer) => consumer.close()));
    await this.maintaining;
    await this.sink.close();
  }

  private runMaintain(): void {
    if (this.maintaining !== undefined || this.closing) return;
    const maintain = this.sink.maintain as () => Promise<void>;
    this.maintaining = maintain
      .call(this.sink)
      .catch((error: unknown) => this.telemetry.fail(error, `sink ${this.sink.id} upkeep failed; it runs again at the next interval`, SINK_ERRORS.ERR_SINK_WRITE.code))
      .finally(() => {
        this.maintaining = undefined;
      });
  }

  private async handle(records: BusRecord[]): Promise<void> {
    const { metrics } = this.telemetry;
    metrics.received(records.length);
    const items: T[] = [];
    const origin = new Map<T, BusRecord>();
    const dead: SinkDeadLetter[] = [];
    for (const record of records) {
      const item = this.options.decode(record);
      if (item === undefined) {
        metrics.discarded(SINK_ERRORS.ERR_SINK_DECODE.code);
        dead.push(this.deadLetter(record, SINK_ERRORS.ERR_SINK_DECODE.code, 'record value could not be decoded'));
      } else {
        items.push(item);
        if (typeof item === 'object' && item !== null) origin.set(item, record);
      }
    }
    if (items.length > 0) await this.write(items, origin, dead, records);
    await this.sendDeadLetters(dead);
  }

  /** Writes until every item is stored, rejected or discarded; throws only when closing. */
  private async write(items: T[], origin: Map<T, BusRecord>, dead: SinkDeadLetter[], records: BusRecord[]): Promise<void> {
    const { metrics } = this.telemetry;
    let pending: readonly T[] = items;
    for (let attempt = 0; ; attempt += 1) {
      const started = performance.now();
      try {
        await this.sink.writeBatch(pending);
        metrics.sent(pending.length);
        metrics.observe(METRIC.sinkWriteSeconds, (performance.now() - started) / 1_000);
        this.reportLag(records);
        if (attempt > 0) metrics.gauge(METRIC.sinkRetryBackoffSeconds, 0);
        this.stats.written += items.length;
        this.stats.failing_attempts = 0;
        this.stats.last_write_at = new Date(this.clock.now()).toISOString();
        return;
      } catch (error) {
        this.stats.failing_attempts += 1;
        this.stats.last_error = { code: isBotsieveError(error) ? error.code : SINK_ERRORS.ERR_SINK_WRITE.code, message: error instanceof Error ? error.message : String(error), at: new Date(this.clock.now()).toISOString() };
        if (isPartialWriteError<T>(error)) {
          const failed = error.retry.length + error.rejected.length;
          metrics.sent(Math.max(0, pending.length - failed));
          this.reject(error.rejected, origin, dead);
          pending = error.retry;
          if (pending.length === 0) {
            this.stats.written += items.length;
            this.stats.failing_attempts = 0;
            return;
          }
          this.telemetry.fail(error, `sink ${this.sink.id}: ${pending.length} items failed and are retried`, SINK_ERRORS.ERR_SINK_PARTIAL.code);
        } else if (isBotsieveError(error) && !error.retryable) {
          this.telemetry.fail(error, `sink ${this.sink.id} refused ${pending.length} items; they are dead-lettered`);
          metrics.discarded(error.code, pending.length);
          this.reject(
            pending.map((item) => ({ item, reason: error.code, detail: error.message })),
            origin,
            dead,
            false,
          );
          this.stats.written += items.length;
          return;
        } else {
          this.telemetry.fail(error, `sink ${this.sink.id} failed to write ${pending.length} items; retrying`, SINK_ERRORS.ERR_SINK_WRITE.code);
        }
        const hint = isBotsieveError(error) ? (error.retry_after_ms ?? 0) : 0;
        const wait = Math.max(hint, backoffDelay(attempt, this.retry, this.random));
        metrics.gauge(METRIC.sinkRetryBackoffSeconds, wait / 1_000);
        if (!(await this.sleep(wait))) {
          // Closing: leave the batch uncommitted; the next owner of the partition writes it.
          throw isBotsieveError(error) ? error : new Error(String(error));
        }
      }
    }
  }

  private reject(rejected: readonly RejectedItem<T>[], origin: Map<T, BusRecord>, dead: SinkDeadLetter[], count = true): void {
    for (const { item, reason, detail } of rejected) {
      if (count) this.telemetry.metrics.discarded(reason);
      const record = typeof item === 'object' && item !== null ? origin.get(item) : undefined;
      if (record !== undefined) dead.push(this.deadLetter(record, reason, detail ?? ''));
    }
  }

  private deadLetter(record: BusRecord, reason: string, detail: string): SinkDeadLetter {
    return { reason, detail: detail.slice(0, 500), sink: this.sink.id, topic: record.topic, partition: record.partition, offset: record.offset, value: record.value.toString('utf8', 0, Math.min(record.value.length, 8_192)) };
  }

  /** Dead letters must be safe before the batch is committed; when the bus refuses, the batch is retried. */
  private async sendDeadLetters(dead: SinkDeadLetter[]): Promise<void> {
    const target = this.options.deadletter;
    if (dead.length === 0 || target === undefined) return;
    const batch = target.producer.batch();
    for (const letter of dead) {
      if (!batch.send(target.topic, null, Buffer.from(JSON.stringify(letter)))) {
        await batch.seal().catch(() => undefined);
        throw new Error(`sink ${this.sink.id}: the bus refused ${dead.length} dead letters; the batch is redelivered`);
      }
    }
    await batch.seal();
  }

  private reportLag(records: BusRecord[]): void {
    let newest = 0;
    for (const record of records) if (record.timestamp_ms > newest) newest = record.timestamp_ms;
    if (newest === 0) return;
    this.stats.lag_seconds = Math.max(0, this.clock.now() - newest) / 1_000;
    this.telemetry.metrics.gauge(METRIC.sinkLagSeconds, this.stats.lag_seconds);
  }

  /** Sleeps `ms`; resolves false at once when the service is closing. */
  private sleep(ms: number): Promise<boolean> {
    if (this.closing) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeSleepers = this.wakeSleepers.filter((wake) => wake !== onWake);
        resolve(true);
      }, ms);
      const onWake = () => {
        clearTimeout(timer);
        resolve(false);
      };
      this.wakeSleepers.push(onWake);
    });
  }
}

/** Decodes a JSON record value; undefined when it is not JSON. */
export function decodeJson<T>(record: BusRecord): T | undefined {
  try {
    return JSON.parse(record.value.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
