/**
 * The ingest HTTP/WebSocket server (uWebSockets.js).
 *
 *   POST /logpush   Cloudflare Logpush destination (gzip or plain NDJSON)
 *   POST /events    origins: NDJSON or a JSON array, same schema
 *   WS   /stream    persistent producers, acked batches (see stream-socket.ts)
 *   GET  /healthz   process up
 *   GET  /readyz    503 while the producer is not ready or while draining
 *   GET  /metrics   Prometheus text
 *
 * Admission (auth, draining, producer readiness, size, in-flight budget) is decided in the route
 * handler, before a byte of the body is read; everything after that is one Upload's business.
 */
import type { BusProducer, TopicNames } from '@botsieve/core';
import { systemClock, type Telemetry } from '@botsieve/runtime';
import uWS from 'uWebSockets.js';
import type { IngestConfig } from '../config.js';
import { INGEST_ERRORS, ingestError, type IngestErrorCode } from '../errors.js';
import { IngestMetrics, type IngestRoute } from '../metrics.js';
import { TokenAuth } from './auth.js';
import type { BodyEncoding } from './body-decoder.js';
import { Admission, errorBody, sendJson, type IngestContext } from './context.js';
import { StreamEndpoint } from './stream-socket.js';
import { Upload } from './upload.js';

