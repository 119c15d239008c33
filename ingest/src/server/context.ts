/**
 * What every upload and stream socket of one server shares, built once at construction.
 */
import type { BusProducer, Logger } from '@botsieve/core';
import uWS from 'uWebSockets.js';
import type { IngestConfig } from '../config.js';
import type { IngestErrorInfo } from '../errors.js';
import type { IngestMetrics } from '../metrics.js';
import type { PublishSettings } from './publisher.js';

export interface IngestContext {
  readonly config: IngestConfig;
  readonly producer: BusProducer;
  readonly publish: PublishSettings;
  readonly metrics: IngestMetrics;
  readonly log: Logger;
  readonly admission: Admission;
  /** Retry-After header value, and the same in ms for /stream nacks. */
  readonly retryAfter: string;
  readonly retryAfterMs: number;
  /** Wall clock (ms); dead letters' received_at_ms. */
  now(): number;
  isDraining(): boolean;
  /** Work started / finished (uploads, stream batches): drain waits for the count to reach 0. */
  workStarted(): void;
  workFinished(): void;
}

/** Bounds the request bytes of all uploads not yet answered. */
export class Admission {
  private inflight = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly metrics: IngestMetrics,
  ) {}

  get bytes(): number {
    return this.inflight;
  }

  tryReserve(bytes: number): boolean {
    if (bytes === 0) return true;
    if (this.inflight + bytes > this.maxBytes) return false;
    this.inflight += bytes;
    this.metrics.inflightChanged(bytes);
    return true;
  }

  release(bytes: number): void {
    if (bytes === 0) return;
    this.inflight -= bytes;
    this.metrics.inflightChanged(-bytes);
  }
}

const STATUS_LINES: Readonly<Record<number, string>> = {
  200: '200 OK',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  404: '404 Not Found',
  413: '413 Payload Too Large',
  415: '415 Unsupported Media Type',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

/**
 * Writes a whole JSON response, corked (required after an await, harmless before). `close` ends
 * the connection too: needed whenever the request body was not read to its end.
 */
export function sendJson(res: uWS.HttpResponse, status: number, body: string, retryAfter: string | null, close: boolean): void {
  res.cork(() => {
    res.writeStatus(STATUS_LINES[status] ?? `${status} Error`);
    res.writeHeader('content-type', 'application/json');
    if (retryAfter !== null) res.writeHeader('retry-after', retryAfter);
    res.end(body, close);
  });
}

export function errorBody(info: IngestErrorInfo, message: string): string {
  return JSON.stringify({ error: info.code, message });
}
