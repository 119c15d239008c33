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
  /** Finishes writes in flight and releases resources. */
  close(): Promise<void>;
}
