/**
 * Aggregates request events into `traffic_1m` rows (minute × host × class × source partition).
 * Pure: no I/O, no timers; the wall clock comes in as an argument.
 *
 * Minutes close per source partition in event time. A partition's watermark is the latest event
 * time it delivered minus `allowed_lateness_ms`; when it passes a minute's end, that minute's
 * rows are emitted. Events of a minute that already closed are counted as discarded (`late`),
 * never added to a second "late part" row: a row id then stays one per minute × host × class ×
 * partition, and the views need no summing of parts. Raise `allowed_lateness_ms` when the source
 * reorders more than that.
 *
 * A quiet partition must still emit its last minutes: `advance(now)` assumes event time moves on
 * with the wall clock since the partition's last record (watermark = last event time + wall time
 * since it arrived − lateness). Extrapolating from the partition's own last event, rather than
 * taking `now − lateness`, keeps a partition that is catching up on a backlog from seeing its
 * whole backlog as late after a short pause.
 *
 * Idempotent absorption: items carry (source_partition, offset); an offset at or below the
 * highest one absorbed for its partition is skipped, so a retried batch counts nothing twice.
 *
 * Rebuild after a restart: the runtime re-reads records that precede the committed offset
 * (`rebuild: true`) to refill the minutes that were open. They are absorbed normally, except
 * that rows closed by a rebuild record's watermark are not emitted again: that watermark is at
 * most what the previous run had reached at the same offset, so the previous run had closed the
 * minute too, and emitted it before that offset was committed. Suppressing them keeps a partial
 * copy (the re-read started inside the minute) from shadowing the complete row under its id.
 *
 * Bounded memory: at most `max_open_rows` rows; past it, new hosts of a minute are folded into
 * host `(other)` (counted under discarded `row_cap`): an attacker-chosen Host header cannot grow
 * the state. Verdicts are capped by VerdictCoverage.
 */
import type { RequestEvent, Verdict } from '@botsieve/core';
import { ClientExemption } from '@botsieve/runtime';
import { MINUTE_MS, TrafficRowState, classify, type TrafficRow } from './traffic-row.js';
import { VerdictCoverage } from './verdict-coverage.js';

export interface TrafficItem {
  /** Events topic/partition the record came from, e.g. `events/3`. */
  source_partition: string;
  offset: number;
  /** Re-read after a restart to rebuild open minutes (precedes the committed offset). */
  rebuild: boolean;
  event: RequestEvent;
}

export interface TrafficAggregatorOptions {
  allowed_lateness_ms: number;
  max_open_rows: number;
  max_verdicts: number;
  top_subjects: number;
  /** Events further than this ahead of the wall clock are discarded (`future`): one bad clock must not close every minute. */
  max_future_ms: number;
}

/** A row whose minute closed, with where it came from (for rebuild offsets). */
export interface ClosedRow {
  row: TrafficRow;
  source_partition: string;
  first_offset: number;
}

/** Where dropped items are counted (a ComponentMetrics fits). */
export interface DiscardCounter {
  discarded(reason: string, count?: number): void;
}

/** Host that rows past `max_open_rows` are folded into. */
export const OVERFLOW_HOST = '(other)';

class PartitionState {
  highest_offset = -Infinity;
  max_event_ms = -Infinity;
  last_absorbed_wall_ms = -Infinity;
  /** Every minute starting before this is closed. */
  closed_until_ms = -Infinity;
  /** Open minutes: minute start → `host\nclass` → row. A handful at a time. */
  readonly minutes = new Map<number, Map<string, TrafficRowState>>();
}

export class TrafficAggregator {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly coverage: VerdictCoverage;
  private open_rows = 0;

  /**
   * `exemption`: the enforcement paths' shared exemption (verified bots, safelisted clients): a
   * request it exempts is never counted as mitigated, whatever verdict covers its population,
   * as the edge and the origins do not enforce it on them.
   */
  constructor(
    private readonly options: TrafficAggregatorOptions,
    private readonly counter: DiscardCounter = { discarded() {} },
    private readonly exemption: ClientExemption = new ClientExemption(),
  ) {
    this.coverage = new VerdictCoverage(options.max_verdicts, (count) => counter.discarded('verdict_evicted', count));
  }

  /** Feeds verdicts for coverage. Call before absorbing the events they should cover. */
  observeVerdicts(verdicts: readonly Verdict[]): void {
    const horizon = this.horizon();
    let invalid = 0;
    for (const verdict of verdicts) if (!this.coverage.observe(verdict, horizon)) invalid += 1;
    if (invalid > 0) this.counter.discarded('invalid_verdict', invalid);
  }

