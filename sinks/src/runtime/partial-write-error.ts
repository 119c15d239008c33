/**
 * Thrown by a sink whose target took part of a batch (BigQuery `insertAll` with row errors, a
 * Redis pipeline where some commands failed). The runtime retries only `retry` and dead-letters
 * `rejected`, so rows that were stored are never sent twice and one bad row never blocks the rest.
 */
import { BotsieveError } from '@botsieve/core';
import { SINK_ERRORS } from '../errors.js';

export interface RejectedItem<T> {
  item: T;
  /** Short reason from a fixed set (`invalid`, `schema`, `too_large`, ...) for metrics and the dead letter. */
  reason: string;
  /** Human-readable detail from the target, for the dead letter. */
  detail?: string;
}

export class PartialWriteError<T> extends BotsieveError {
  constructor(
    message: string,
    /** Items that failed for a reason that may pass later (5xx, timeouts, stopped rows). */
    readonly retry: readonly T[],
    /** Items the target refused as invalid: retrying cannot help. */
    readonly rejected: readonly RejectedItem<T>[],
    options: { retry_after_ms?: number; cause?: unknown } = {},
  ) {
    super(SINK_ERRORS.ERR_SINK_PARTIAL.code, message, { retryable: retry.length > 0, ...options });
    this.name = 'PartialWriteError';
  }
}

export function isPartialWriteError<T>(error: unknown): error is PartialWriteError<T> {
  return error instanceof PartialWriteError;
}
