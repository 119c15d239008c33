/**
 * DecisionServer: the replica behind HTTP (`botsieve start --role decide`).
 *
 * - GET /v1/decision?ip=… → one Decision; POST /v1/decisions → one per client of a JSON array;
 * - GET /v1/verdicts/stream → snapshot then changes (StreamClient; decisions/README.md);
 * - GET /healthz, /readyz: ready once the feed rebuilt the replica, and not while draining.
 *
 * /v1/* needs the configured token exactly like ingest (runtime's TokenAuth, 401). Lookups answer
 * 503 until the replica is rebuilt: a half-built replica would allow clients it should block.
 *
 * One interval timer serves the whole server: heartbeats to idle stream clients, expired
 * verdicts swept, metrics flushed. Nothing runs per client or per verdict on a timer.
 */
import type { Clock } from '@botsieve/core';
import { createTransport, TokenAuth, type ComponentTelemetry, type Exchange, type HttpHandler, type HttpTransport, type RequestHead, type ResponseOptions, type Routes, type Telemetry, type UwsLoad } from '@botsieve/runtime';
import type { VerdictReplica } from '../replica.js';
import type { Decision, VerdictFeed } from '../types.js';
import type { DecideConfig } from './config.js';
import { DECIDE_ERRORS, decideError, errorBody, type DecideErrorCode } from '../errors.js';
import { DecideMetrics } from './metrics.js';
import { clientFromQuery, clientsFromBody, streamRequest } from './requests.js';
import { StreamClient, type StreamEnd } from './stream-client.js';

const JSON_TYPE = 'application/json';
/** A whole JSON answer that keeps the connection. */
const JSON_OK: ResponseOptions = { contentType: JSON_TYPE, retryAfter: null, close: false };

export interface DecisionServerDeps {
  replica: VerdictReplica;
  feed: VerdictFeed;
  telemetry: Telemetry;
  clock: Clock;
  /** Finds a uWebSockets.js build (tests replace it to force the fallback). */
  loadUws?: () => Promise<UwsLoad>;
}

export interface DecisionServerStats {
  ready: boolean;
  draining: boolean;
  server: string;
  port: number | null;
  replica: ReturnType<VerdictReplica['stats']>;
  feed_lag_ms: number;
  stream_clients: number;
  lookups: number;
  stream_clients_cut: number;
}

