/**
 * Ships request metadata to ingest's `POST /events` in NDJSON batches, per isolate, without
 * adding latency to any request: every send runs inside `ctx.waitUntil` of the request that
 * triggered it.
 *
 * A batch goes out when it holds `batch_max_records`, or `batch_max_wait_ms` after its first record
 * (a timer inside that request's waitUntil: one timer per batch, not per request). The buffer is
 * bounded by `buffer_max_records`; a record arriving when it is full is dropped and counted. A
 * batch that fails retryably (network error, timeout, 429, 5xx) goes back to the front of the buffer
 * while there is room (else it is dropped and counted); one refused otherwise (400, 401, 413) is
 * dropped and counted at once, since sending it again would be refused again.
 *
 * Per-isolate state is best effort by nature: an isolate evicted with records buffered loses them,
 * uncounted, and so does a send cut by the end of its request's waitUntil (bounded to fit in it).
 * Ingest acknowledges only once the bus holds an upload, so a 200 means the events are safe.
 */
import type { LogpushRecord } from './record.js';

export interface ShipperOptions {
  url: string;
  header: string;
  token: string | null;
  batch_max_records: number;
  batch_max_wait_ms: number;
  buffer_max_records: number;
  /** Batches in flight at once; past it records wait in the buffer. */
  max_inflight?: number;
  /** Batches one timer may send (each is a subrequest; the free plan allows 50 per invocation). */
  max_batches_per_flush?: number;
  timeout_ms?: number;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string) => void;
}

export interface ShipperStats {
  buffered: number;
  inflight: number;
  /** Records ingest acknowledged. */
  shipped: number;
  /** Records dropped: buffer full, or a batch refused or not re-queued. */
  dropped: number;
  /** Batches that failed (each retried or dropped). */
  failed_batches: number;
}

export type WaitUntil = (promise: Promise<unknown>) => void;

/** A timer whose request ended before it fired is presumed lost after this long past its due time. */
const LOST_TIMER_GRACE_MS = 5_000;

export class EventShipper {
  private readonly options: Required<Omit<ShipperOptions, 'token'>> & { token: string | null };
  private buffer: string[] = [];
  private inflight = 0;
  private timerDueAt = 0;
  private shipped = 0;
  private dropped = 0;
  private failedBatches = 0;

  constructor(options: ShipperOptions) {
    this.options = {
      max_inflight: 2,
      max_batches_per_flush: 4,
      // With max_batches_per_flush and BATCH_MAX_WAIT_MS ≤ 10 s, a timer's work ends within waitUntil's 30 s.
      timeout_ms: 4_000,
      fetch: (input, init) => fetch(input, init),
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      log: (message) => console.error(message),
      ...options,
    };
  }

  /** Buffers one record; schedules the sends it makes due through `waitUntil`. */
  add(record: LogpushRecord, waitUntil: WaitUntil): void {
    const { buffer_max_records, batch_max_records, batch_max_wait_ms } = this.options;
    if (this.buffer.length >= buffer_max_records) {
      this.dropped += 1;
      return;
    }
    this.buffer.push(JSON.stringify(record));
    const now = this.options.now();
    if (this.timerDueAt === 0 || now > this.timerDueAt + LOST_TIMER_GRACE_MS) {
      this.timerDueAt = now + batch_max_wait_ms;
      waitUntil(this.flushAfter(batch_max_wait_ms));
    }
    if (this.buffer.length >= batch_max_records && this.inflight < this.options.max_inflight) waitUntil(this.sendOne());
  }

  stats(): ShipperStats {
    return { buffered: this.buffer.length, inflight: this.inflight, shipped: this.shipped, dropped: this.dropped, failed_batches: this.failedBatches };
  }

  private async flushAfter(ms: number): Promise<void> {
    await this.options.sleep(ms);
    this.timerDueAt = 0;
    for (let sent = 0; sent < this.options.max_batches_per_flush && this.buffer.length > 0 && this.inflight < this.options.max_inflight; sent++) {
      await this.sendOne();
    }
  }

  private async sendOne(): Promise<void> {
    const lines = this.buffer.splice(0, this.options.batch_max_records);
    if (lines.length === 0) return;
    this.inflight += 1;
    let retryable = true;
    let problem = '';
    try {
      const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
      if (this.options.token !== null) headers[this.options.header] = this.options.token;
      const response = await this.options.fetch(this.options.url, { method: 'POST', headers, body: `${lines.join('\n')}\n`, signal: AbortSignal.timeout(this.options.timeout_ms) });
      // Read the (small) answer whole: an unread body holds the connection.
      const text = await response.text();
      if (response.ok) {
        this.shipped += lines.length;
        return;
      }
      retryable = response.status === 429 || response.status >= 500;
      problem = `HTTP ${response.status} ${text.slice(0, 200)}`;
    } catch (error) {
      problem = (error as Error).message;
    } finally {
      this.inflight -= 1;
    }
    this.failedBatches += 1;
    if (retryable && this.buffer.length + lines.length <= this.options.buffer_max_records) {
      this.buffer.unshift(...lines);
      this.options.log(`botsieve edge: ingest batch of ${lines.length} failed (${problem}); kept for the next send`);
    } else {
      this.dropped += lines.length;
      this.options.log(`botsieve edge: ingest batch of ${lines.length} dropped (${problem})`);
    }
  }
}
