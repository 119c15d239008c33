/**
 * Admin HTTP endpoints every role serves: `/healthz` (process up), `/readyz` (bus reachable and
 * not draining), `/metrics` (Prometheus text), `/verdicts` (active verdicts in the embedded store,
 * for operators and the Quick start), `/sinks` (each sink's progress, failures and lag; the
 * Cloudflare lists' state).
 *
 * `/verdicts` and `/sinks` show client IPs with their evidence, so the server listens on loopback
 * by default and, with `admin.auth.token` set, answers 401 on every route but the two probes
 * (Kubernetes probes cannot easily send headers). Only GET and HEAD are served; other methods
 * get 405 before authentication, since no token makes them succeed.
 * Plain node:http: this is not a hot path.
 */
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { BlockList, type AddressInfo } from 'node:net';
import { BotsieveError, type Bus } from '@botsieve/core';
import { TokenAuth, type ComponentTelemetry, type Telemetry } from '@botsieve/runtime';
import type { MemoryVerdictStore, SinkSetStatus } from '@botsieve/sinks';
import type { AdminConfig } from './config.js';
import { CLI_ERRORS } from './errors.js';

export interface AdminDeps {
  telemetry: Telemetry;
  bus: Bus;
  store: MemoryVerdictStore | undefined;
  /** The sinks' status; undefined in processes without the sink role. */
  sinks: (() => SinkSetStatus) | undefined;
  isDraining: () => boolean;
}

interface Reply {
  status: number;
  headers: OutgoingHttpHeaders;
  body: string;
}

interface Route {
  /** Served without the token: the Kubernetes probes. */
  open: boolean;
  handle: () => Promise<Reply>;
}

/** The methods every admin route serves, as the Allow header of a 405 lists them. */
const ALLOW = 'GET, HEAD';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms; false for wildcards (0.0.0.0, ::). */
export function isLoopback(address: string): boolean {
  return LOOPBACK.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
}

export class AdminServer {
  private readonly server: Server;
  private readonly auth: TokenAuth;
  private readonly telemetry: ComponentTelemetry;
  private readonly routes: ReadonlyMap<string, Route>;

  constructor(
    private readonly config: AdminConfig,
    private readonly deps: AdminDeps,
  ) {
    this.auth = new TokenAuth(config.auth);
    this.telemetry = deps.telemetry.component('admin');
    this.routes = new Map<string, Route>([
      ['/healthz', { open: true, handle: async () => text(200, 'ok\n') }],
      ['/readyz', { open: true, handle: () => this.readyz() }],
      ['/metrics', { open: false, handle: async () => ({ status: 200, headers: { 'content-type': deps.telemetry.contentType }, body: await deps.telemetry.exposition() }) }],
      ['/verdicts', { open: false, handle: async () => this.verdicts() }],
      ['/sinks', { open: false, handle: async () => this.sinks() }],
    ]);
    this.server = createServer((request, response) => {
      this.answer(request).then(
        (reply) => send(request, response, reply),
        (error: Error) => send(request, response, text(500, `${error.message}\n`)),
      );
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', (cause: Error) => {
        reject(new BotsieveError(CLI_ERRORS.ERR_ADMIN_LISTEN.code, `cannot listen on ${this.config.host}:${this.config.port} for the admin server (${cause.message}); choose another with --admin-port`, { cause }));
      });
      this.server.listen(this.config.port, this.config.host, () => {
        const { address, port } = this.address();
        const log = this.telemetry.log;
        if (!this.auth.enabled && !isLoopback(address)) {
          log.warn({ host: address, port }, 'the admin server listens beyond loopback without a token: /verdicts and /sinks show client IPs to anyone who reaches it; set admin.auth.token or restrict access with a network policy');
        }
        log.info({ host: address, port, auth: this.auth.enabled }, 'admin listening');
        resolve(port);
      });
    });
  }

  /** The address the server is bound to; only after `listen()` resolved. */
  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** 404 for unknown paths, then 405 for other methods, then 401 without the token. */
  private async answer(request: IncomingMessage): Promise<Reply> {
    const route = this.routes.get((request.url ?? '/').split('?', 1)[0] ?? '/');
    if (route === undefined) return text(404, 'not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return { status: 405, headers: { 'content-type': 'text/plain', allow: ALLOW }, body: 'method not allowed\n' };
    if (!route.open && !this.auth.check(headerValue(request.headers[this.auth.header]))) {
      const code = CLI_ERRORS.ERR_ADMIN_UNAUTHORIZED.code;
      // Counted, not logged: a scan must not flood the log. The header name is no secret.
      this.telemetry.metrics.error(code);
      return json(401, { error: code, message: `missing or wrong token in the ${this.auth.header} header` });
    }
    return route.handle();
  }

  private async readyz(): Promise<Reply> {
    const ready = !this.deps.isDraining() && (await this.deps.bus.healthcheck(1_000));
    return text(ready ? 200 : 503, ready ? 'ready\n' : 'not ready\n');
  }

  private verdicts(): Reply {
    if (this.deps.store === undefined) return text(404, 'no verdict store in this process\n');
    const active = [...this.deps.store.entries()].map((entry) => entry.verdict);
    return json(200, { count: active.length, verdicts: active });
  }

  private sinks(): Reply {
    if (this.deps.sinks === undefined) return text(404, 'no sinks in this process\n');
    return { status: 200, headers: { 'content-type': 'application/json' }, body: `${JSON.stringify(this.deps.sinks(), null, 2)}\n` };
  }
}

function text(status: number, body: string): Reply {
  return { status, headers: { 'content-type': 'text/plain' }, body };
}

function json(status: number, value: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: `${JSON.stringify(value)}\n` };
}

/** '' when absent or sent more than once (node:http gives an array then), so it never matches. */
function headerValue(value: string | string[] | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** HEAD gets the same status and headers as GET, Content-Length included, and no body. */
function send(request: IncomingMessage, response: ServerResponse, reply: Reply): void {
  response.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  if (request.method === 'HEAD') response.end();
  else response.end(reply.body);
}
