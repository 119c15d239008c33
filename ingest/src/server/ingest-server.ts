/**
 * The ingest HTTP/WebSocket server.
 *
 *   POST /logpush   Cloudflare Logpush destination (gzip or plain NDJSON)
 *   POST /events    origins: NDJSON or a JSON array, same schema
 *   WS   /stream    persistent producers, acked batches (see stream-socket.ts)
 *   GET  /healthz   process up
 *   GET  /readyz    503 while the producer is not ready or while draining
 * (Metrics are served on the admin port only, never on this public one.)
 *
 * The server runs on uWebSockets.js when a build loads on this Node and platform, on node:http
 * otherwise (runtime's HTTP transport); everything here is written once against its interfaces.
 * Admission (auth, draining, producer readiness, declared size) is decided in the route handler,
 * before a byte of the body is read; everything after that is one Upload's business.
 */
import type { BusProducer, TopicNames } from '@botsieve/core';
import { createTransport, systemClock, TokenAuth, type Exchange, type HttpTransport, type RequestHead, type Routes, type ServerImplementation, type Telemetry } from '@botsieve/runtime';
import type { IngestConfig } from '../config.js';
import { INGEST_ERRORS, ingestError, type IngestErrorCode } from '../errors.js';
import { IngestMetrics, type IngestRoute } from '../metrics.js';
import type { BodyEncoding } from './body-decoder.js';
import { Admission, errorBody, respondJson, type IngestContext, type LiveUpload } from './context.js';
import { StreamEndpoint, type StreamUserData } from './stream-socket.js';
import { Upload } from './upload.js';

export interface IngestDependencies {
  producer: BusProducer;
  topics: TopicNames;
  telemetry: Telemetry;
}

/** How often uploads are checked for stalls. */
const STALL_SWEEP_MS = 1_000;
/** Once per process: the fallback to node:http is logged once, however many servers start. */
let fallbackWarned = false;

