/**
 * Streaming inserts into one BigQuery table (`tabledata.insertAll`) with our own insertIds.
 *
 * Rows go as `{ insertId, json }` with `raw: true`: without it the client makes a new random
 * insertId at every call and BigQuery's de-duplication of a retried row is lost. The client's
 * own retries are off (`retryOptions.autoRetry: false` for HTTP, `partialRetries: 0` for row
 * errors): the sink runtime owns retries and back-off.
 *
 * Requests are cut at `max_rows_per_request` rows and `max_request_bytes` of JSON and sent one
 * after the other. Row errors (`insertErrors`) split a request: rows whose reason cannot pass
 * later (`invalid`, ...) are rejected, the others (`stopped`: not inserted because another row
 * of the request was invalid; `timeout`, `backendError`, ...) are retried, and rows with no
 * error were stored. A whole-request failure is mapped to a typed error (see bigquery-errors).
 */
import type { BigQuery, Table } from '@google-cloud/bigquery';
import type { ComponentTelemetry } from '@botsieve/runtime';
import { BotsieveError, PartialWriteError, type Clock, type RejectedItem } from '@botsieve/core';
import { SINK_ERRORS } from '../errors.js';
import type { RowWriter, TableRow } from '../statistics/row-writer.js';
import { REJECTED_ROW_REASONS, classifyBigQueryError } from './bigquery-errors.js';

export interface BigQueryTableWriterOptions {
  dataset: string;
  table: string;
  max_rows_per_request: number;
  max_request_bytes: number;
  /**
   * Bound on one request. The client's own timeout is an idle timeout (teeny-request 11 restarts
   * it at every chunk) and an insert cannot be aborted, so the request is abandoned, not
   * cancelled: if it completes later, the retry repeats its insertIds and readers keep one row per id.
   */
  timeout_ms: number;
}

/** JSON envelope of a request besides the rows: `{"rows":[...]}` plus separators. */
const REQUEST_OVERHEAD_BYTES = 64;

interface RowError {
  row?: TableRow;
  errors?: { reason?: string; message?: string }[];
}

export class BigQueryTableWriter implements RowWriter {
  readonly table: string;
  private readonly target: Table;

  constructor(
    client: BigQuery,
    private readonly options: BigQueryTableWriterOptions,
    private readonly telemetry: ComponentTelemetry,
    /** Wall clock: a `retry-after` given as an HTTP date counts from it. */
    private readonly clock: Clock,
  ) {
    this.table = `${options.dataset}.${options.table}`;
    this.target = client.dataset(options.dataset).table(options.table);
  }

  /**
   * Checks the table exists. A missing table or a refused permission fails (not retryable:
   * misconfigured); an unreachable API only warns, since writes are retried anyway.
   */
  async connect(): Promise<void> {
    try {
      await withTimeout(this.target.getMetadata(), this.options.timeout_ms, this.table);
    } catch (cause) {
      const error = classifyBigQueryError(cause, `cannot read table ${this.table}`, this.clock.now());
      if (!error.retryable) throw new BotsieveError(SINK_ERRORS.ERR_SINK_CONFIG.code, error.message, { cause });
      this.telemetry.log.warn({ err: cause, table: this.table }, 'BigQuery not reachable at start; writes will retry');
    }
  }

  async write(rows: readonly TableRow[]): Promise<void> {
    const retry: TableRow[] = [];
    const rejected: RejectedItem<TableRow>[] = [];
    let stored = 0;
    let failure: BotsieveError | undefined;
    for (const chunk of this.chunks(rows, rejected)) {
      if (failure !== undefined && failure.retryable) {
        // The API is failing: do not send the rest now, retry it with the failed chunk.
        retry.push(...chunk);
        continue;
      }
      try {
        await this.insert(chunk);
        stored += chunk.length;
      } catch (cause) {
        if (isPartialFailure(cause)) {
          stored += chunk.length - this.splitRowErrors(cause.errors, retry, rejected);
          continue;
        }
        failure = classifyBigQueryError(cause, `insertAll into ${this.table} failed`, this.clock.now());
        if (failure.retryable) retry.push(...chunk);
        else for (const row of chunk) rejected.push({ item: row, reason: failure.code, detail: failure.message });
      }
    }
    if (retry.length === 0 && rejected.length === 0) return;
    // Nothing stored and one whole-request error: throw it as is, so its code and retry_after_ms reach the runtime.
    if (stored === 0 && failure !== undefined && (failure.retryable ? retry.length === rows.length : rejected.length === rows.length)) throw failure;
    throw new PartialWriteError<TableRow>(`insertAll into ${this.table}: ${stored} rows stored, ${retry.length} to retry, ${rejected.length} rejected`, retry, rejected, {
      cause: failure,
      ...(failure?.retry_after_ms === undefined ? {} : { retry_after_ms: failure.retry_after_ms }),
    });
  }

  async healthcheck(): Promise<boolean> {
    try {
      await withTimeout(this.target.getMetadata(), this.options.timeout_ms, this.table);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {}

  private async insert(chunk: TableRow[]): Promise<void> {
    await withTimeout(this.target.insert(chunk, { raw: true, partialRetries: 0 }), this.options.timeout_ms, this.table);
  }

  /** Cuts rows into requests; a row too large for any request is rejected (`too_large`). */
  private *chunks(rows: readonly TableRow[], rejected: RejectedItem<TableRow>[]): Generator<TableRow[]> {
    const { max_rows_per_request, max_request_bytes } = this.options;
    let chunk: TableRow[] = [];
    let bytes = REQUEST_OVERHEAD_BYTES;
    for (const row of rows) {
      const size = Buffer.byteLength(JSON.stringify(row)) + 1;
      if (size + REQUEST_OVERHEAD_BYTES > max_request_bytes) {
        rejected.push({ item: row, reason: 'too_large', detail: `row of ${size} bytes exceeds max_request_bytes ${max_request_bytes}` });
        continue;
      }
      if (chunk.length >= max_rows_per_request || bytes + size > max_request_bytes) {
        yield chunk;
        chunk = [];
        bytes = REQUEST_OVERHEAD_BYTES;
      }
      chunk.push(row);
      bytes += size;
    }
    if (chunk.length > 0) yield chunk;
  }

  /** Sorts the rows of a partial failure into retry or rejected; returns how many failed. */
  private splitRowErrors(errors: readonly RowError[], retry: TableRow[], rejected: RejectedItem<TableRow>[]): number {
    let failed = 0;
    for (const error of errors) {
      if (error.row === undefined) continue;
      failed += 1;
      const reasons = (error.errors ?? []).map((detail) => detail.reason ?? 'unknown');
      const refused = reasons.find((reason) => REJECTED_ROW_REASONS.has(reason));
      if (refused === undefined) retry.push(error.row);
      else rejected.push({ item: error.row, reason: refused, detail: (error.errors ?? []).map((detail) => detail.message ?? '').join('; ') });
    }
    return failed;
  }
}

/** Rejects with a status-less error (mapped to ERR_SINK_UNAVAILABLE) when `promise` takes longer than `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number, table: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`request to ${table} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
    // The abandoned request may still fail later; nobody waits for it any more.
    promise.catch(() => undefined);
  }
}

function isPartialFailure(error: unknown): error is { errors: RowError[] } {
  return error instanceof Error && error.name === 'PartialFailureError' && Array.isArray((error as { errors?: unknown }).errors);
}
