/**
 * StreamVerdictFeed: the client side of the decision service's stream (README, "Stream
 * protocol"): a replica in an origin that cannot reach Kafka follows `GET /v1/verdicts/stream`.
 *
 * - A snapshot is staged and handed over whole at its `synced` (`VerdictSync.replace`), so the
 *   replica never answers from a half-loaded snapshot, and what the server no longer holds goes.
 * - After a disconnect, a server error or `idle_timeout_ms` without a line (heartbeats included)
 *   it reconnects with `since=<epoch>.<version>` after `backoffDelay` (the one retry formula);
 *   the server answers with the changes since, or a fresh snapshot.
 * - The resume token only moves on lines the replica has applied: never inside a snapshot, so a
 *   connection cut mid-snapshot resumes from before it (and gets a snapshot again).
 * - A line longer than `max_line_bytes`, or one that is not a protocol line, is counted and
 *   skipped; the stream goes on.
 *
 * Lag (`lagMs`): at the arrival of a verdict newer than any before (by `decided_at`), the clock's
 * now minus its `decided_at`. It includes the detector's own delay (event time to decision) as
 * well as the transport, so it is an upper bound on what the feed adds.
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as requestTls } from 'node:https';
import { verdictProblem, type Clock, type SubjectKey, type Verdict, type VerdictAction } from '@botsieve/core';
import { backoffDelay, systemRandom, type BackoffPolicy, type ComponentTelemetry, type Random } from '@botsieve/runtime';
import { DECIDE_ERRORS, decideError } from '../errors.js';
import type { VerdictFeed, VerdictSync } from '../types.js';

export interface StreamVerdictFeedOptions {
  /** The decision service's base URL (`http://decide.internal:8080`); the stream path is appended. */
  url: string;
  /** Header carrying the token (the ingest convention: the configured header name). */
  auth_header?: string;
  /** The token; no auth header is sent when absent. */
  token?: string;
  /** Only verdicts with these actions (`actions=` on the request); default: all. */
  actions?: readonly VerdictAction[];
  /** Reconnect when nothing (not even a heartbeat) arrived for this long. */
  idle_timeout_ms?: number;
  /** A longer line is counted as bad and skipped. */
  max_line_bytes?: number;
  /** Delay before reconnecting (attempt 0 after the first failure), reset once a connection is synced. */
  backoff?: BackoffPolicy;
  clock?: Clock;
  random?: Random;
  /**
   * Logs (a warning per failed connection, never per line) and metrics: `received` per change
   * applied, `discarded{bad_line|line_too_long}`, `errors{ERR_STREAM_FEED_UNAVAILABLE|ERR_STREAM_FEED_TIMEOUT}`
   * (the package's catalogue: src/errors.ts).
   */
  telemetry?: ComponentTelemetry;
}

export interface StreamFeedStats {
  /** Connections opened. */
  connections: number;
  /** Full snapshots received, and resumed connections. */
  snapshots: number;
  resumes: number;
  /** Lines applied (upsert, remove). */
  changes: number;
  /** Lines counted and skipped: not JSON, not a protocol line, a bad verdict, too long. */
  bad_lines: number;
  /** Connections dropped because nothing arrived for idle_timeout_ms. */
  timeouts: number;
  /** Connections that ended or failed (server gone, non-200 status, timeout). */
  failures: number;
}

export const STREAM_PATH = '/v1/verdicts/stream';
export const DEFAULT_STREAM_BACKOFF: BackoffPolicy = { base_ms: 200, max_ms: 10_000, jitter: 'equal' };
const NEWLINE = 10;
const TIMED_OUT = 'no line within idle_timeout_ms';

