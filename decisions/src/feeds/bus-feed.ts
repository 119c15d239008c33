/**
 * BusVerdictFeed: a replica fed straight from the `verdicts` topic.
 *
 * Every replica must see every partition, so the consumer group is this process's own
 * (`<group_id_prefix>-<host>-<pid>-<random>`: unique per start too, because the replica lives in
 * memory and a restarted process must rebuild, not resume). On Kafka each start leaves a group
 * behind that the broker forgets after `offsets.retention.minutes` (7 days by default).
 *
 * Start: the group begins at the first verdict appended at or after now − rebuild_ms (the
 * longest verdict TTL: anything older has expired), and `start()` resolves once every partition
 * was read up to the end it had at start; from then on the feed follows. Verdicts older than
 * the window that the bus still hands over (Kafka without timestamp lookups re-reads the last
 * records) are harmless: the replica ignores expired ones.
 *
 * A record that is not a verdict is counted (`discarded{reason="bad_verdict"}`) and skipped,
 * never fatal.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { decodeVerdict, type Bus, type BusConsumer, type BusRecord, type Clock, type Verdict } from '@botsieve/core';
import type { ComponentTelemetry } from '@botsieve/runtime';
import type { VerdictFeed } from '../types.js';

export const DEFAULT_REBUILD_MS = 24 * 60 * 60 * 1_000;

export interface BusVerdictFeedOptions {
  /** Topic to follow; default the bus's `verdicts` topic. */
  topic?: string;
  /** Re-read this far back at start: the longest verdict TTL. Default 24 h. */
  rebuild_ms?: number;
  /** Prefix of this process's consumer group. */
  group_id_prefix?: string;
  max_batch_records?: number;
  /** Longest wait for the bus to tell where its partitions end. */
  lookup_timeout_ms?: number;
}

export class BusVerdictFeed implements VerdictFeed {
  readonly kind = 'bus' as const;
  readonly group_id: string;
  private readonly topic: string;
  private readonly rebuildMs: number;
  private readonly maxBatch: number;
  private readonly lookupTimeoutMs: number;
  private consumer: BusConsumer | undefined;
  /** Per partition: the highest offset that must be read before start() resolves; gone when reached. */
  private readonly pending = new Map<number, number>();
  private caughtUp: (() => void) | undefined;
  private lag = 0;
  private badRecords = 0;
  private applied = 0;

  constructor(
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly telemetry: ComponentTelemetry,
    options: BusVerdictFeedOptions = {},
  ) {
    this.topic = options.topic ?? bus.topics.verdicts;
    this.rebuildMs = options.rebuild_ms ?? DEFAULT_REBUILD_MS;
    this.maxBatch = options.max_batch_records ?? 1_000;
    this.lookupTimeoutMs = options.lookup_timeout_ms ?? 10_000;
    const host = hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-');
    this.group_id = `${options.group_id_prefix ?? 'botsieve-decide'}-${host}-${process.pid}-${randomBytes(4).toString('hex')}`;
  }

  async start(apply: (verdict: Verdict) => void): Promise<void> {
    if (this.consumer !== undefined) throw new Error('BusVerdictFeed.start() called twice');
    const since = this.clock.now() - this.rebuildMs;
    // Ends first, then the consumer: whatever is appended in between is read too, never skipped.
    const ranges = await this.bus.offsetsForTime(this.topic, since, this.lookupTimeoutMs);
    for (const range of ranges) if (range.start < range.end) this.pending.set(range.partition, range.end - 1);
    const rebuilt = new Promise<void>((resolve) => {
      this.caughtUp = resolve;
    });
    if (this.pending.size === 0) this.caughtUp?.();
    // `earliest` only matters if the bus cannot place the group at `since` (Kafka logs it):
    // then everything held is read, slower but never short of a verdict.
    this.consumer = this.bus.consumer({ group_id: this.group_id, topics: [this.topic], from: 'earliest', from_time_ms: since, max_batch_records: this.maxBatch });
    await this.consumer.start(async (records) => this.handle(records, apply));
    await rebuilt;
    this.telemetry.log.info({ group_id: this.group_id, topic: this.topic, rebuild_ms: this.rebuildMs, applied: this.applied, bad_records: this.badRecords }, 'verdict replica rebuilt from the bus');
  }

  lagMs(): number {
    return this.lag;
  }

  /** Records that were not verdicts (counted, skipped). */
  get bad_records(): number {
    return this.badRecords;
  }

  async close(): Promise<void> {
    await this.consumer?.close();
    this.caughtUp?.();
  }

  private handle(records: BusRecord[], apply: (verdict: Verdict) => void): void {
    let newest = -1;
    for (const record of records) {
      const decoded = decodeVerdict(record.value);
      if (!decoded.ok) {
        this.badRecords += 1;
        this.telemetry.metrics.discarded('bad_verdict');
        this.telemetry.log.debug({ partition: record.partition, offset: record.offset, reason: decoded.reason }, 'record on the verdicts topic is not a verdict; skipped');
        continue;
      }
      apply(decoded.verdict);
      this.applied += 1;
      if (decoded.verdict.decided_at > newest) newest = decoded.verdict.decided_at;
    }
    this.telemetry.metrics.received(records.length);
    if (newest >= 0) this.lag = Math.max(0, this.clock.now() - newest);
    const last = records[records.length - 1];
    if (this.pending.size === 0 || last === undefined) return;
    const until = this.pending.get(last.partition);
    if (until !== undefined && last.offset >= until) {
      this.pending.delete(last.partition);
      if (this.pending.size === 0) this.caughtUp?.();
    }
  }
}
