/**
 * The decision loop's pieces for end-to-end tests: `botsieve start` as a user runs it (the real
 * binary, its banner parsed for the ports), an origin on node:http protected by
 * createOriginProtection, and traffic to it: a flood from one public address with people browsing
 * from others interleaved, timed from the flood's first request to its first 403.
 */
import type { ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { EDGE_HEADERS } from '@botsieve/core';
import { createOriginProtection, type OriginProtection } from '@botsieve/origin';
import { waitFor } from './logpush.js';

const BIN = fileURLToPath(new URL('../../../cli/bin/botsieve.js', import.meta.url));

export interface BotsieveProcess {
  child: ChildProcess;
  /** Ports from the banner; undefined for a role that has none. */
  ingestPort: number | undefined;
  decidePort: number | undefined;
  stderr: () => string;
}

/** Runs `botsieve start <args>` and waits for its banner (`expect` says which ports it must show). */
export async function startBotsieve(t: ExecutionContext, args: string[], expect: { ingest: boolean; decide: boolean }, cwd?: string): Promise<BotsieveProcess> {
  const child = spawn(process.execPath, [BIN, 'start', '--admin-port', '0', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`botsieve start ${args.join(' ')} exited with ${code}:\n${stderr}`))));
  exited.catch(() => undefined);
  const ports = await Promise.race([
    waitFor(
      `the start banner of ${args.join(' ')}`,
      () => {
        if (!stderr.includes('stop with Ctrl-C')) return undefined;
        const ingest = /ws:\/\/localhost:(\d+)\/stream/.exec(stderr);
        const decide = /GET http:\/\/localhost:(\d+)\/v1\/verdicts\/stream/.exec(stderr);
        return { ingest: ingest ? Number(ingest[1]) : undefined, decide: decide ? Number(decide[1]) : undefined };
      },
      60_000,
    ),
    exited,
  ]);
  if (expect.ingest && ports.ingest === undefined) throw new Error(`no ingest port in the banner:\n${stderr}`);
  if (expect.decide && ports.decide === undefined) throw new Error(`no decisions port in the banner:\n${stderr}`);
  return { child, ingestPort: ports.ingest, decidePort: ports.decide, stderr: () => stderr };
}

export interface ProtectedOrigin {
  port: number;
  protection: OriginProtection;
  /** performance.now() when the guard first answered a request of that action itself (403 for a challenge or a block). */
  first_enforced: { challenge: number | null; block: number | null };
}

/**
 * An origin answering 200 to everything, protected by createOriginProtection. Requests come from
 * 127.0.0.1, a private address that is never blocked; the origin trusts loopback as its proxy, so
 * the client is the rightmost X-Forwarded-For entry the test sends (the walk from the right).
 * `challenge: 'block'`: this origin has no edge that could challenge, so a challenge is a 403.
 */