export class StreamVerdictFeed implements VerdictFeed {
  readonly kind = 'stream' as const;
  private readonly url: URL;
  private readonly headers: Record<string, string>;
  private readonly actions: string;
  private readonly idleTimeoutMs: number;
  private readonly maxLineBytes: number;
  private readonly backoff: BackoffPolicy;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly telemetry: ComponentTelemetry | undefined;
  private readonly counts: StreamFeedStats = { connections: 0, snapshots: 0, resumes: 0, changes: 0, bad_lines: 0, timeouts: 0, failures: 0 };
  private apply: (verdict: Verdict) => void = () => undefined;
  private sync: VerdictSync | undefined;
  private closed = false;
  private current: ClientRequest | null = null;
  private idle: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private attempt = 0;
  /** `<epoch>.<version>` of the last line applied; null until the first `synced`. */
  private token: string | null = null;
  private epoch = '';
  /** Verdicts of a snapshot in progress; null when none is. */
  private staged: Verdict[] | null = null;
  /** Bytes of an unfinished line; `skipping` while dropping the rest of a too-long one. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipping = false;
  private newestDecidedAt = -1;
  private lag = 0;
  private synced: { resolve: () => void; reject: (error: Error) => void } | null = null;

  constructor(options: StreamVerdictFeedOptions) {
    this.url = new URL(STREAM_PATH, options.url);
    this.headers = options.token === undefined ? {} : { [(options.auth_header ?? 'authorization').toLowerCase()]: options.token };
    this.actions = options.actions === undefined ? '' : options.actions.join(',');
    this.idleTimeoutMs = options.idle_timeout_ms ?? 30_000;
    this.maxLineBytes = options.max_line_bytes ?? 1 << 20;
    this.backoff = options.backoff ?? DEFAULT_STREAM_BACKOFF;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.random = options.random ?? systemRandom;
    this.telemetry = options.telemetry;
  }

  /** Resolves at the first `synced`; rejects only when closed before it. */
  start(apply: (verdict: Verdict) => void, sync?: VerdictSync): Promise<void> {
    this.apply = apply;
    this.sync = sync;
    const ready = new Promise<void>((resolve, reject) => {
      this.synced = { resolve, reject };
    });
    this.connect();
    return ready;
  }

  lagMs(): number {
    return this.lag;
  }

  /** The token the next connection resumes from (`<epoch>.<version>`), null before the first sync. */
  resumeToken(): string | null {
    return this.token;
  }

