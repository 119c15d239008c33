/** Error catalogue of the sinks package. */
import { catalogueError, PARTIAL_WRITE_ERROR_CODE, type BotsieveError, type BotsieveErrorOptions } from '@botsieve/core';

export const SINK_ERRORS = {
  ERR_SINK_CONNECT: { code: 'ERR_SINK_CONNECT', retryable: true, description: 'The sink could not reach or open its target.' },
  ERR_SINK_WRITE: { code: 'ERR_SINK_WRITE', retryable: true, description: 'A batch could not be written; it is retried and its offsets stay uncommitted.' },
  ERR_SINK_CLOSED: { code: 'ERR_SINK_CLOSED', retryable: false, description: 'A write reached a sink that is not connected or already closed.' },
  ERR_SINK_DECODE: { code: 'ERR_SINK_DECODE', retryable: false, description: 'A record on the topic could not be decoded; it is counted and dead-lettered.' },
  ERR_SINK_PARTIAL: { code: PARTIAL_WRITE_ERROR_CODE, retryable: true, description: 'Part of a batch failed: only the failed items are retried; items the target rejected as invalid are dead-lettered.' },
  ERR_SINK_RATE_LIMITED: { code: 'ERR_SINK_RATE_LIMITED', retryable: true, description: 'The target answered 429 (or our own budget for it is spent); retried after its `retry-after`.' },
  ERR_SINK_UNAVAILABLE: { code: 'ERR_SINK_UNAVAILABLE', retryable: true, description: 'The target failed (5xx, timeout, connection refused); retried with back-off.' },
  ERR_SINK_REJECTED: { code: 'ERR_SINK_REJECTED', retryable: false, description: 'The target refused items as invalid (4xx other than 429); they are dead-lettered.' },
  ERR_SINK_SCHEMA: { code: 'ERR_SINK_SCHEMA', retryable: false, description: 'A row does not match its table schema; it is dead-lettered before sending.' },
  ERR_SINK_OPERATION_FAILED: { code: 'ERR_SINK_OPERATION_FAILED', retryable: true, description: 'An asynchronous bulk operation (Cloudflare lists) ended `failed`; the next pass re-diffs and repairs.' },
  ERR_SINK_CONFIG: { code: 'ERR_SINK_CONFIG', retryable: false, description: 'A sink is misconfigured (missing credentials, unknown list, bad endpoint).' },
  ERR_SINK_NOT_FOUND: { code: 'ERR_SINK_NOT_FOUND', retryable: true, description: 'An object the sink had found went missing while it ran (a Cloudflare list or ruleset deleted: 404); the next pass finds the lists again, creating them with create_missing_lists, or fails with ERR_SINK_CONFIG.' },
  ERR_SINK_LEASE_LOST: { code: 'ERR_SINK_LEASE_LOST', retryable: true, description: 'The Cloudflare writer lease lapsed or passed to another process before a bulk operation: nothing was sent, this process goes on in standby (dry-run) and the batch is retried there.' },
  ERR_SINK_SNAPSHOT: { code: 'ERR_SINK_SNAPSHOT', retryable: true, description: 'The verdict-store snapshot could not be written or read; the store keeps running.' },
} as const;

export type SinkErrorCode = keyof typeof SINK_ERRORS;

/** A BotsieveError with a code of this catalogue and that code's `retryable`. */
export function sinkError(code: SinkErrorCode, message: string, options: Omit<BotsieveErrorOptions, 'retryable'> = {}): BotsieveError {
  return catalogueError(SINK_ERRORS[code], message, options);
}