export async function startProtectedOrigin(t: ExecutionContext, decidePort: number, ingestPort: number): Promise<ProtectedOrigin> {
  const protection = createOriginProtection({
    decisions: { url: `http://127.0.0.1:${decidePort}`, backoff: { base_ms: 50, max_ms: 500, jitter: 'equal' } },
    // Small batches: a record reaches ingest at most 20 ms after its response ended.
    ingest: { url: `ws://127.0.0.1:${ingestPort}/stream`, batch_max_ms: 20, batch_max_events: 100, backoff: { base_ms: 50, max_ms: 500, jitter: 'equal' } },
    address: { cloudflare: false, trusted_proxies: ['127.0.0.1', '::1'] },
    challenge: 'block',
    // The loop, not the budget, is under test: on a loaded test machine a GC pause or a busy core
    // pushes a decision past the default 1 ms now and then, and the guard rightly fails it open
    // (counted) — which would let a flood request through after its first 403.
    budget_ms: 50,
  });
  t.teardown(() => protection.close(1_000));
  const first_enforced: ProtectedOrigin['first_enforced'] = { challenge: null, block: null };
  const server = createServer((req, res) => {
    if (protection.node(req, res)) {
      const action = req.botsieve?.action;
      if ((action === 'challenge' || action === 'block') && first_enforced[action] === null) first_enforced[action] = performance.now();
      return;
    }
    const asset = /\.(js|css|png)$/.test(req.url ?? '');
    res.setHeader('content-type', asset ? 'application/octet-stream' : 'text/html; charset=utf-8');
    res.end(asset ? 'asset' : '<!doctype html><title>shop</title>');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await waitFor('the origin replica synced with the decision service', () => (protection.ready() ? true : undefined), 30_000);
  return { port: (server.address() as AddressInfo).port, protection, first_enforced };
}

export interface LoopOptions {
  flood_ip: string;
  /** Flood requests per second, to one route. */
  flood_rate_per_s: number;
  /** People, one address each, each loading a page and its three assets every `human_interval_ms`. */
  human_ips: readonly string[];
  human_interval_ms: number;
  /** Give up this long after the flood's first request. */
  timeout_ms: number;
  /** Keep everything running this long after the first 403, so people are also checked once the flood is blocked. */
  after_block_ms: number;
  /**
   * The header carrying each client's address: `x-forwarded-for` (default) for an origin behind a
   * trusted proxy, `cf-connecting-ip` for the edge Worker (what Cloudflare sets).
   */
  client_header?: string;
}

export interface LoopResult {
  /** performance.now() of the flood's first request. */
  started_at: number;
  /** performance.now() of each flood request sent, in order. */
  flood_sent_at: number[];
  /** ms from the flood's first request sent to its first 403 received; null when none came. */
  first_403_ms: number | null;
  /** ms to the first 403 per its `botsieve-action` response header (the edge Worker sets it: `challenge`, `block`). */
  first_403_ms_by_action: Record<string, number>;
  flood_sent: number;
  flood_statuses: Record<number, number>;
  human_sent: number;
  human_statuses: Record<number, number>;
  /** Flood requests sent after its first 403 had arrived and still answered 200 (the block did not hold). */
  flood_passed_after_403: number;
  /** Requests that failed at the socket (counted per side). */
  flood_errors: number;
  human_errors: number;
}

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
const FLOOD_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0 Safari/537.36';
/** The flood asks one URL again and again: a volumetric flood, not a crawl of distinct pages. */
const FLOOD_PATH = '/search?q=shoes';

/** Drives the flood and the people at the origin until the first 403 of the flood (plus `after_block_ms`) or the timeout. */
export async function runLoop(port: number, options: LoopOptions): Promise<LoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const result: LoopResult = { started_at: 0, flood_sent_at: [], first_403_ms: null, first_403_ms_by_action: {}, flood_sent: 0, flood_statuses: {}, human_sent: 0, human_statuses: {}, flood_passed_after_403: 0, flood_errors: 0, human_errors: 0 };
  const inflight = new Set<Promise<void>>();
  let started = -1;
  const send = (ip: string, path: string, flood: boolean, referer?: string) => {
    const headers: Record<string, string> = { [options.client_header ?? 'x-forwarded-for']: ip, 'user-agent': flood ? FLOOD_UA : BROWSER_UA, accept: '*/*' };
    if (referer !== undefined) headers.referer = referer;
    const sentAt = performance.now();
    if (flood) {
      result.flood_sent += 1;
      result.flood_sent_at.push(sentAt);
    }
    else result.human_sent += 1;
    const done = new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
        const status = res.statusCode ?? 0;
        const at = performance.now();
        const counts = flood ? result.flood_statuses : result.human_statuses;
        counts[status] = (counts[status] ?? 0) + 1;
        if (flood && status === 403 && result.first_403_ms === null) result.first_403_ms = at - started;
        const action = res.headers[EDGE_HEADERS.action];
        if (flood && status === 403 && typeof action === 'string' && result.first_403_ms_by_action[action] === undefined) result.first_403_ms_by_action[action] = at - started;
        if (flood && status === 200 && result.first_403_ms !== null && sentAt - started > result.first_403_ms) result.flood_passed_after_403 += 1;
        res.resume();
        res.on('end', resolve);
        res.on('error', resolve);
      });
      req.on('error', () => {
        if (flood) result.flood_errors += 1;
        else result.human_errors += 1;
        resolve();
      });
      req.end();
    });
    inflight.add(done);
    void done.then(() => inflight.delete(done));
  };

  // The flood: a tick every 10 ms sends however many requests the rate owes by now (timers drift).
  started = performance.now();
  result.started_at = started;
  const floodTimer = setInterval(() => {
    const owed = Math.floor(((performance.now() - started) * options.flood_rate_per_s) / 1_000) + 1 - result.flood_sent;
    for (let i = 0; i < owed; i += 1) send(options.flood_ip, FLOOD_PATH, true);
  }, 10);
  send(options.flood_ip, FLOOD_PATH, true);
  // People: a landing page, then pages reached by following a link (the previous page as the
  // Referer), each followed by its assets; a think time of 0.5–1.5 × human_interval_ms between pages.
  let page = 0;
  const humanTimers = options.human_ips.map((ip, index) => {
    let previous: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    const visit = () => {
      page += 1;
      const path = `/products/${page}`;
      send(ip, path, false, previous);
      previous = `http://shop.example${path}`;
      for (const asset of ['/static/app.js', '/static/app.css', `/img/${page}.png`]) send(ip, asset, false, previous);
      timer = setTimeout(visit, Math.round(options.human_interval_ms * (0.5 + Math.random())));
    };
    timer = setTimeout(visit, Math.floor((index * options.human_interval_ms) / options.human_ips.length));
    return () => clearTimeout(timer);
  });

  await waitFor('the first 403 or the timeout', () => (result.first_403_ms !== null || performance.now() - started > options.timeout_ms ? true : undefined), options.timeout_ms + 5_000);
  if (result.first_403_ms !== null) await new Promise((resolve) => setTimeout(resolve, options.after_block_ms));
  clearInterval(floodTimer);
  for (const stop of humanTimers) stop();
  await Promise.all([...inflight]);
  agent.destroy();
  return result;
}

/**
 * Sends `count` requests from `ip` at about 300/s and waits until the origin's replica holds a
 * verdict (challenge or block) for it: the whole loop has run once (topics created, consumer
 * groups assigned, the verdict streamed). Returns the ms from the first request to that verdict.
 */
export async function warmUp(origin: ProtectedOrigin, ip: string, count = 150, timeout_ms = 60_000): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    request({ host: '127.0.0.1', port: origin.port, path: '/warm-up', headers: { 'x-forwarded-for': ip, 'user-agent': FLOOD_UA }, agent }, (res) => res.resume())
      .on('error', () => undefined)
      .end();
    if (i % 3 === 2) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await waitFor(`a verdict for the warm-up address ${ip} at the origin`, () => (origin.protection.replica.decide({ ip }).action === 'allow' ? undefined : true), timeout_ms);
  agent.destroy();
  return performance.now() - started;
}
