/**
 * Admin HTTP endpoints every role serves (the ingest tier serves its own on its port too):
 * `/healthz` (process up), `/readyz` (bus reachable and not draining), `/metrics` (Prometheus
 * text), `/verdicts` (active verdicts in the embedded store, for operators and the Quick start),
 * `/sinks` (each sink's progress, failures and lag; the Cloudflare lists' state).
 * Plain node:http: this is not a hot path.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BotsieveError, type Bus } from '@botsieve/core';
import type { Telemetry } from '@botsieve/runtime';
import type { MemoryVerdictStore, SinkSetStatus } from '@botsieve/sinks';
import { CLI_ERRORS } from './errors.js';

export interface AdminDeps {
  telemetry: Telemetry;
  bus: Bus;
  store: MemoryVerdictStore | undefined;
  /** The sinks' status; undefined in processes without the sink role. */
  sinks: (() => SinkSetStatus) | undefined;
  isDraining: () => boolean;
}

export class AdminServer {
  private readonly server: Server;

  constructor(
    private readonly config: { host: string; port: number },
    private readonly deps: AdminDeps,
  ) {
    this.server = createServer((request, response) => {
      this.route(request.url ?? '/').then(
        ({ status, type, body }) => response.writeHead(status, { 'content-type': type }).end(body),
        (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
      );
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', (cause: Error) => {
        reject(new BotsieveError(CLI_ERRORS.ERR_ADMIN_LISTEN.code, `cannot listen on ${this.config.host}:${this.config.port} for the admin server (${cause.message}); choose another with --admin-port`, { cause }));
      });
      this.server.listen(this.config.port, this.config.host, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async route(url: string): Promise<{ status: number; type: string; body: string }> {
    const path = url.split('?', 1)[0];
    switch (path) {
      case '/healthz':
        return { status: 200, type: 'text/plain', body: 'ok\n' };
      case '/readyz': {
        const ready = !this.deps.isDraining() && (await this.deps.bus.healthcheck(1_000));
        return { status: ready ? 200 : 503, type: 'text/plain', body: ready ? 'ready\n' : 'not ready\n' };
      }
      case '/metrics':
        return { status: 200, type: this.deps.telemetry.contentType, body: await this.deps.telemetry.exposition() };
      case '/verdicts': {
        if (this.deps.store === undefined) return { status: 404, type: 'text/plain', body: 'no verdict store in this process\n' };
        const active = [...this.deps.store.entries()].map((entry) => entry.verdict);
        return { status: 200, type: 'application/json', body: `${JSON.stringify({ count: active.length, verdicts: active })}\n` };
      }
      case '/sinks': {
        if (this.deps.sinks === undefined) return { status: 404, type: 'text/plain', body: 'no sinks in this process\n' };
        return { status: 200, type: 'application/json', body: `${JSON.stringify(this.deps.sinks(), null, 2)}\n` };
      }
      default:
        return { status: 404, type: 'text/plain', body: 'not found\n' };
    }
  }
}
