/**
 * What every upload and stream socket of one server shares, built once at construction.
 */
import type { BusProducer, Logger } from '@botsieve/core';
import type { IngestConfig } from '../config.js';
import type { IngestErrorInfo } from '../errors.js';
import type { IngestMetrics } from '../metrics.js';
import type { PublishSettings } from './publisher.js';
import type { Exchange } from '@botsieve/runtime';

/** An upload the server may have to cut: stalled, or still unanswered at the drain deadline. */
export interface LiveUpload {
  /** Cut it now if no body bytes arrived since `before_ms` (performance.now() time). */
  cutIfStalled(before_ms: number): void;
  /** Answer it now, 503 draining, unless it is answered already. */
  cutForDrain(): void;
}

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
  /** Uploads not yet answered. */
  readonly uploads: Set<LiveUpload>;
  /** Wall clock (ms): dead letters' received_at_ms and the accepted event-time window. */
  now(): number;
  isDraining(): boolean;
  /** Work started / finished (uploads, stream batches): drain waits for the count to reach 0. */
  workStarted(): void;
  workFinished(): void;
}

/**
 * Bounds the request bytes of all uploads not yet answered. Bytes are booked as they arrive, never
 * from a declared Content-Length: a connection that announces 256 MiB and sends three bytes holds
 * three bytes. A declared length is still checked against what is booked now (`fits`), so an
 * upload that cannot fit is refused before its body is read.
 */
export class Admission {
  private inflight = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly metrics: IngestMetrics,
  ) {}

  get bytes(): number {
    return this.inflight;
  }

  /** Whether `bytes` more would fit now (nothing is booked). */
  fits(bytes: number): boolean {
    return this.inflight + bytes <= this.maxBytes;
  }

  /** Books `bytes` that arrived; false (nothing booked) when they do not fit. */
  tryBook(bytes: number): boolean {
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

/** Writes a whole JSON response. `close` ends the connection too: needed whenever the request body was not read to its end. */
export function respondJson(exchange: Exchange, status: number, body: string, retryAfter: string | null, close: boolean): void {
  exchange.respond(status, body, { contentType: 'application/json', retryAfter, close });
}

export function errorBody(info: IngestErrorInfo, message: string): string {
  return JSON.stringify({ error: info.code, message });
}
