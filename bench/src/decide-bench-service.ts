/**
 * `bench:decide`, the service parts (run by decide-bench.ts in a process of their own, or alone:
 * `node bench/dist/decide-bench-service.js`).
 *
 * 1. The decision service under fixed-rate open-loop load (open-loop-client.ts): a DecisionServer
 *    in a child process (decide-bench-server.ts) on uWebSockets.js and on node:http, its replica
 *    holding the bench's verdicts; `GET /v1/decision?ip=…&ua=…&asn=…&ja4=…`, one client in
 *    HIT_EVERY holding a verdict (its IP), the others allowed after five lookups. Beside it, the
 *    transport's bound (`GET /healthz` on the same server: routing and a constant answer) and the
 *    same clients through `RedisVerdictLookup.lookup` (in this process, as an origin would call it)
 *    against a real Redis Cluster (testkit: 3 masters + 3 replicas on loopback) holding the same
 *    verdicts, written by the Redis sink's store (`RedisClusterVerdictStore.writeBatch`).
 * 2. The origin middleware: a node:http origin with `nodeHttpGuard(OriginGuard)` (source: a
 *    VerdictReplica of the same verdicts) against the same origin without it, at the same rates;
 *    and the guard's own time per request, measured inside the server.
 *
 * Environment: BENCH_DECIDE_VERDICTS (default 1,000,000), BENCH_DECIDE_RATES (req/s, default
 * 5000,10000,20000,30000,50000), BENCH_ORIGIN_RATES (default 5000,10000,20000), BENCH_SECONDS
 * (per measured run, default 4, after a 1 s warm-up at the same rate), BENCH_REDIS_VERDICTS (the first
 * that many of the verdicts written to Redis; default all), BENCH_REDIS=off, BENCH_DECIDE_PARTS=middleware
 * (only part 2).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import type { DecisionClient } from '@botsieve/decisions';
import { RedisClusterVerdictStore, RedisVerdictLookup, redisClusterConfigSchema } from '@botsieve/sinks';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import { startRedisCluster } from '@botsieve/testkit';
import { allowClient, benchVerdicts, hitClients } from './decide-bench-verdicts.js';
import { at, getRequest, HttpTarget, runOpenLoop, type LoadTarget, type OpenLoopResult } from './open-loop-client.js';

const VERDICTS = Number(process.env.BENCH_DECIDE_VERDICTS ?? 1_000_000);
/** Verdicts written to Redis: the sink's store writes ~10–50 k/s here, so a run may ask for fewer (GET cost does not depend on the count). */
const REDIS_VERDICTS = Number(process.env.BENCH_REDIS_VERDICTS ?? VERDICTS);
const RATES = (process.env.BENCH_DECIDE_RATES ?? '5000,10000,20000,30000,50000').split(',').map(Number);
const ORIGIN_RATES = (process.env.BENCH_ORIGIN_RATES ?? '5000,10000,20000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const WARMUP_SECONDS = 1;
const CONNECTIONS = 8;
const CLIENTS = 4_096;
const HIT_EVERY = 10;

interface Row {
  name: string;
  result: OpenLoopResult;
  note: string;
}

const progress = (text: string): void => void process.stderr.write(`  ${text}\n`);
const load = (): string => loadavg().map((value) => value.toFixed(1)).join(' ');

/** The clients of the mix: request `i` is hit client `i` when `i % HIT_EVERY === HIT_EVERY - 1`. */
function clientMix(): DecisionClient[] {
  // From the verdicts Redis holds too, so a hit is a hit on every path.
  const hits = hitClients(benchVerdicts(VERDICTS, Date.now()).slice(0, Math.min(VERDICTS, REDIS_VERDICTS)), CLIENTS);
  return Array.from({ length: CLIENTS }, (_, i) => (i % HIT_EVERY === HIT_EVERY - 1 ? (hits[i] as DecisionClient) : allowClient(i)));
}

function decisionPath(client: DecisionClient): string {
  let path = `/v1/decision?ip=${encodeURIComponent(client.ip)}`;
  if (client.user_agent) path += `&ua=${encodeURIComponent(client.user_agent)}`;
  if (client.asn !== null && client.asn !== undefined) path += `&asn=${client.asn}`;
  if (client.ja4) path += `&ja4=${encodeURIComponent(client.ja4)}`;
  return path;
}

async function startChild(mode: string): Promise<{ child: ChildProcess; port: number; implementation: string; startup_ms: number }> {
  const child = fork(new URL('./decide-bench-server.js', import.meta.url), [mode, String(VERDICTS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=4096'] });
  const ready = await new Promise<{ port: number; implementation: string; startup_ms: number }>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`bench server (${mode}) exited with ${code}`)));
  });
  return { child, ...ready };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (message: T) => resolve(message));
    child.send({ type });
  });
}