  /** Absorbs items in order; returns the rows of the minutes this closed. */
  absorb(items: readonly TrafficItem[], now_ms: number): ClosedRow[] {
    const closed: ClosedRow[] = [];
    const inserted_at = new Date(now_ms).toISOString();
    const { allowed_lateness_ms, max_future_ms } = this.options;
    let duplicate = 0;
    let invalid = 0;
    let late = 0;
    let future = 0;
    let folded = 0;
    for (const item of items) {
      const partition = this.partition(item.source_partition);
      if (!(item.offset > partition.highest_offset)) {
        duplicate += 1;
        continue;
      }
      partition.highest_offset = item.offset;
      partition.last_absorbed_wall_ms = now_ms;
      const event = item.event;
      if (typeof event !== 'object' || event === null || !Number.isFinite(event.timestamp_ms) || typeof event.host !== 'string') {
        invalid += 1;
        continue;
      }
      const at = event.timestamp_ms;
      if (at > now_ms + max_future_ms) {
        future += 1;
        continue;
      }
      const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
      if (minute < partition.closed_until_ms) {
        late += 1;
        continue;
      }
      const trafficClass = classify(event);
      let rows = partition.minutes.get(minute);
      if (rows === undefined) {
        rows = new Map();
        partition.minutes.set(minute, rows);
      }
      let key = `${event.host}\n${trafficClass}`;
      let row = rows.get(key);
      if (row === undefined && this.open_rows >= this.options.max_open_rows) {
        folded += 1;
        key = `${OVERFLOW_HOST}\n${trafficClass}`;
        row = rows.get(key);
      }
      if (row === undefined) {
        row = new TrafficRowState(minute, key.slice(0, key.lastIndexOf('\n')), trafficClass, item.source_partition, this.options.top_subjects);
        rows.set(key, row);
        this.open_rows += 1;
      }
      const covered = this.coverage.lookup(event, at);
      row.add(event, covered !== undefined && this.exemption.check(event) === null ? covered : undefined, item.offset);
      if (at > partition.max_event_ms) {
        partition.max_event_ms = at;
        this.closeUpTo(partition, at - allowed_lateness_ms, item.rebuild, closed, inserted_at);
      }
    }
    if (duplicate > 0) this.counter.discarded('duplicate', duplicate);
    if (invalid > 0) this.counter.discarded('invalid', invalid);
    if (late > 0) this.counter.discarded('late', late);
    if (future > 0) this.counter.discarded('future', future);
    if (folded > 0) this.counter.discarded('row_cap', folded);
    return closed;
  }

  /**
   * Closes minutes of quiet partitions by the wall clock (see the file comment) and prunes
   * verdicts no open minute can use. Returns the rows that closed.
   */
  advance(now_ms: number): ClosedRow[] {
    const closed: ClosedRow[] = [];
    const inserted_at = new Date(now_ms).toISOString();
    for (const partition of this.partitions.values()) {
      if (partition.max_event_ms === -Infinity) continue;
      const quiet_ms = Math.max(0, now_ms - partition.last_absorbed_wall_ms);
      this.closeUpTo(partition, partition.max_event_ms + quiet_ms - this.options.allowed_lateness_ms, false, closed, inserted_at);
    }
    this.coverage.prune(this.horizon());
    return closed;
  }

  /** Closes every open minute (shutdown). Later events of those minutes would be late. */
  flush(now_ms: number): ClosedRow[] {
    const closed: ClosedRow[] = [];
    const inserted_at = new Date(now_ms).toISOString();
    for (const partition of this.partitions.values()) {
      let last = -Infinity;
      for (const minute of partition.minutes.keys()) if (minute > last) last = minute;
      if (last !== -Infinity) this.closeUpTo(partition, last + MINUTE_MS, false, closed, inserted_at);
    }
    return closed;
  }

  /**
   * Forgets partitions this process no longer owns, without emitting their open rows: the new
   * owner rebuilds and emits them (two different copies under one row id would be worse).
   */
  revoke(source_partitions: readonly string[]): void {
    for (const name of source_partitions) {
      const partition = this.partitions.get(name);
      if (partition === undefined) continue;
      for (const rows of partition.minutes.values()) {
        this.counter.discarded('revoked', rows.size);
        this.open_rows -= rows.size;
      }
      this.partitions.delete(name);
    }
  }

  /** Per partition, the lowest offset absorbed into a still-open row (re-read from here to rebuild). */
  openOffsets(): Map<string, number> {
    const offsets = new Map<string, number>();
    for (const [name, partition] of this.partitions) {
      let lowest = Infinity;
      for (const rows of partition.minutes.values()) for (const row of rows.values()) if (row.first_offset < lowest) lowest = row.first_offset;
      if (lowest !== Infinity) offsets.set(name, lowest);
    }
    return offsets;
  }

  openRows(): number {
    return this.open_rows;
  }

  verdictSubjects(): number {
    return this.coverage.size();
  }

  /** Oldest event time any open minute may still receive; verdicts expired before it are useless. */
  private horizon(): number {
    let horizon = Infinity;
    for (const partition of this.partitions.values()) if (partition.closed_until_ms < horizon) horizon = partition.closed_until_ms;
    return horizon === Infinity ? -Infinity : horizon;
  }

  private partition(name: string): PartitionState {
    let partition = this.partitions.get(name);
    if (partition === undefined) {
      partition = new PartitionState();
      this.partitions.set(name, partition);
    }
    return partition;
  }

  /** Closes the minutes that end at or before `watermark`; `suppress` drops their rows (rebuild). */
  private closeUpTo(partition: PartitionState, watermark: number, suppress: boolean, out: ClosedRow[], inserted_at: string): void {
    const boundary = Math.floor(watermark / MINUTE_MS) * MINUTE_MS;
    if (!(boundary > partition.closed_until_ms)) return;
    partition.closed_until_ms = boundary;
    for (const [minute, rows] of partition.minutes) {
      if (minute >= boundary) continue;
      partition.minutes.delete(minute);
      this.open_rows -= rows.size;
      if (suppress) {
        this.counter.discarded('already_emitted', rows.size);
        continue;
      }
      for (const row of rows.values()) out.push({ row: row.toRow(inserted_at), source_partition: row.source_partition, first_offset: row.first_offset });
    }
  }
}
