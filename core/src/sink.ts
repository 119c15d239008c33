/**
 * Sinks write verdicts (or other records) somewhere. They throw typed errors (BotsieveError with
 * `retryable`) and contain no retry loops: the sink runtime owns batching, in-flight limits,
 * retries and acknowledgements, and commits offsets only after `writeBatch` resolved.
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
