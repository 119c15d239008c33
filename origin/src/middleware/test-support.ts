/**
 * Helpers of the middleware tests: verdicts, the three frameworks on loopback with the guard in
 * front of an application that echoes `req.botsieve`, and a request helper over real sockets.
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Verdict, VerdictAction } from '@botsieve/core';
import express from 'express';
import Fastify from 'fastify';
import { expressGuard, fastifyGuard, nodeHttpGuard } from './adapters.js';
import type { OriginGuard } from './origin-guard.js';

export function verdict(subject: string, action: VerdictAction, ttl_ms = 60_000): Verdict {
  return { id: `v-${subject}-${action}`, subject: subject as Verdict['subject'], action, score: 5, ttl_ms, decided_at: Date.now(), detectors: [{ id: 'test-detector', score: 5, evidence: {} }] };
}

export type Framework = 'node:http' | 'express' | 'fastify';
export const FRAMEWORKS: readonly Framework[] = ['node:http', 'express', 'fastify'];

export interface Served {
  port: number;
  close(): Promise<void>;
}

function echo(req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify({ botsieve: req.botsieve ?? null });
  res.setHeader('content-type', 'application/json');
  res.end(body);
}

/** The guard in front of an application answering 200 with `{"botsieve": req.botsieve}`. */
export async function serve(framework: Framework, guard: OriginGuard): Promise<Served> {
  if (framework === 'fastify') {
    const app = Fastify();
    await app.register(fastifyGuard(guard) as never);
    app.get('/*', async (request, reply) => reply.send({ botsieve: (request as unknown as { botsieve: unknown }).botsieve, raw: request.raw.botsieve === (request as unknown as { botsieve: unknown }).botsieve }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
  }
  const handler =
    framework === 'express'
      ? (() => {
          const app = express();
          app.use(expressGuard(guard));
          app.use((req, res) => echo(req, res));
          return app;
        })()
      : (() => {
          const protect = nodeHttpGuard(guard);
          return (req: IncomingMessage, res: ServerResponse) => {
            if (protect(req, res)) return;
            echo(req, res);
          };
        })();
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  botsieve: Record<string, unknown> | null;
}

export function get(port: number, headers: Record<string, string | string[]> = {}, path = '/page?x=1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let botsieve: Record<string, unknown> | null = null;
        try {
          botsieve = (JSON.parse(text) as { botsieve: Record<string, unknown> | null }).botsieve;
        } catch {
          // a guard answer (text)
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, botsieve });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Spends `ms` of CPU synchronously (a slow decision source). */
export function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}
