import { BotsieveError } from './errors.js';

/**
 * Sinks write verdicts (or other records) somewhere. They throw typed errors (BotsieveError with
 * `retryable`; a PartialWriteError when the target took part of a batch) and contain no retry
 * loops: the sink runtime owns batching, in-flight limits, retries and acknowledgements, and
 * commits offsets only after `writeBatch` resolved.
 * Delivery is at least once, so every write must be idempotent.
 */
export interface Sink<T> {
  readonly id: string;
  connect(): Promise<void>;
  /** Writes the batch; resolves only when it is safely stored. Must be idempotent. */
  writeBatch(items: readonly T[]): Promise<void>;
  healthcheck(): Promise<boolean>;
  /**
   * Periodic upkeep the runtime calls every `maintain_interval_ms` when the sink has it, never
   * concurrently with itself: expire items, reconcile drift, flush time-based batches. Throws
   * typed errors like `writeBatch`; the runtime logs them and calls again at the next interval.
   */
  maintain?(): Promise<void>;
  /** Finishes writes in flight and releases resources. */
  close(): Promise<void>;
}

/** The code of a PartialWriteError; catalogued with the sinks' codes (sinks/src/errors.ts). */
export const PARTIAL_WRITE_ERROR_CODE = 'ERR_SINK_PARTIAL';

export interface RejectedItem<T> {
  item: T;
  /** Short reason from a fixed set (`invalid`, `schema`, `too_large`, ...) for metrics and the dead letter. */
  reason: string;
  /** Human-readable detail from the target, for the dead letter. */
  detail?: string;
}

/**
 * Thrown by a sink whose target took part of a batch (BigQuery `insertAll` with row errors, a
 * Redis pipeline where some commands failed). The runtime retries only `retry` and dead-letters
 * `rejected`, so rows that were stored are never sent twice and one bad row never blocks the rest.
 * Retryable exactly when something is left to retry.
 */
export class PartialWriteError<T> extends BotsieveError {
  constructor(
    message: string,
    /** Items that failed for a reason that may pass later (5xx, timeouts, stopped rows). */
    readonly retry: readonly T[],
    /** Items the target refused as invalid: retrying cannot help. */
    readonly rejected: readonly RejectedItem<T>[],
    options: { retry_after_ms?: number; cause?: unknown } = {},
  ) {
    super(PARTIAL_WRITE_ERROR_CODE, message, { retryable: retry.length > 0, ...options });
    this.name = 'PartialWriteError';
  }
}

export function isPartialWriteError<T>(error: unknown): error is PartialWriteError<T> {
  return error instanceof PartialWriteError;
}