/** A warm-up at the rate, then the measured run. */
async function measure(name: string, target: LoadTarget, rate: number, note = ''): Promise<Row> {
  await runOpenLoop(target, rate, WARMUP_SECONDS);
  const result = await runOpenLoop(target, rate, SECONDS);
  progress(`${name} @ ${rate}/s: p50 ${ms(at(result.latencies, 50))}, p99 ${ms(at(result.latencies, 99))} (load ${load()})`);
  return { name, result, note };
}

type Started = Awaited<ReturnType<typeof startChild>> & { mode: string; label: string };

async function startLabelled(mode: string, label: string): Promise<Started> {
  const started = await startChild(mode);
  progress(`${label}: ${started.implementation}, ready after ${(started.startup_ms / 1_000).toFixed(1)} s`);
  return { ...started, mode, label };
}

/** One rate against one started server: fresh connections, warm-up, measured run (and the guard's own time). */
async function httpRun(server: Started, set: { name: string; requests: Buffer[] }, rate: number): Promise<Row> {
  const target = new HttpTarget(server.port, set.requests, CONNECTIONS);
  await target.ready();
  try {
    if (server.mode === 'origin-guard') await ask(server.child, 'guard');
    const row = await measure(`${server.label} · ${set.name}`, target, rate);
    if (server.mode !== 'origin-guard') return row;
    const guard = await ask<{ mean: number; p50: number; p99: number }>(server.child, 'guard');
    return { ...row, note: `guard ${guard.p50.toFixed(1)}/${guard.p99.toFixed(1)} µs p50/p99 in-process` };
  } finally {
    target.close();
  }
}

/** Runs the ladder of rates against one HTTP server, for each request set. */
async function httpCases(mode: string, label: string, sets: { name: string; requests: Buffer[] }[], rates: number[], rows: Row[]): Promise<void> {
  const server = await startLabelled(mode, label);
  try {
    for (const set of sets) for (const rate of rates) rows.push(await httpRun(server, set, rate));
  } finally {
    await stopChild(server.child);
  }
}

/** The origin without and with the guard, both running, alternating at each rate so a slow spell of the shared machine hits both. */
async function middlewareCases(requests: Buffer[], rates: number[], rows: Row[]): Promise<void> {
  const plain = await startLabelled('origin-plain', 'origin node:http, no guard');
  const guarded = await startLabelled('origin-guard', 'origin node:http + OriginGuard');
  const set = { name: 'GET /', requests };
  try {
    for (const rate of rates) {
      rows.push(await httpRun(plain, set, rate));
      rows.push(await httpRun(guarded, set, rate));
    }
  } finally {
    await stopChild(plain.child);
    await stopChild(guarded.child);
  }
}

/** RedisVerdictLookup.lookup as a LoadTarget: one lookup per request, in this process. */
class LookupTarget implements LoadTarget {
  constructor(private readonly lookup: RedisVerdictLookup, private readonly clients: readonly DecisionClient[]) {}
  send(index: number, done: (index: number, status: number) => void): void {
    this.lookup.lookup(this.clients[index % this.clients.length] as DecisionClient).then(
      () => done(index, 200),
      () => done(index, 0), // ERR_SINK_UNAVAILABLE: no reply within lookup_timeout_ms
    );
  }
  flush(): void {}
}

async function redisCases(clients: DecisionClient[], rows: Row[]): Promise<void> {
  const cluster = await startRedisCluster();
  try {
    const config = redisClusterConfigSchema.parse({ nodes: [...cluster.startupNodes], key_prefix: 'bench-decide:' });
    const store = new RedisClusterVerdictStore(config, { telemetry: nullTelemetry().component('sink.redis-cluster'), clock: systemClock });
    await store.connect();
    const verdicts = benchVerdicts(VERDICTS, Date.now()).slice(0, REDIS_VERDICTS);
    const started = performance.now();
    for (let i = 0; i < verdicts.length; i += 1_000 * 4) {
      await Promise.all([0, 1, 2, 3].map((part) => store.writeBatch(verdicts.slice(i + part * 1_000, i + (part + 1) * 1_000))));
    }
    progress(`redis: ${verdicts.length.toLocaleString('en')} verdicts written by the sink's store in ${((performance.now() - started) / 1_000).toFixed(1)} s`);
    await store.close();
    const lookup = new RedisVerdictLookup(config, { clock: systemClock });
    await lookup.connect();
    try {
      for (let i = 0; i < HIT_EVERY * 4; i++) {
        const { action } = await lookup.lookup(clients[i] as DecisionClient);
        if ((i % HIT_EVERY === HIT_EVERY - 1) !== (action !== 'allow')) throw new Error(`redis lookup of client ${i} answered ${action}`);
      }
      for (const rate of RATES) rows.push(await measure('RedisVerdictLookup.lookup (in-process, Redis Cluster)', new LookupTarget(lookup, clients), rate));
    } finally {
      await lookup.close();
    }
  } finally {
    await cluster.stop();
  }
}

