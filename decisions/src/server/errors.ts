/**
 * Error catalogue of the decision service: every code a request can end with, its HTTP status
 * and whether the client should retry. The root README lists every code (generated; cli/src/docs.test.ts).
 */
import { BotsieveError, catalogueError } from '@botsieve/core';

export interface DecideErrorInfo {
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly description: string;
}

export const DECIDE_ERRORS = {
  ERR_DECIDE_UNAUTHORIZED: {
    code: 'ERR_DECIDE_UNAUTHORIZED', status: 401, retryable: false,
    description: 'The auth header is missing or does not hold the configured token (every /v1/* route).',
  },
  ERR_DECIDE_BAD_REQUEST: {
    code: 'ERR_DECIDE_BAD_REQUEST', status: 400, retryable: false,
    description: 'A client is not valid: ip missing or not an IP address, asn or bot_score not a number, verified not true/false; or the POST body is not a JSON array of objects; or a stream parameter is malformed. The message says which field.',
  },
  ERR_DECIDE_TOO_LARGE: {
    code: 'ERR_DECIDE_TOO_LARGE', status: 413, retryable: false,
    description: 'POST /v1/decisions holds more than max_batch clients or more than max_body_bytes.',
  },
  ERR_DECIDE_NOT_READY: {
    code: 'ERR_DECIDE_NOT_READY', status: 503, retryable: true,
    description: 'The replica is not rebuilt yet (start-up) or the service is draining; answered 503 with Retry-After.',
  },
  ERR_DECIDE_TOO_MANY_STREAMS: {
    code: 'ERR_DECIDE_TOO_MANY_STREAMS', status: 503, retryable: true,
    description: 'stream.max_clients stream clients are already served; answered 503 with Retry-After.',
  },
  ERR_DECIDE_STREAM_CUT: {
    code: 'ERR_DECIDE_STREAM_CUT', status: 0, retryable: true,
    description: 'A stream client did not read: more than stream.max_unsent_bytes were queued towards it, so its connection was closed (it reconnects with its resume token).',
  },
  ERR_DECIDE_NOT_FOUND: {
    code: 'ERR_DECIDE_NOT_FOUND', status: 404, retryable: false,
    description: 'No such route (GET /v1/decision, POST /v1/decisions, GET /v1/verdicts/stream, /healthz, /readyz).',
  },
  ERR_DECIDE_LISTEN: {
    code: 'ERR_DECIDE_LISTEN', status: 0, retryable: false,
    description: 'The decision service could not listen on the configured host and port.',
  },
  ERR_DECIDE_SERVER_UNAVAILABLE: {
    code: 'ERR_DECIDE_SERVER_UNAVAILABLE', status: 0, retryable: false,
    description: 'decide.http_server is "uwebsockets" but no uWebSockets.js build loads here; use "auto" or "node".',
  },
  ERR_DECIDE_UNEXPECTED: {
    code: 'ERR_DECIDE_UNEXPECTED', status: 500, retryable: true,
    description: 'A bug: an exception escaped a handler; answered 500.',
  },
} as const satisfies Record<string, DecideErrorInfo>;

export type DecideErrorCode = keyof typeof DECIDE_ERRORS;

export function decideError(code: DecideErrorCode, message: string, cause?: unknown): BotsieveError {
  return catalogueError(DECIDE_ERRORS[code], message, { cause });
}

/** The JSON body of an error answer. */
export function errorBody(code: DecideErrorCode, message: string): string {
  return JSON.stringify({ error: code, message });
}
