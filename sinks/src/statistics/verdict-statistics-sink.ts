/**
 * Verdicts → `verdicts` rows through a RowWriter (BigQuery or local files).
 *
 * Every row is checked against the table schema before it is sent: a row that does not match is
 * never sent, and comes back in `PartialWriteError.rejected` (reason `schema`, detail = the field
 * path) while the valid rows of the batch are stored. Rows the target refused or could not take
 * are mapped back to their verdicts, so the runtime retries only those and dead-letters the
 * refused ones. The insertId is the verdict id: a verdict written twice is one row to readers.
 */
import { BotsieveError, isPartialWriteError, PartialWriteError, type RejectedItem, type Verdict } from '@botsieve/core';
import { SINK_ERRORS } from '../errors.js';
import type { RowWriter, TableRow } from './row-writer.js';
import { tableValidator, type RowValidator } from './schema.js';
import { StatisticsSink, type StatisticsSinkDependencies } from './statistics-sink.js';
import { verdictRow } from './verdict-row.js';

export type { StatisticsSinkDependencies };

export class VerdictStatisticsSink extends StatisticsSink<Verdict> {
  /** Writes in flight: close() lets them finish before closing the writer. */
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    id: string,
    private readonly region: string,
    writer: RowWriter,
    deps: StatisticsSinkDependencies,
    validate?: RowValidator,
  ) {
    super(id, 'verdict', writer, deps, validate ?? tableValidator('verdicts'));
  }

  async writeBatch(verdicts: readonly Verdict[]): Promise<void> {
    this.assertOpen();
    const write = this.write(verdicts);
    this.inflight.add(write);
    try {
      await write;
    } finally {
      this.inflight.delete(write);
    }
  }

  private async write(verdicts: readonly Verdict[]): Promise<void> {
    const now = this.deps.clock.now();
    const rows: TableRow[] = [];
    /** insertId → the verdicts behind it (a verdict redelivered within one batch is sent once). */
    const byId = new Map<string, Verdict[]>();
    const rejected: RejectedItem<Verdict>[] = [];
    for (const verdict of verdicts) {
      const row = verdictRow(verdict, this.region, now);
      const error = this.validate(row);
      if (error !== undefined) {
        rejected.push({ item: verdict, reason: 'schema', detail: error });
        continue;
      }
      const same = byId.get(row.verdict_id);
      if (same !== undefined) {
        same.push(verdict);
        continue;
      }
      byId.set(row.verdict_id, [verdict]);
      rows.push({ insertId: row.verdict_id, json: row as unknown as Record<string, unknown> });
    }
    if (rejected.length > 0) this.deps.telemetry.log.warn({ count: rejected.length, first: rejected[0]?.detail, code: SINK_ERRORS.ERR_SINK_SCHEMA.code }, 'verdict rows do not match the table schema');
    try {
      if (rows.length > 0) await this.writer.write(rows);
    } catch (error) {
      if (isPartialWriteError<TableRow>(error)) {
        const retry = error.retry.flatMap((row) => byId.get(row.insertId) ?? []);
        for (const failed of error.rejected) for (const item of byId.get(failed.item.insertId) ?? []) rejected.push({ item, reason: failed.reason, ...(failed.detail === undefined ? {} : { detail: failed.detail }) });
        throw new PartialWriteError<Verdict>(`${this.id}: ${retry.length} verdict rows to retry, ${rejected.length} rejected`, retry, rejected, { cause: error, ...(error.retry_after_ms === undefined ? {} : { retry_after_ms: error.retry_after_ms }) });
      }
      if (rejected.length === 0) throw error;
      // Nothing stored: the valid rows are all retried (when the error allows), the invalid ones dead-lettered now.
      const retryable = error instanceof BotsieveError ? error.retryable : true;
      const valid = rows.flatMap((row) => byId.get(row.insertId) ?? []);
      if (!retryable) for (const item of valid) rejected.push({ item, reason: error instanceof BotsieveError ? error.code : 'error' });
      throw new PartialWriteError<Verdict>(`${this.id}: write failed`, retryable ? valid : [], rejected, { cause: error, ...(error instanceof BotsieveError && error.retry_after_ms !== undefined ? { retry_after_ms: error.retry_after_ms } : {}) });
    }
    if (rejected.length > 0) throw new PartialWriteError<Verdict>(`${this.id}: ${rejected.length} verdict rows do not match the table schema`, [], rejected);
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await Promise.allSettled([...this.inflight]);
    await this.writer.close();
  }
}
