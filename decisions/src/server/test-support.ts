/**
 * Helpers of the decision-server tests: a server on a free port with a feed the test controls,
 * verdicts, and a stream reader over a real socket.
 */
import { request } from 'node:http';
import type { Verdict } from '@botsieve/core';
import { Telemetry, loadUws, systemClock } from '@botsieve/runtime';
import { VerdictReplica } from '../replica.js';
import type { VerdictFeed } from '../types.js';
import { decideConfigSchema } from './config.js';
import { DecisionServer } from './decision-server.js';

export type TransportChoice = 'node' | 'uwebsockets';

/** The transports to test here: node:http always, uWS where a build loads. */
export async function transports(): Promise<TransportChoice[]> {
  return (await loadUws()).uws === null ? ['node'] : ['node', 'uwebsockets'];
}

/** A feed whose start() resolves when the test says. */
export class ControlledFeed implements VerdictFeed {
  readonly kind = 'stream' as const;
  closed = false;
  private release: (() => void) | undefined;
  private readonly started = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  constructor(private readonly initial: Verdict[] = [], autoStart = true) {
    if (autoStart) this.finish();
  }

  async start(apply: (verdict: Verdict) => void): Promise<void> {
    for (const verdict of this.initial) apply(verdict);
    await this.started;
  }

  finish(): void {
    this.release?.();
  }

  lagMs(): number {
    return 0;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export function verdict(subject: string, action: Verdict['action'] = 'block', ttl_ms = 600_000): Verdict {
  const decided_at = Date.now();
  return { id: `v-${subject}-${decided_at}-${Math.random()}`, subject: subject as Verdict['subject'], action, score: action === 'block' ? 3 : 20, ttl_ms, decided_at, detectors: [{ id: 'volumetric', score: 0.9, evidence: {} }] } as Verdict;
}

export interface Started {
  server: DecisionServer;
  replica: VerdictReplica;
  feed: ControlledFeed;
  telemetry: Telemetry;
  base: string;
}

export async function startServer(transport: TransportChoice, config: Record<string, unknown> = {}, feed = new ControlledFeed(), replica = new VerdictReplica({ clock: systemClock })): Promise<Started> {
  const telemetry = new Telemetry({ level: 'silent' });
  const server = new DecisionServer(decideConfigSchema.parse({ host: '127.0.0.1', port: 0, http_server: transport, ...config }), { replica, feed, telemetry, clock: systemClock });
  const started = server.start();
  // start() resolves once the feed did; the port is known before.
  while (server.port === null) await new Promise((resolve) => setTimeout(resolve, 5));
  void started.catch(() => undefined);
  return { server, replica, feed, telemetry, base: `http://127.0.0.1:${server.port}` };
}

/** Reads an NDJSON stream line by line over a real socket. */
export class StreamReader {
  readonly lines: Array<Record<string, unknown>> = [];
  status = 0;
  ended = false;
  closedEarly = false;
  private readonly req: ReturnType<typeof request>;

  constructor(url: string, headers: Record<string, string> = {}) {
    let rest = '';
    this.req = request(url, { headers }, (res) => {
      this.status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        rest += chunk;
        let newline = rest.indexOf('\n');
        while (newline !== -1) {
          this.lines.push(JSON.parse(rest.slice(0, newline)) as Record<string, unknown>);
          rest = rest.slice(newline + 1);
          newline = rest.indexOf('\n');
        }
      });
      res.on('end', () => {
        this.ended = true;
      });
      res.on('error', () => {
        this.closedEarly = true;
      });
    });
    this.req.on('error', () => {
      this.closedEarly = true;
    });
    this.req.end();
  }

  ofType(type: string): Array<Record<string, unknown>> {
    return this.lines.filter((line) => line.type === type);
  }

  close(): void {
    this.req.destroy();
  }
}