export class DecisionServer {
  readonly metrics: DecideMetrics;
  private readonly log: ComponentTelemetry['log'];
  private readonly component: ComponentTelemetry;
  private readonly auth: TokenAuth;
  private readonly replica: VerdictReplica;
  private readonly feed: VerdictFeed;
  private readonly clock: Clock;
  private readonly clients = new Set<StreamClient>();
  private transport: HttpTransport | undefined;
  private timer: NodeJS.Timeout | undefined;
  private boundPort: number | null = null;
  private fallbackReason: string | null = null;
  /** POST /v1/decisions whose body is still being read (the drain waits for them). */
  private reading = 0;
  private ready = false;
  private draining = false;
  /** Readiness failed ahead of a drain (`failReadiness`): /readyz 503 while decisions are still answered. */
  private unready = false;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly config: DecideConfig,
    private readonly deps: DecisionServerDeps,
  ) {
    this.component = deps.telemetry.component('decide');
    this.log = this.component.log;
    this.metrics = new DecideMetrics(deps.telemetry, this.component);
    this.auth = new TokenAuth(config.auth);
    this.replica = deps.replica;
    this.feed = deps.feed;
    this.clock = deps.clock;
  }

  get port(): number | null {
    return this.boundPort;
  }

  get implementation(): string | null {
    return this.transport?.implementation ?? null;
  }

  /** Why the service runs on node:http although uWebSockets.js was wanted, or null. */
  get fallback(): string | null {
    return this.fallbackReason;
  }

  /** Listens, then rebuilds the replica from the feed; resolves once ready. */
  async start(): Promise<void> {
    await this.listen();
    await this.rebuild();
  }

  /** Listens (probes answer at once; /readyz fails until `rebuild` resolved); resolves the bound port. */
  async listen(): Promise<number> {
    const { transport, source, fallback } = await createTransport(this.config.http_server, this.routes(), {
      unavailable: (reason) => decideError('ERR_DECIDE_SERVER_UNAVAILABLE', `decide.http_server is "uwebsockets" but ${reason}`),
      load: this.deps.loadUws,
    });
    this.transport = transport;
    const port = await transport.listen(this.config.host, this.config.port);
    if (port === null) throw decideError('ERR_DECIDE_LISTEN', `the decision service cannot listen on ${this.config.host}:${this.config.port} (in use?); choose another with decide.port or --decide-port`);
    this.boundPort = port;
    this.fallbackReason = fallback;
    this.metrics.server(transport.implementation, fallback !== null);
    if (fallback !== null) this.log.warn({ reason: fallback }, 'decision service on node:http: no uWebSockets.js build loads here');
    if (!this.auth.enabled) this.log.warn({ header: this.auth.header }, 'decision service authentication is off: set decide.auth.token to require a token');
    const tick = Math.max(50, Math.floor(this.config.stream.heartbeat_ms / 2));
    let sinceSweep = 0;
    this.timer = setInterval(() => {
      for (const client of this.clients) client.heartbeat(this.config.stream.heartbeat_ms);
      sinceSweep += tick;
      if (sinceSweep >= this.config.sweep_interval_ms) {
        sinceSweep = 0;
        this.replica.sweep();
      }
      this.flushMetrics();
    }, tick);
    this.timer.unref();
    this.log.info({ host: this.config.host, port, server: transport.implementation, uws: source, auth: this.auth.enabled, feed: this.feed.kind }, 'decision service listening; rebuilding the replica');
    return port;
  }

  /** Fills the replica from the feed; ready once it resolved. */
  async rebuild(): Promise<void> {
    await this.feed.start((verdict) => this.replica.apply(verdict));
    if (this.draining) return;
    this.ready = true;
    this.flushMetrics();
    this.log.info({ verdicts: this.replica.size, version: this.replica.version }, 'decision service ready');
  }

  /** Fails readiness, closes stream clients, stops listening, waits up to drain_timeout_ms, then closes the feed. */
  /**
   * First step of a graceful shutdown: /readyz answers 503 so load balancers stop sending here,
   * while decisions and streams are still served. `stop` follows once the caller waited for the
   * balancers to notice (shutdown.readiness_delay_ms).
   */
  failReadiness(): void {
    if (this.unready) return;
    this.unready = true;
    this.log.info('decision service readiness failed ahead of the drain; still answering');
  }

  stop(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  stats(): DecisionServerStats {
    const counts = this.metrics.counts;
    return {
      ready: this.ready && !this.draining && !this.unready,
      draining: this.draining || this.unready,
      server: this.transport?.implementation ?? 'none',
      port: this.boundPort,
      replica: this.replica.stats(),
      feed_lag_ms: this.feed.lagMs(),
      stream_clients: this.clients.size,
      lookups: counts.lookups,
      stream_clients_cut: counts.streamClientsCut,
    };
  }

  /** Prometheus text of the telemetry registry, metrics flushed first (tests, admin). */
  async metricsText(): Promise<string> {
    this.flushMetrics();
    return this.deps.telemetry.exposition();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    for (const client of [...this.clients]) client.shutdown();
    this.transport?.stopListening();
    // GET lookups are answered in the handler's own turn; a POST still reading its body gets up
    // to drain_timeout_ms before its connection is closed.
    const deadline = Date.now() + this.config.drain_timeout_ms;
    while (Date.now() < deadline && (this.reading > 0 || this.clients.size > 0)) await new Promise((resolve) => setTimeout(resolve, 10));
    this.transport?.closeConnections();
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.feed.close();
    this.flushMetrics();
    this.log.info({ lookups: this.metrics.counts.lookups }, 'decision service stopped');
  }

  private flushMetrics(): void {
    this.metrics.flush(this.replica.size, this.feed.lagMs(), this.clients.size);
  }

  /** The routes, made once at listen. Every handler reads the head synchronously, then answers or hands on. */
  private routes(): Routes {
    return {
      http: [
        { method: 'GET', path: '/healthz', handle: this.guarded((_head, exchange) => exchange.respond(200, '{"status":"ok"}', JSON_OK)) },
        { method: 'GET', path: '/readyz', handle: this.guarded((_head, exchange) => this.readyz(exchange)) },
        { method: 'GET', path: '/v1/decision', handle: this.guarded((head, exchange) => {
          if (this.admitted(head, exchange)) this.decideOne(head, exchange);
        }) },
        { method: 'POST', path: '/v1/decisions', handle: this.guarded((head, exchange) => {
          if (this.admitted(head, exchange)) this.decideBatch(head, exchange);
        }) },
        { method: 'GET', path: '/v1/verdicts/stream', handle: this.guarded((head, exchange) => {
          if (this.admitted(head, exchange)) this.stream(head, exchange);
        }) },
      ],
      notFound: this.guarded((head, exchange) => this.refuse(exchange, 'ERR_DECIDE_NOT_FOUND', `no route ${head.method} ${head.path}`, unread(head))),
    };
  }

  /** A handler whose throw is answered 500 and counted, never left unanswered. */
  private guarded(handler: HttpHandler): HttpHandler {
    return (head, exchange) => {
      try {
        handler(head, exchange);
      } catch (error) {
        this.component.fail(error, 'decision request failed', 'ERR_DECIDE_UNEXPECTED');
        exchange.respond(500, errorBody('ERR_DECIDE_UNEXPECTED', 'internal error'), JSON_OK);
      }
    };
  }

  private readyz(exchange: Exchange): void {
    const ready = this.ready && !this.draining && !this.unready;
    exchange.respond(ready ? 200 : 503, JSON.stringify({ status: ready ? 'ready' : this.draining || this.unready ? 'draining' : 'rebuilding', verdicts: this.replica.size }), JSON_OK);
  }

  /** /v1/*: the token, then readiness; false when refused. */
  private admitted(head: RequestHead, exchange: Exchange): boolean {
    if (!this.auth.check(this.auth.enabled ? head.header(this.auth.header) : '')) {
      this.refuse(exchange, 'ERR_DECIDE_UNAUTHORIZED', 'missing or wrong token', unread(head));
      return false;
    }
    if (!this.ready || this.draining) {
      this.refuse(exchange, 'ERR_DECIDE_NOT_READY', this.draining ? 'draining' : 'the replica is still being rebuilt', unread(head));
      return false;
    }
    return true;
  }

  private decideOne(head: RequestHead, exchange: Exchange): void {
    const client = clientFromQuery(head.query);
    if (!client.ok) return this.refuse(exchange, 'ERR_DECIDE_BAD_REQUEST', client.reason, false);
    const decision = this.replica.decide(client.value);
    this.metrics.decided(decision.action);
    exchange.respond(200, JSON.stringify(decision), JSON_OK);
  }

  private decideBatch(head: RequestHead, exchange: Exchange): void {
    const declared = Number(head.header('content-length') || '0');
    if (declared > this.config.max_body_bytes) return this.refuse(exchange, 'ERR_DECIDE_TOO_LARGE', `body of ${declared} bytes; max_body_bytes is ${this.config.max_body_bytes}`, true);
    this.reading += 1;
    let counted = true;
    const done = (): void => {
      if (counted) this.reading -= 1;
      counted = false;
    };
    exchange.onAborted(done);
    exchange.readBody(this.config.max_body_bytes, (body) => {
      done();
      if (body === null) return this.refuse(exchange, 'ERR_DECIDE_TOO_LARGE', `body over max_body_bytes (${this.config.max_body_bytes})`, true);
      const clients = clientsFromBody(body, this.config.max_batch);
      if (!clients.ok) return this.refuse(exchange, 'tooLarge' in clients ? 'ERR_DECIDE_TOO_LARGE' : 'ERR_DECIDE_BAD_REQUEST', clients.reason, false);
      const decisions: Decision[] = new Array(clients.value.length);
      for (let i = 0; i < clients.value.length; i++) {
        const decision = this.replica.decide(clients.value[i] as (typeof clients.value)[number]);
        this.metrics.decided(decision.action);
        decisions[i] = decision;
      }
      exchange.respond(200, JSON.stringify(decisions), JSON_OK);
    });
  }

  private stream(head: RequestHead, exchange: Exchange): void {
    const request = streamRequest(head.query);
    if (!request.ok) return this.refuse(exchange, 'ERR_DECIDE_BAD_REQUEST', request.reason, false);
    if (this.clients.size >= this.config.stream.max_clients) return this.refuse(exchange, 'ERR_DECIDE_TOO_MANY_STREAMS', `${this.clients.size} stream clients already (stream.max_clients)`, false);
    const client = new StreamClient(exchange, this.replica, request.value, this.config.stream.max_unsent_bytes, () => this.clock.now(), this.onStreamEnd);
    this.clients.add(client);
    exchange.onAborted(() => client.aborted());
    client.start();
  }

  private readonly onStreamEnd = (client: StreamClient, end: StreamEnd): void => {
    this.clients.delete(client);
    if (end === 'cut') this.metrics.streamClientCut(this.config.stream.max_unsent_bytes);
  };

  private refuse(exchange: Exchange, code: DecideErrorCode, message: string, close: boolean): void {
    const info = DECIDE_ERRORS[code];
    this.metrics.refused(code);
    exchange.respond(info.status, errorBody(code, message), { contentType: JSON_TYPE, retryAfter: info.retryable ? '1' : null, close });
  }
}

/** Refused before its body was read: a request that may carry one ends its connection too. */
function unread(head: RequestHead): boolean {
  return head.method !== 'GET' && head.method !== 'HEAD';
}