/** uWS's listen option for an exclusive port (exported by the binding, missing from its typings). */
const LISTEN_EXCLUSIVE_PORT = (uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;

export interface IngestDependencies {
  producer: BusProducer;
  topics: TopicNames;
  telemetry: Telemetry;
}

export class IngestServer {
  private readonly app: uWS.TemplatedApp;
  private readonly context: IngestContext;
  private readonly auth: TokenAuth;
  private readonly stream: StreamEndpoint;
  private readonly telemetry: Telemetry;
  private listenSocket: uWS.us_listen_socket | null = null;
  private draining = false;
  private closed = false;
  private work = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly config: IngestConfig,
    deps: IngestDependencies,
  ) {
    this.telemetry = deps.telemetry;
    const component = deps.telemetry.component('ingest');
    const metrics = new IngestMetrics(deps.telemetry, component);
    this.auth = new TokenAuth(config.auth);
    this.context = {
      config,
      producer: deps.producer,
      publish: { topics: deps.topics, limits: config.fields, max_line_bytes: config.max_line_bytes, deadletter_line_bytes: config.deadletter_line_bytes },
      metrics,
      log: component.log,
      admission: new Admission(config.max_inflight_bytes, metrics),
      retryAfter: String(config.retry_after_s),
      retryAfterMs: config.retry_after_s * 1_000,
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
    this.app = uWS.App()
      .post('/logpush', (res, req) => this.upload(res, req, 'logpush'))
      .post('/events', (res, req) => this.upload(res, req, 'events'))
      .ws('/stream', this.stream.behavior())
      .get('/healthz', (res) => sendJson(res, 200, '{"status":"ok"}', null, false))
      .get('/readyz', (res) => this.readyz(res))
      .get('/metrics', (res) => this.metrics(res))
      .any('/*', (res) => sendJson(res, 404, errorBody(INGEST_ERRORS.ERR_INGEST_NOT_FOUND, 'no such route'), null, false));
  }

  /** Starts listening; resolves the bound port (config port 0 picks a free one). */
  listen(): Promise<number> {
    const { host, port } = this.config;
    const log = this.context.log;
    return new Promise((resolve, reject) => {
      // Exclusive: uWS otherwise binds with SO_REUSEPORT, and a second botsieve on the same port
      // would silently share the traffic instead of failing. (The 4-argument form exists in the
      // binding; the bundled typings only declare it for the port-only overload.)
      const listen = this.app.listen as unknown as (host: string, port: number, options: number, cb: (socket: uWS.us_listen_socket | false) => void) => void;
      listen.call(this.app, host, port, LISTEN_EXCLUSIVE_PORT, (socket) => {
        if (socket === false) {
          reject(ingestError('ERR_INGEST_LISTEN', `cannot listen on ${host}:${port} (in use, or not permitted); choose another with --port`));
          return;
        }
        this.listenSocket = socket;
        const bound = uWS.getSocketPort(socket as unknown as uWS.us_socket);
        if (!this.auth.enabled) log.warn({ header: this.auth.header }, 'ingest authentication is off: set ingest.auth.token to require a token');
        log.info({ host, port: bound, ack: this.config.ack, auth: this.auth.enabled }, 'ingest listening');
        resolve(bound);
      });
    });
  }

  /**
   * Graceful shutdown: stops accepting (listen socket closed, /readyz 503, new uploads on open
   * connections 503), waits for uploads and stream batches in flight — in enqueued mode also for
   * the seals of batches already answered — closes stream sockets, flushes the producer, then
   * closes the remaining (idle) connections. Resolves after at most about `timeout_ms`.
   */
  async drain(timeout_ms: number): Promise<void> {
    const deadline = Date.now() + timeout_ms;
    this.draining = true;
    this.stopListening();
    this.context.log.info({ in_flight: this.work }, 'ingest draining');
    await this.waitIdle(timeout_ms);
    this.stream.closeIdleSockets();
    if (this.work > 0) this.context.log.warn({ in_flight: this.work }, 'ingest drain timed out with work in flight');
    await this.context.producer.flush(Math.max(0, deadline - Date.now()));
    // What is left are idle keep-alive connections and sockets that got their last answer.
    this.closeConnections();
    this.context.log.info('ingest drained');
  }

  /** Closes at once: the listen socket and every connection (uploads in flight are not acked). */
  async close(): Promise<void> {
    this.draining = true;
    this.stopListening();
    this.closeConnections();
    this.wakeIdleWaiters();
  }

  private upload(res: uWS.HttpResponse, req: uWS.HttpRequest, route: IngestRoute): void {
    // Read every header now: req is only valid during this call.
    const presented = this.auth.enabled ? req.getHeader(this.auth.header) : '';
    const contentEncoding = req.getHeader('content-encoding');
    const contentLength = req.getHeader('content-length');
    const { config, producer, admission } = this.context;

    if (!this.auth.check(presented)) return this.refuse(res, route, 'ERR_INGEST_UNAUTHORIZED', 'missing or wrong token');
    if (this.draining) return this.refuse(res, route, 'ERR_INGEST_DRAINING', 'server draining');
    if (!producer.isReady()) return this.refuse(res, route, 'ERR_INGEST_BUS_UNAVAILABLE', 'the bus is not ready');
    const encoding = bodyEncoding(contentEncoding);
    if (encoding === null) return this.refuse(res, route, 'ERR_INGEST_UNSUPPORTED_ENCODING', `unsupported Content-Encoding ${JSON.stringify(contentEncoding)}`);
    const length = contentLength === '' ? 0 : Number(contentLength);
    if (!Number.isSafeInteger(length) || length < 0) return this.refuse(res, route, 'ERR_INGEST_BAD_REQUEST', 'invalid Content-Length');
    if (length > config.max_body_bytes) return this.refuse(res, route, 'ERR_INGEST_BODY_TOO_LARGE', `body larger than max_body_bytes (${config.max_body_bytes})`);
    if (!admission.tryReserve(length)) return this.refuse(res, route, 'ERR_INGEST_OVERLOADED', 'too many request bytes in flight');
    try {
      new Upload(this.context, res, route, route === 'logpush' ? 'logpush' : 'events', encoding, length);
    } catch (error) {
      // Only before the Upload took over (e.g. producer.batch() threw): it never registered.
      admission.release(length);
      const info = INGEST_ERRORS.ERR_INGEST_UNEXPECTED;
      this.context.metrics.failed(route, null, info, error);
      sendJson(res, info.status, errorBody(info, 'internal error'), null, true);
    }
  }

  /** Answers before reading the body, and closes the connection (the body stays unread). */
  private refuse(res: uWS.HttpResponse, route: IngestRoute, code: IngestErrorCode, message: string): void {
    const info = INGEST_ERRORS[code];
    this.context.metrics.failed(route, null, info, ingestError(code, message));
    sendJson(res, info.status, errorBody(info, message), info.status === 503 ? this.context.retryAfter : null, true);
  }

  private readyz(res: uWS.HttpResponse): void {
    if (this.draining) return sendJson(res, 503, '{"status":"draining"}', this.context.retryAfter, false);
    if (!this.context.producer.isReady()) return sendJson(res, 503, '{"status":"bus not ready"}', this.context.retryAfter, false);
    sendJson(res, 200, '{"status":"ready"}', null, false);
  }

  private metrics(res: uWS.HttpResponse): void {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const telemetry = this.telemetry;
    telemetry.exposition().then(
      (text) => {
        if (aborted) return;
        res.cork(() => {
          res.writeStatus('200 OK').writeHeader('content-type', telemetry.contentType).end(text);
        });
      },
      (error: unknown) => {
        if (!aborted) sendJson(res, 500, errorBody(INGEST_ERRORS.ERR_INGEST_UNEXPECTED, String(error)), null, false);
      },
    );
  }

  private closeConnections(): void {
    if (this.closed) return;
    this.closed = true;
    // Closes every socket of the app (uploads in flight see onAborted). Present in this build, missing from its typings.
    (this.app as unknown as { close(): void }).close();
  }

  private stopListening(): void {
    if (this.listenSocket === null) return;
    uWS.closeSocket(this.listenSocket);
    this.listenSocket = null;
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
