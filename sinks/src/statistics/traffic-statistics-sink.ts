/**
 * Request events → `traffic_1m` rows through a RowWriter (BigQuery or local files).
 *
 * `writeBatch` absorbs the items into the TrafficAggregator, then stores the rows of the minutes
 * that closed. Closed rows wait in `pending` until stored, and `writeBatch` resolves only when
 * nothing is pending: the consumer commits a batch's offsets only after every row it closed is
 * safe. On failure it throws; the runtime redelivers the batch, whose items are skipped by the
 * offset rule (nothing is counted twice) while the pending rows are sent again. Only rows that
 * failed are re-sent (a partial insert keeps the stored rows out of `pending`), and a re-sent
 * row repeats its row_id, so readers keep one.
 *
 * Sends are serialised (one at a time, each taking everything pending), so concurrent batches of
 * several partitions, `maintain()` and `close()` never send a row twice at once.
 *
 * Open minutes live in memory only; their records are committed. After a restart the runtime
 * re-reads from `rebuildOffsets()` (records flagged `rebuild`) to refill them.
 */
import { isBotsieveError, isPartialWriteError, type Sink, type Verdict } from '@botsieve/core';
import { SINK_ERRORS, sinkError } from '../errors.js';
import type { RowWriter, TableRow } from './row-writer.js';
import { tableValidator, type RowValidator } from './schema.js';
import { StatisticsSink, type StatisticsSinkDependencies } from './statistics-sink.js';
import { TrafficAggregator, type ClosedRow, type TrafficAggregatorOptions, type TrafficItem } from './traffic-aggregator.js';

interface PendingRow {
  row: TableRow;
  source_partition: string;
  first_offset: number;
}

export class TrafficStatisticsSink extends StatisticsSink<TrafficItem> {
  private readonly aggregator: TrafficAggregator;
  private pending: PendingRow[] = [];
  /** Tail of the send chain: each send starts after the previous one settled. */
  private tail: Promise<void> = Promise.resolve();

  constructor(id: string, options: TrafficAggregatorOptions, writer: RowWriter, deps: StatisticsSinkDependencies, validate?: RowValidator) {
    super(id, 'traffic', writer, deps, validate ?? tableValidator('traffic_1m'));
    this.aggregator = new TrafficAggregator(options, deps.telemetry.metrics);
  }

  async writeBatch(items: readonly TrafficItem[]): Promise<void> {
    this.assertOpen();
    this.enqueue(this.aggregator.absorb(items, this.deps.clock.now()));
    await this.store();
  }

  /** Closes quiet minutes by the wall clock, re-sends rows a failed write left pending, reports gauges. */
  async maintain(): Promise<void> {
    if (!this.open) return;
    this.enqueue(this.aggregator.advance(this.deps.clock.now()));
    const { metrics } = this.deps.telemetry;
    metrics.gauge('botsieve_statistics_open_rows', this.aggregator.openRows());
    metrics.gauge('botsieve_statistics_pending_rows', this.pending.length);
    metrics.gauge('botsieve_statistics_verdict_subjects', this.aggregator.verdictSubjects());
    await this.store();
  }

  /** Emits every open minute, waits until it is stored (or the write failed), closes the writer. */
  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.enqueue(this.aggregator.flush(this.deps.clock.now()));
    try {
      await this.store();
    } finally {
      if (this.pending.length > 0) this.deps.telemetry.log.error({ rows: this.pending.length }, 'traffic rows not stored at close; they are rebuilt from the source after restart');
      await this.writer.close();
    }
  }

  /**
   * A sink to subscribe to the verdicts topic: it feeds the aggregator the verdicts that decide
   * which requests count as blocked, challenged or logged. Verdicts are idempotent there.
   */
  verdictFeed(): Sink<Verdict> {
    const aggregator = this.aggregator;
    return {
      id: `${this.id}-verdict-feed`,
      async connect() {},
      async writeBatch(verdicts) {
        aggregator.observeVerdicts(verdicts);
      },
      async healthcheck() {
        return true;
      },
      async close() {},
    };
  }

  /**
   * Per source partition, the lowest offset whose effect is not stored yet (open or pending
   * rows): re-reading from there with `rebuild: true` after a restart loses nothing.
   */
  rebuildOffsets(): Map<string, number> {
    const offsets = this.aggregator.openOffsets();
    for (const pending of this.pending) {
      const known = offsets.get(pending.source_partition);
      if (known === undefined || pending.first_offset < known) offsets.set(pending.source_partition, pending.first_offset);
    }
    return offsets;
  }

  /** Forgets partitions moved to another consumer (their new owner rebuilds and emits them). */
  revoke(source_partitions: readonly string[]): void {
    this.aggregator.revoke(source_partitions);
  }

  /** Validates closed rows into `pending`; a row failing the schema is a bug here, logged and counted. */
  private enqueue(closed: readonly ClosedRow[]): void {
    for (const { row, source_partition, first_offset } of closed) {
      const error = this.validate(row);
      if (error !== undefined) {
        this.deps.telemetry.metrics.discarded('schema');
        this.deps.telemetry.log.error({ error, code: SINK_ERRORS.ERR_SINK_SCHEMA.code }, 'traffic row does not match the table schema');
        continue;
      }
      this.pending.push({ row: { insertId: row.row_id, json: row as unknown as Record<string, unknown> }, source_partition, first_offset });
    }
  }

  private store(): Promise<void> {
    const run = this.tail.then(() => this.sendPending());
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async sendPending(): Promise<void> {
    if (this.pending.length === 0) return;
    const sending = this.pending;
    this.pending = [];
    try {
      await this.writer.write(sending.map((pending) => pending.row));
    } catch (error) {
      const { metrics, log } = this.deps.telemetry;
      if (isPartialWriteError<TableRow>(error)) {
        const retry = new Set(error.retry);
        this.pending = sending.filter((pending) => retry.has(pending.row)).concat(this.pending);
        if (error.rejected.length > 0) {
          metrics.discarded('rejected', error.rejected.length);
          log.error({ rows: error.rejected.length, reason: error.rejected[0]?.reason, detail: error.rejected[0]?.detail }, 'traffic rows refused by the target');
        }
        if (retry.size === 0) return;
        throw sinkError('ERR_SINK_WRITE', `${this.id}: ${retry.size} traffic rows not stored`, { cause: error, ...(error.retry_after_ms === undefined ? {} : { retry_after_ms: error.retry_after_ms }) });
      }
      if (isBotsieveError(error) && !error.retryable) {
        // Retrying cannot store these rows; holding them would fail every later batch too.
        metrics.discarded(error.code, sending.length);
        log.error({ err: error, rows: sending.length }, 'traffic rows refused by the target');
        return;
      }
      this.pending = sending.concat(this.pending);
      throw error;
    }
  }
}
