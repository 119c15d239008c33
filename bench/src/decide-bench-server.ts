/**
 * Child process of `bench:decide`'s service cases, so the load client's CPU is not the server's.
 *
 * argv: <uws|node|origin-guard|origin-plain> <verdicts>
 * - uws, node: a DecisionServer (uWebSockets.js or node:http) whose replica holds the bench's
 *   verdicts (decide-bench-verdicts.ts), fed by a feed that applies them all at start.
 * - origin-guard: an origin on node:http answering `200 ok`, behind `nodeHttpGuard(OriginGuard)`
 *   with a VerdictReplica of the same verdicts as its source (127.0.0.1 a trusted proxy, so the
 *   guard takes the client address from X-Forwarded-For); origin-plain: the same origin, no guard.
 *   The guard's own time per request (the `protect(req, res)` call) is kept for the parent.
 * IPC: sends {type:'ready', port, startup_ms, implementation}; answers {type:'guard'} with the
 * guard's time per request since the last ask (count, mean, p50, p99 in µs) and {type:'stop'} by exiting.
 */
import { createServer } from 'node:http';
import type { Verdict } from '@botsieve/core';
import { DecisionServer, decideConfigSchema, VerdictReplica, type VerdictFeed } from '@botsieve/decisions';
import { nodeHttpGuard, OriginGuard } from '@botsieve/origin';
import { systemClock, Telemetry } from '@botsieve/runtime';
import { benchVerdicts } from './decide-bench-verdicts.js';

const [mode = 'uws', count = '1000000'] = process.argv.slice(2);
const started = performance.now();
const verdicts = benchVerdicts(Number(count), Date.now());

/** Applies the bench's verdicts at start, then nothing: the replica holds them for the whole run. */
class StaticFeed implements VerdictFeed {
  readonly kind = 'stream' as const;
  constructor(private readonly verdicts: readonly Verdict[]) {}
  async start(apply: (verdict: Verdict) => void): Promise<void> {
    for (const verdict of this.verdicts) apply(verdict);
  }
  lagMs(): number {
    return 0;
  }
  async close(): Promise<void> {}
}

let port: number;
let implementation: string;
let stop: () => Promise<void>;
/** The guard's time per request, µs (grown as needed; reset at each ask). */
let guardTimes = new Float64Array(1 << 20);
let guardCount = 0;

if (mode === 'uws' || mode === 'node') {
  const config = decideConfigSchema.parse({ host: '127.0.0.1', port: 0, http_server: mode === 'uws' ? 'uwebsockets' : 'node', max_verdicts: verdicts.length + 1_000 });
  const replica = new VerdictReplica({ clock: systemClock, max_verdicts: config.max_verdicts });
  const server = new DecisionServer(config, { replica, feed: new StaticFeed(verdicts), telemetry: new Telemetry({ level: 'silent' }), clock: systemClock });
  await server.start();
  port = server.port as number;
  implementation = server.implementation ?? 'none';
  stop = () => server.stop();
} else {
  const replica = new VerdictReplica({ clock: systemClock, max_verdicts: verdicts.length + 1_000 });
  for (const verdict of verdicts) replica.apply(verdict);
  const protect = mode === 'origin-guard' ? nodeHttpGuard(new OriginGuard({ source: replica, address: { trusted_proxies: ['127.0.0.1'] } })) : null;
  const server = createServer((req, res) => {
    if (protect !== null) {
      const before = performance.now();
      const handled = protect(req, res);
      if (guardCount === guardTimes.length) {
        const grown = new Float64Array(guardTimes.length * 2);
        grown.set(guardTimes);
        guardTimes = grown;
      }
      guardTimes[guardCount++] = (performance.now() - before) * 1_000;
      if (handled) return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  implementation = 'node:http';
  stop = async () => {
    server.closeAllConnections();
    server.close();
  };
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'guard') {
    const times = guardTimes.slice(0, guardCount).sort();
    const rank = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] ?? Number.NaN;
    let sum = 0;
    for (const time of times) sum += time;
    guardCount = 0;
    process.send?.({ type: 'guard', count: times.length, mean: sum / times.length, p50: rank(50), p99: rank(99) });
  }
  if (message.type === 'stop') void stop().then(() => process.exit(0));
});
process.send?.({ type: 'ready', port, implementation, startup_ms: performance.now() - started });
