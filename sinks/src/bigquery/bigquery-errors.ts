/**
 * BigQuery client errors → the sink error catalogue.
 *
 * - 429, or reason `rateLimitExceeded` / `quotaExceeded` (BigQuery sends streaming quota errors as
 *   403 with these reasons) → ERR_SINK_RATE_LIMITED, retryable, honouring `retry-after`.
 * - 5xx, 408, and errors without an HTTP status (connection refused or reset, timeout) →
 *   ERR_SINK_UNAVAILABLE, retryable.
 * - 401, 403, 404 (bad credentials, missing permission, no such dataset/table) → ERR_SINK_CONFIG.
 * - other 4xx (malformed request, payload too large) → ERR_SINK_REJECTED.
 */
import type { BotsieveError } from '@botsieve/core';
import { parseRetryAfter } from '@botsieve/runtime';
import { sinkError } from '../errors.js';

/** Row-level reasons that retrying cannot fix: the row is dead-lettered. Any other reason is retried. */
export const REJECTED_ROW_REASONS: ReadonlySet<string> = new Set(['invalid', 'invalidQuery', 'notFound', 'accessDenied']);

const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'quotaExceeded']);

interface ClientError {
  code?: unknown;
  errors?: { reason?: string }[];
  response?: { headers?: Record<string, unknown> | { get?(name: string): unknown } };
  message?: string;
}

/** `now_ms`: the wall clock, from which a `retry-after` HTTP date is counted. */
export function classifyBigQueryError(cause: unknown, what: string, now_ms: number): BotsieveError {
  const error = (typeof cause === 'object' && cause !== null ? cause : {}) as ClientError;
  const status = typeof error.code === 'number' ? error.code : undefined;
  const reasons = Array.isArray(error.errors) ? error.errors.map((detail) => detail?.reason) : [];
  const message = `${what}: ${status === undefined ? '' : `HTTP ${status} `}${error.message ?? String(cause)}`;
  if (status === 429 || reasons.some((reason) => reason !== undefined && RATE_LIMIT_REASONS.has(reason))) {
    const retry_after_ms = parseRetryAfter(retryAfterHeader(error), now_ms);
    return sinkError('ERR_SINK_RATE_LIMITED', message, { cause, ...(retry_after_ms === undefined ? {} : { retry_after_ms }) });
  }
  if (status === undefined || status >= 500 || status === 408) return sinkError('ERR_SINK_UNAVAILABLE', message, { cause });
  if (status === 401 || status === 403 || status === 404) return sinkError('ERR_SINK_CONFIG', message, { cause });
  return sinkError('ERR_SINK_REJECTED', message, { cause });
}

/** The raw `retry-after` header of a client error (a fetch `Headers` or a plain record); undefined when absent. */
function retryAfterHeader(error: ClientError): string | undefined {
  const headers = error.response?.headers;
  if (headers === undefined) return undefined;
  const raw = typeof (headers as { get?: unknown }).get === 'function' ? (headers as { get(name: string): unknown }).get('retry-after') : (headers as Record<string, unknown>)['retry-after'];
  return typeof raw === 'string' ? raw : undefined;
}