export class IngestServer {
  private readonly context: IngestContext;
  private readonly auth: TokenAuth;
  private readonly stream: StreamEndpoint;
  private readonly routes: Routes<StreamUserData>;
  private transport: HttpTransport | null = null;
  /** Why `http_server: auto` fell back to node:http (after listen), or null. */
  fallback: string | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private draining = false;
  /** Readiness failed ahead of a drain (`failReadiness`): /readyz 503 while uploads are still accepted. */
  private unready = false;
  private closed = false;
  private work = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly config: IngestConfig,
    deps: IngestDependencies,
  ) {
    const component = deps.telemetry.component('ingest');
    const metrics = new IngestMetrics(deps.telemetry, component);
    this.auth = new TokenAuth(config.auth);
    this.context = {
      config,
      producer: deps.producer,
      publish: {
        topics: deps.topics,
        limits: config.fields,
        max_line_bytes: config.max_line_bytes,
        deadletter_line_bytes: config.deadletter_line_bytes,
        deadletter_hold_bytes: config.deadletter_hold_bytes,
        max_json_depth: config.max_json_depth,
        max_future_skew_ms: config.max_future_skew_ms,
        max_event_age_ms: config.max_event_age_ms,
      },
      metrics,
      log: component.log,
      admission: new Admission(config.max_inflight_bytes, metrics),
      retryAfter: String(config.retry_after_s),
      retryAfterMs: config.retry_after_s * 1_000,
      uploads: new Set<LiveUpload>(),
      now: () => systemClock.now(),
      isDraining: () => this.draining,
      workStarted: () => {
        this.work++;
      },
      workFinished: () => {
        this.work--;
        if (this.work === 0) this.wakeIdleWaiters();
      },
    };
    this.stream = new StreamEndpoint(this.context, this.auth);
    this.routes = {
      http: [
        { method: 'POST', path: '/logpush', handle: (head, exchange) => this.upload('logpush', head, exchange) },
        { method: 'POST', path: '/events', handle: (head, exchange) => this.upload('events', head, exchange) },
        { method: 'GET', path: '/healthz', handle: (_head, exchange) => respondJson(exchange, 200, '{"status":"ok"}', null, false) },
        { method: 'GET', path: '/readyz', handle: (_head, exchange) => this.readyz(exchange) },
      ],
      notFound: (_head, exchange) => respondJson(exchange, 404, errorBody(INGEST_ERRORS.ERR_INGEST_NOT_FOUND, 'no such route'), null, false),
      websockets: [{ path: '/stream', handlers: this.stream.handlers(), options: this.stream.options() }],
    };
  }

  /** The HTTP server in use (after listen). */
  get implementation(): ServerImplementation | null {
    return this.transport?.implementation ?? null;
  }

  /** Starts listening; resolves the bound port (config port 0 picks a free one). */
  async listen(): Promise<number> {
    const { host, port } = this.config;
    const { log, metrics } = this.context;
    const chosen = await createTransport(this.config.http_server, this.routes, {
      unavailable: (reason) => ingestError('ERR_INGEST_SERVER_UNAVAILABLE', `ingest.http_server is "uwebsockets" but ${reason}`),
    });
    this.transport = chosen.transport;
    this.fallback = chosen.fallback;
    metrics.server(chosen.transport.implementation, chosen.fallback !== null);
    if (chosen.fallback !== null && !fallbackWarned) {
      fallbackWarned = true;
      log.warn({ reason: chosen.fallback }, 'ingest runs on node:http: no uWebSockets.js build loads here (as fast for Logpush batches, slower per request and connection; see the README, "Node versions and the ingest server")');
    }
    const bound = await chosen.transport.listen(host, port);
    if (bound === null) throw ingestError('ERR_INGEST_LISTEN', `cannot listen on ${host}:${port} (in use, or not permitted); choose another with --port`);
    this.sweepTimer = setInterval(() => this.sweepStalled(), Math.min(STALL_SWEEP_MS, this.config.upload_idle_timeout_ms));
    this.sweepTimer.unref();
    if (!this.auth.enabled) log.warn({ header: this.auth.header }, 'ingest authentication is off: set ingest.auth.token to require a token');
    log.info({ host, port: bound, ack: this.config.ack, auth: this.auth.enabled, server: chosen.transport.implementation, uws: chosen.source }, 'ingest listening');
    return bound;
  }

  /**
   * First step of a graceful shutdown: /readyz answers 503 so load balancers stop sending here,
   * while uploads and stream batches are still accepted and acknowledged as usual. `drain` follows
   * once the caller waited for the balancers to notice (shutdown.readiness_delay_ms).
   */
  failReadiness(): void {
    if (this.unready) return;
    this.unready = true;
    this.context.log.info('ingest readiness failed ahead of the drain; still accepting');
  }

  /**
   * Graceful shutdown: stops accepting (listen socket closed, /readyz 503, new uploads on open
   * connections 503) and lets uploads and stream batches in flight finish — in enqueued mode also
   * the seals of batches already answered. Shortly before `timeout_ms` runs out, whatever is still
   * unanswered is answered 503 ERR_INGEST_DRAINING (every upload that began gets a status), the
   * producer is flushed and the remaining connections closed.
   */
  async drain(timeout_ms: number): Promise<void> {
    const deadline = Date.now() + timeout_ms;
    this.draining = true;
    this.transport?.stopListening();
    this.context.log.info({ in_flight: this.work }, 'ingest draining');
    // Keep a slice of the time for the answers of cut uploads and the producer flush.
    const reserve_ms = Math.min(2_000, Math.floor(timeout_ms / 4));
    await this.waitIdle(Math.max(0, timeout_ms - reserve_ms));
    const cut = this.context.uploads.size > 0 || this.work > 0;
    if (cut) {
      this.context.log.warn({ uploads: this.context.uploads.size, in_flight: this.work }, 'ingest drain deadline: answering what is left with 503');
      for (const upload of [...this.context.uploads]) upload.cutForDrain();
      this.stream.cutForDrain();
    }
    this.stream.closeIdleSockets();
    await this.context.producer.flush(Math.max(0, deadline - Date.now()));
    // A cut upload's client is still sending: closing its socket now would reset it with unread
    // bytes in flight, and a reset can destroy the 503 before the client reads it. Its connection
    // was half-closed with the answer; give the client the rest of the reserve to read and leave.
    if (cut) await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())));
    this.closeConnections();
    this.context.log.info('ingest drained');
  }

  /** Closes at once: the listen socket and every connection (uploads in flight are not acked). */
  async close(): Promise<void> {
    this.draining = true;
    this.transport?.stopListening();
    this.closeConnections();
    this.wakeIdleWaiters();
  }

  private upload(route: 'logpush' | 'events', head: RequestHead, exchange: Exchange): void {
    // Read every header now: the head is only valid during this call.
    const presented = this.auth.enabled ? head.header(this.auth.header) : '';
    const contentEncoding = head.header('content-encoding');
    const contentLength = head.header('content-length');
    const { config, producer, admission } = this.context;

    if (!this.auth.check(presented)) return this.refuse(exchange, route, 'ERR_INGEST_UNAUTHORIZED', 'missing or wrong token');
    if (this.draining) return this.refuse(exchange, route, 'ERR_INGEST_DRAINING', 'server draining');
    if (!producer.isReady()) return this.refuse(exchange, route, 'ERR_INGEST_BUS_UNAVAILABLE', 'the bus is not ready');
    const encoding = bodyEncoding(contentEncoding);
    if (encoding === null) return this.refuse(exchange, route, 'ERR_INGEST_UNSUPPORTED_ENCODING', `unsupported Content-Encoding ${JSON.stringify(contentEncoding)}`);
    const length = contentLength === '' ? 0 : Number(contentLength);
    if (!Number.isSafeInteger(length) || length < 0) return this.refuse(exchange, route, 'ERR_INGEST_BAD_REQUEST', 'invalid Content-Length');
    if (length > config.max_body_bytes) return this.refuse(exchange, route, 'ERR_INGEST_BODY_TOO_LARGE', `body larger than max_body_bytes (${config.max_body_bytes})`);
    // Checked, not booked: bytes are booked as they arrive (a declared length holds nothing).
    if (!admission.fits(length)) return this.refuse(exchange, route, 'ERR_INGEST_OVERLOADED', 'too many request bytes in flight');
    try {
      new Upload(this.context, exchange, route, route === 'logpush' ? 'logpush' : 'events', encoding);
    } catch (error) {
      // Only before the Upload took over (e.g. producer.batch() threw): it never registered.
      const info = INGEST_ERRORS.ERR_INGEST_UNEXPECTED;
      this.context.metrics.failed(route, info, error);
      respondJson(exchange, info.status, errorBody(info, 'internal error'), null, true);
    }
  }

  /** Answers before reading the body, and closes the connection (the body stays unread). */
  private refuse(exchange: Exchange, route: IngestRoute, code: IngestErrorCode, message: string): void {
    const info = INGEST_ERRORS[code];
    this.context.metrics.failed(route, info, ingestError(code, message));
    respondJson(exchange, info.status, errorBody(info, message), info.status === 503 ? this.context.retryAfter : null, true);
  }

  private readyz(exchange: Exchange): void {
    if (this.draining || this.unready) return respondJson(exchange, 503, '{"status":"draining"}', this.context.retryAfter, false);
    if (!this.context.producer.isReady()) return respondJson(exchange, 503, '{"status":"bus not ready"}', this.context.retryAfter, false);
    respondJson(exchange, 200, '{"status":"ready"}', null, false);
  }

  private sweepStalled(): void {
    if (this.context.uploads.size === 0) return;
    const before = performance.now() - this.config.upload_idle_timeout_ms;
    for (const upload of [...this.context.uploads]) upload.cutIfStalled(before);
  }

  private closeConnections(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    this.transport?.closeConnections();
  }

  private waitIdle(timeout_ms: number): Promise<void> {
    if (this.work === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeout_ms);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

function bodyEncoding(header: string): BodyEncoding | null {
  if (header === '' || header === 'identity') return 'detect';
  const value = header.trim().toLowerCase();
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'identity') return 'detect';
  return null;
}