  stats(): StreamFeedStats {
    return { ...this.counts };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry !== null) clearTimeout(this.retry);
    if (this.idle !== null) clearTimeout(this.idle);
    this.current?.destroy();
    this.current = null;
    this.synced?.reject(decideError('ERR_STREAM_FEED_CLOSED', 'the stream feed was closed before it synced'));
    this.synced = null;
  }

  private connect(): void {
    if (this.closed) return;
    const url = new URL(this.url);
    if (this.token !== null) url.searchParams.set('since', this.token);
    if (this.actions !== '') url.searchParams.set('actions', this.actions);
    this.counts.connections += 1;
    this.resetLine();
    this.staged = null;
    const send = url.protocol === 'https:' ? requestTls : request;
    const req = send(url, { headers: { accept: 'application/x-ndjson', ...this.headers } });
    this.current = req;
    let failed = false;
    const fail = (reason: unknown) => {
      if (failed || this.current !== req) return;
      failed = true;
      this.counts.failures += 1;
      const timedOut = reason === TIMED_OUT;
      this.telemetry?.metrics.error(timedOut ? DECIDE_ERRORS.ERR_STREAM_FEED_TIMEOUT.code : DECIDE_ERRORS.ERR_STREAM_FEED_UNAVAILABLE.code);
      this.telemetry?.log.warn({ err: reason instanceof Error ? reason : undefined, reason: typeof reason === 'string' ? reason : undefined, attempt: this.attempt }, 'verdict stream lost; reconnecting');
      this.current = null;
      if (this.idle !== null) clearTimeout(this.idle);
      req.destroy();
      this.reconnectLater();
    };
    this.idle = setTimeout(() => {
      this.counts.timeouts += 1;
      fail(TIMED_OUT);
    }, this.idleTimeoutMs);
    req.on('error', fail);
    req.on('response', (response: IncomingMessage) => {
      if (response.statusCode !== 200) {
        response.resume();
        fail(`status ${response.statusCode ?? 0}`);
        return;
      }
      response.on('data', (chunk: Buffer) => {
        if (this.current !== req) return;
        this.idle?.refresh();
        this.read(chunk);
      });
      response.on('end', () => fail('the server ended the response'));
      response.on('error', fail);
      response.on('close', () => fail('the connection closed'));
    });
    req.end();
  }

  private reconnectLater(): void {
    if (this.closed) return;
    const delay = backoffDelay(this.attempt, this.backoff, this.random);
    this.attempt += 1;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect();
    }, delay);
  }

  /** Splits `chunk` into lines; a line over max_line_bytes is dropped up to its newline. */
  private read(chunk: Buffer): void {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (this.skipping) {
        this.skipping = false;
      } else if (this.pendingBytes + end - start > this.maxLineBytes) {
        this.bad('line_too_long');
      } else {
        const piece = chunk.subarray(start, end);
        const line = this.pendingBytes === 0 ? piece.toString('utf8') : Buffer.concat([...this.pending, piece]).toString('utf8');
        if (line.length > 0) this.line(line);
      }
      this.pending = [];
      this.pendingBytes = 0;
      start = end + 1;
      if (this.current === null) return; // the line closed or failed the connection
    }
    if (start >= chunk.length || this.skipping) return;
    if (this.pendingBytes + chunk.length - start > this.maxLineBytes) {
      this.bad('line_too_long');
      this.skipping = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(chunk.subarray(start));
    this.pendingBytes += chunk.length - start;
  }

  private resetLine(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
  }

  private bad(reason: 'bad_line' | 'line_too_long'): void {
    this.counts.bad_lines += 1;
    this.telemetry?.metrics.discarded(reason);
  }

  private line(text: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.bad('bad_line');
      return;
    }
    if (typeof message !== 'object' || message === null) {
      this.bad('bad_line');
      return;
    }
    const version = message.version;
    if (!Number.isSafeInteger(version)) {
      this.bad('bad_line');
      return;
    }
    switch (message.type) {
      case 'snapshot':
        if (typeof message.epoch !== 'string') break;
        this.counts.snapshots += 1;
        this.epoch = message.epoch;
        this.staged = [];
        return;
      case 'resume':
        if (typeof message.epoch !== 'string') break;
        this.counts.resumes += 1;
        this.epoch = message.epoch;
        this.staged = null;
        this.token = `${this.epoch}.${version as number}`;
        return;
      case 'upsert': {
        if (verdictProblem(message.verdict) !== undefined) break;
        const verdict = message.verdict as Verdict;
        this.arrived(verdict);
        this.counts.changes += 1;
        this.telemetry?.metrics.received();
        if (this.staged !== null) {
          this.staged.push(verdict);
          return;
        }
        this.apply(verdict);
        this.token = `${this.epoch}.${version as number}`;
        return;
      }
      case 'remove':
        if (typeof message.subject !== 'string' || this.staged !== null) break;
        this.counts.changes += 1;
        this.telemetry?.metrics.received();
        this.sync?.remove(message.subject as SubjectKey);
        this.token = `${this.epoch}.${version as number}`;
        return;
      case 'synced':
      case 'heartbeat':
        if (typeof message.epoch !== 'string' || (this.staged === null && message.epoch !== this.epoch)) break;
        if (this.staged !== null && message.type === 'synced') this.handOver(this.staged);
        if (this.staged !== null) return; // a heartbeat inside a snapshot moves nothing
        this.token = `${this.epoch}.${version as number}`;
        if (message.type === 'synced') {
          this.attempt = 0;
          this.synced?.resolve();
          this.synced = null;
        }
        return;
    }
    this.bad('bad_line');
  }

  /** The snapshot, whole: replaces what the replica held, or (without a VerdictSync) is applied on top of it. */
  private handOver(verdicts: Verdict[]): void {
    this.staged = null;
    if (this.sync !== undefined) this.sync.replace(verdicts);
    else for (const verdict of verdicts) this.apply(verdict);
  }

  private arrived(verdict: Verdict): void {
    if (verdict.decided_at <= this.newestDecidedAt) return;
    this.newestDecidedAt = verdict.decided_at;
    this.lag = Math.max(0, this.clock.now() - verdict.decided_at);
  }
}
