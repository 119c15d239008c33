/** Runs the bundled Worker (dist/worker.js) in workerd through Miniflare, reaching loopback only. */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

export const WORKER_PATH = fileURLToPath(new URL('../worker.js', import.meta.url));

export interface EdgeWorker {
  /** One request as Cloudflare would hand it to the Worker: `cf` properties and CF-Connecting-IP set. */
  fetch(path: string, options?: { ip?: string; cf?: Record<string, unknown>; headers?: Record<string, string>; method?: string; body?: string }): Promise<{ status: number; headers: Headers; text: string }>;
  /** This isolate's counters (the stats route). */
  stats(): Promise<{ shipper: Record<string, number> | null; enforcer: Record<string, number | string | null> | null }>;
  dispose(): Promise<void>;
}

export async function startWorker(bindings: Record<string, string>): Promise<EdgeWorker> {
  const statsToken = `Bearer ${randomUUID()}`;
  const mf = new Miniflare({
    modules: true,
    scriptPath: WORKER_PATH,
    compatibilityDate: '2026-04-01',
    bindings: { ...bindings, STATS_TOKEN: statsToken },
    // The Worker's subrequests may reach this machine's loopback and nothing else.
    outboundService: { network: { allow: ['local'], deny: [] } },
  });
  await mf.ready;
  return {
    async fetch(path, options = {}) {
      const headers: Record<string, string> = { 'cf-connecting-ip': options.ip ?? '203.0.113.50', ...options.headers };
      const init: Record<string, unknown> = { method: options.method ?? 'GET', headers, cf: options.cf ?? {} };
      if (options.body !== undefined) init.body = options.body;
      const response = await mf.dispatchFetch(`https://shop.example.com${path}`, init as never);
      return { status: response.status, headers: response.headers as unknown as Headers, text: await response.text() };
    },
    async stats() {
      const response = await mf.dispatchFetch('https://shop.example.com/.well-known/botsieve/edge-stats', { headers: { authorization: statsToken } });
      return (await response.json()) as never;
    },
    dispose: () => mf.dispose(),
  };
}

/** Polls `probe` until it returns true or `timeout_ms` passes; the last result. */
export async function eventually(probe: () => Promise<boolean>, timeout_ms = 8_000, interval_ms = 100): Promise<boolean> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, interval_ms));
  }
}
