/**
 * The edge half of the decision loop for end-to-end tests: the bundled Worker (@botsieve/edge-worker's
 * dist/worker.js, the file that is deployed) in workerd through Miniflare, listening on a loopback
 * port like a Cloudflare location would, in front of a plain origin; and a follower of the decision
 * service's verdict stream that notes when each verdict arrived there.
 */
import type { ExecutionContext } from 'ava';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

/** The bundle `wrangler deploy` and Terraform upload. */
export const WORKER_BUNDLE = fileURLToPath(import.meta.resolve('@botsieve/edge-worker'));

export interface EdgeWorker {
  /** workerd's loopback port: requests to it reach the Worker, with `cf-connecting-ip` as the client sent it. */
  port: number;
  /** The isolate's counters (the Worker's stats route). */
  stats(): Promise<{ shipper: Record<string, number> | null; enforcer: Record<string, number | string | null> | null }>;
}

/**
 * Runs the bundle with `bindings` (the Worker's vars), its subrequests allowed to loopback only.
 * Every request gets the same `cf` object, without `botManagement` or `asn`: a zone without Bot
 * Management, where the Worker enforces `ip:` and `prefix:` verdicts (README, "Edge enforcement").
 * Miniflare runs one isolate, so the test sees one buffer, one verdict set and one refresh clock.
 */
export async function startEdgeWorker(t: ExecutionContext, bindings: Record<string, string>): Promise<EdgeWorker> {
  const statsToken = `Bearer ${randomUUID()}`;
  const mf = new Miniflare({
    modules: true,
    scriptPath: WORKER_BUNDLE,
    // Module names are paths relative to this root, which must hold the script: workerd refuses a
    // `..` out of it, and the default root is the working directory (test/).
    modulesRoot: dirname(WORKER_BUNDLE),
    compatibilityDate: '2026-04-01',
    bindings: { ...bindings, STATS_TOKEN: statsToken },
    cf: { country: 'US', httpProtocol: 'HTTP/1.1' },
    host: '127.0.0.1',
    port: 0,
    outboundService: { network: { allow: ['local'], deny: [] } },
  });
  t.teardown(() => mf.dispose());
  const url = await mf.ready;
  return {
    port: Number(url.port),
    async stats() {
      const response = await mf.dispatchFetch('https://shop.example.com/.well-known/botsieve/edge-stats', { headers: { authorization: statsToken } });
      return (await response.json()) as never;
    },
  };
}

/** An origin answering 200 to everything, with no middleware: the Worker in front is its only protection. */
export async function startPlainOrigin(t: ExecutionContext): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    const asset = /\.(js|css|png)$/.test(req.url ?? '');
    res.setHeader('content-type', asset ? 'application/octet-stream' : 'text/html; charset=utf-8');
    res.end(asset ? 'asset' : '<!doctype html><title>shop</title>');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

export interface ArrivedVerdict {
  subject: string;
  action: string;
  /** The verdict's own `decided_at` (the detector's wall clock, ms since the epoch). */
  decided_at: number;
  /** performance.now() when its line reached this follower. */
  arrived_at: number;
}

/**
 * Follows `GET /v1/verdicts/stream` (follow=1, block and challenge) and notes every upsert as it
 * arrives: when a verdict reached the decision service, give or take one loopback hop.
 */
export async function followVerdicts(t: ExecutionContext, decidePort: number): Promise<{ verdicts: ArrivedVerdict[] }> {
  const verdicts: ArrivedVerdict[] = [];
  const abort = new AbortController();
  const response = await fetch(`http://127.0.0.1:${decidePort}/v1/verdicts/stream?actions=block,challenge`, { signal: abort.signal });
  if (!response.ok || response.body === null) throw new Error(`verdict stream: HTTP ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let synced = false;
  let markSynced: () => void = () => {};
  const syncedOnce = new Promise<void>((resolve) => (markSynced = resolve));
  const done = (async () => {
    let pending = '';
    for (;;) {
      const { done: ended, value } = await reader.read();
      if (ended) return;
      const at = performance.now();
      pending += decoder.decode(value, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        const message = JSON.parse(line) as { type: string; verdict?: { subject: string; action: string; decided_at: number } };
        if (message.type === 'synced' && !synced) {
          synced = true;
          markSynced();
        }
        if (message.type === 'upsert' && synced && message.verdict !== undefined) {
          verdicts.push({ subject: message.verdict.subject, action: message.verdict.action, decided_at: message.verdict.decided_at, arrived_at: at });
        }
      }
    }
  })().catch(() => undefined);
  t.teardown(async () => {
    abort.abort();
    await done;
  });
  await syncedOnce;
  return { verdicts };
}