function ms(value: number): string {
  if (value === Infinity) return 'lost';
  return value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(0)} ms`;
}

function table(rows: Row[]): string {
  const header = ['case', 'rate', 'achieved', 'p50', 'p99', 'p99.9', 'max', 'sent→answer p99', 'not 200', ''];
  const body = rows.map(({ name, result, note }) => [
    name,
    result.rate.toLocaleString('en'),
    Math.round(result.achieved).toLocaleString('en'),
    ms(at(result.latencies, 50)),
    ms(at(result.latencies, 99)),
    ms(at(result.latencies, 99.9)),
    ms(at(result.latencies, 100)),
    ms(at(result.service, 99)),
    [...result.statuses].map(([status, count]) => `${count} ${status === 0 ? 'failed' : `× ${status}`}`).join(', ') + (result.answered < result.sent ? ` ${result.sent - result.answered} unanswered` : ''),
    note,
  ]);
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((cells) => (cells[column] as string).length)));
  const format = (cells: string[]): string => cells.map((cell, column) => (column === 0 || column >= cells.length - 2 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join('  ').trimEnd();
  return [format(header), widths.map((width) => '─'.repeat(width)).join('  '), ...body.map(format)].join('\n');
}

function highest(rows: Row[], prefix: string): string {
  const passing = rows.filter((row) => row.name.startsWith(prefix) && at(row.result.latencies, 99) < 1).map((row) => row.result.rate);
  return passing.length === 0 ? 'none of the rates' : `${Math.max(...passing).toLocaleString('en')} req/s`;
}

async function main(): Promise<void> {
  const clients = clientMix();
  const decisions = clients.map((client) => getRequest(decisionPath(client)));
  const healthz = [getRequest('/healthz')];
  const origin = clients.map((client) => getRequest('/', { 'user-agent': client.user_agent ?? '', 'x-forwarded-for': client.ip }));
  console.log(`\nbench:decide under open-loop load: node ${process.version}, ${availableParallelism()} CPUs (shared with other engineers' work), load average at start ${load()}`);
  console.log(`${VERDICTS.toLocaleString('en')} verdicts; 1 in ${HIT_EVERY} requests from a client whose IP holds one; ${CONNECTIONS} keep-alive connections (pipelined when a request is due before the previous answer); ${SECONDS} s per rate after ${WARMUP_SECONDS} s of warm-up\n`);
  // BENCH_DECIDE_PARTS=middleware: only the origin's cases.
  if (process.env.BENCH_DECIDE_PARTS !== 'middleware') {
    const service: Row[] = [];
    const sets = [
      { name: 'GET /v1/decision', requests: decisions },
      { name: 'GET /healthz (transport bound)', requests: healthz },
    ];
    await httpCases('uws', 'DecisionServer uWS', sets, RATES, service);
    await httpCases('node', 'DecisionServer node:http', sets, RATES, service);
    if (process.env.BENCH_REDIS !== 'off') await redisCases(clients, service);
    console.log(table(service));
    console.log(`\nlatency = scheduled send → answer (open loop: queueing, and the client's own lag on this shared machine, are counted); sent→answer = from the actual write.`);
    console.log(`highest rate of the ladder with p99 < 1 ms: uWS ${highest(service, 'DecisionServer uWS · GET /v1')}, node:http ${highest(service, 'DecisionServer node:http · GET /v1')}, Redis ${highest(service, 'Redis')}`);
    console.log(`load average at the end ${load()}\n`);

  }
  const middleware: Row[] = [];
  await middlewareCases(origin, ORIGIN_RATES, middleware);
  console.log(table(middleware));
  for (const rate of ORIGIN_RATES) {
    const plain = middleware.find((row) => row.result.rate === rate && !row.name.includes('Guard'));
    const guarded = middleware.find((row) => row.result.rate === rate && row.name.includes('Guard'));
    if (plain === undefined || guarded === undefined) continue;
    const delta = (p: number) => `${((at(guarded.result.latencies, p) - at(plain.result.latencies, p)) * 1_000).toFixed(0)} µs`;
    console.log(`added by the guard at ${rate.toLocaleString('en')} req/s: p50 ${delta(50)}, p99 ${delta(99)}`);
  }
  console.log(`(1 in ${HIT_EVERY} requests is a client the guard blocks: 403 from the guard, 200 from the plain origin; load average at the end ${load()})`);
}

await main();
