/**
 * Error catalogue of the ingest package: every code an upload can end with, its HTTP status and
 * whether the client should retry. Exported as data; a test checks the README lists every code.
 */
import { BotsieveError, catalogueError } from '@botsieve/core';

export interface IngestErrorInfo {
  readonly code: string;
  /** HTTP status of the response (WebSocket errors: the close code). */
  readonly status: number;
  readonly retryable: boolean;
  readonly description: string;
}

export const INGEST_ERRORS = {
  ERR_INGEST_UNAUTHORIZED: {
    code: 'ERR_INGEST_UNAUTHORIZED', status: 401, retryable: false,
    description: 'The auth header is missing or does not hold the configured token.',
  },
  ERR_INGEST_BODY_TOO_LARGE: {
    code: 'ERR_INGEST_BODY_TOO_LARGE', status: 413, retryable: false,
    description: 'The request body (as received, compressed) exceeds max_body_bytes, or a JSON-array body on /events exceeds max_array_bytes.',
  },
  ERR_INGEST_DECOMPRESSED_TOO_LARGE: {
    code: 'ERR_INGEST_DECOMPRESSED_TOO_LARGE', status: 413, retryable: false,
    description: 'The body inflates to more than max_decompressed_bytes (e.g. a gzip bomb); decompression stopped when the limit was crossed.',
  },
  ERR_INGEST_BAD_GZIP: {
    code: 'ERR_INGEST_BAD_GZIP', status: 400, retryable: false,
    description: 'The body is marked or recognised as gzip but does not decompress (corrupt or truncated).',
  },
  ERR_INGEST_UNSUPPORTED_ENCODING: {
    code: 'ERR_INGEST_UNSUPPORTED_ENCODING', status: 415, retryable: false,
    description: 'Content-Encoding is neither gzip nor identity.',
  },
  ERR_INGEST_BAD_REQUEST: {
    code: 'ERR_INGEST_BAD_REQUEST', status: 400, retryable: false,
    description: 'The body cannot be read as a whole, e.g. a JSON-array body on /events that is not valid JSON, or an invalid Content-Length. (Bad lines are dead-lettered, not errors.)',
  },
  ERR_INGEST_BUS_UNAVAILABLE: {
    code: 'ERR_INGEST_BUS_UNAVAILABLE', status: 503, retryable: true,
    description: "The bus refused events (producer not ready or its bounded queue full) or failed to confirm them; answered 503 with Retry-After.",
  },
  ERR_INGEST_ACK_TIMEOUT: {
    code: 'ERR_INGEST_ACK_TIMEOUT', status: 503, retryable: true,
    description: 'The bus did not confirm the upload within ack_timeout_ms; answered 503 with Retry-After (the events may arrive twice).',
  },
  ERR_INGEST_OVERLOADED: {
    code: 'ERR_INGEST_OVERLOADED', status: 503, retryable: true,
    description: 'The upload does not fit in max_inflight_bytes: its declared length (answered before the body is read) or, booked as they arrive, its next bytes; or a /stream socket already has stream.max_inflight_batches unanswered (nacked).',
  },
  ERR_INGEST_DRAINING: {
    code: 'ERR_INGEST_DRAINING', status: 503, retryable: true,
    description: 'The server is draining for shutdown: new uploads are refused, and an upload still unanswered when the drain deadline comes is answered 503 (its events may arrive twice).',
  },
  ERR_INGEST_ABORTED: {
    code: 'ERR_INGEST_ABORTED', status: 499, retryable: true,
    description: 'The client closed the connection before the upload was answered (nothing was acknowledged).',
  },
  ERR_INGEST_NOT_FOUND: {
    code: 'ERR_INGEST_NOT_FOUND', status: 404, retryable: false,
    description: 'No such route (routes: POST /logpush, POST /events, WS /stream, GET /healthz, /readyz; metrics are on the admin port).',
  },
  ERR_INGEST_STREAM_BAD_MESSAGE: {
    code: 'ERR_INGEST_STREAM_BAD_MESSAGE', status: 1007, retryable: false,
    description: 'A /stream message is not a JSON envelope {"seq": int, "events": [...]}; the socket is closed with 1007.',
  },
  ERR_INGEST_STREAM_BACKPRESSURE: {
    code: 'ERR_INGEST_STREAM_BACKPRESSURE', status: 1013, retryable: true,
    description: 'A /stream client does not read its acks (buffered bytes over stream.max_buffered_bytes) or keeps sending past its nacks; the socket is closed with 1013.',
  },
  ERR_INGEST_LISTEN: {
    code: 'ERR_INGEST_LISTEN', status: 0, retryable: false,
    description: 'The server could not listen on the configured host and port.',
  },
  ERR_INGEST_UPLOAD_STALLED: {
    code: 'ERR_INGEST_UPLOAD_STALLED', status: 408, retryable: true,
    description: 'No body bytes arrived for upload_idle_timeout_ms; the upload is answered 408 and its connection closed, releasing what it had booked.',
  },
  ERR_INGEST_BLANK_LINES: {
    code: 'ERR_INGEST_BLANK_LINES', status: 400, retryable: false,
    description: 'The body holds more than max_blank_lines blank lines beyond its non-blank ones (a newline bomb); refused as soon as the limit is crossed.',
  },
  ERR_INGEST_SERVER_UNAVAILABLE: {
    code: 'ERR_INGEST_SERVER_UNAVAILABLE', status: 0, retryable: false,
    description: 'ingest.http_server is "uwebsockets" but no uWebSockets.js build loads on this Node major and platform; use "auto" (falls back to node:http) or a supported Node.',
  },
  ERR_INGEST_NOTHING_USABLE: {
    code: 'ERR_INGEST_NOTHING_USABLE', status: 400, retryable: false,
    description: 'The upload held lines but none was a usable Logpush http_requests record (every line dead-lettered), e.g. a job with output_type csv or a record_template; answered 400 once its dead letters are on the bus, so the Logpush job shows the failure. (Records rejected only for their time stay 200.)',
  },
  ERR_INGEST_UNEXPECTED: {
    code: 'ERR_INGEST_UNEXPECTED', status: 500, retryable: true,
    description: 'A bug: an exception escaped an upload or /stream handler. The upload is answered 500 (the socket closed with 1011) and nothing is acknowledged.',
  },
} as const satisfies Record<string, IngestErrorInfo>;

export type IngestErrorCode = keyof typeof INGEST_ERRORS;

/** Makes the BotsieveError for a catalogue code (retryable taken from the catalogue). */
export function ingestError(code: IngestErrorCode, message: string, cause?: unknown): BotsieveError {
  return catalogueError(INGEST_ERRORS[code], message, { cause });
}

/** The catalogue entry of an error, ERR_INGEST_UNEXPECTED for anything not from the catalogue. */
export function ingestErrorInfo(error: unknown): IngestErrorInfo {
  const code = error instanceof BotsieveError ? error.code : undefined;
  if (code !== undefined && Object.hasOwn(INGEST_ERRORS, code)) return INGEST_ERRORS[code as IngestErrorCode];
  return INGEST_ERRORS.ERR_INGEST_UNEXPECTED;
}
