/**
 * The decision fast path: `npm run bench:decide` (`node --expose-gc bench/dist/decide-bench.js`);
 * then the service under load (decide-bench-service.ts; BENCH_DECIDE_SERVICE=off skips it).
 *
 * 10,000 and 1 M active verdicts (70 % ip, 15 % prefix, 5 % each asn, ja4 and ua), then ns per `decide()` on
 * the three paths a request takes: allow (a client no verdict covers: the common case), hit (a
 * client whose IP holds a block) and exempt (Googlebot from its published range, inside a blocked
 * ASN). Beside it, measured in the same run:
 * - `keyed map`: what one would write first (the replica's first version): a Map of `kind:value`
 *   keys, the client's keys spelled per call with template strings (clientSubjects), a new
 *   Decision per hit; the same exemption check.
 * - `one Map.get`: the physical bound, a single Map.get of a prebuilt key on a 1 M-entry map.
 * Then bytes allocated per call (new-space growth over chunks of calls no scavenge ran in), and the cost of an apply into
 * a full replica (the first version scanned every entry to evict one).
 *
 * Client strings are prebuilt and reused, so V8 has cached their hashes; a request's fresh
 * User-Agent string costs one hash of its characters on top (the same for every variant).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { getHeapSpaceStatistics } from 'node:v8';
import { ACTION_RANK, type Clock, type SubjectKey, type Verdict } from '@botsieve/core';
import { clientSubjects, VerdictReplica, type Decision, type DecisionClient } from '@botsieve/decisions';
import { ClientExemption } from '@botsieve/runtime';
import { allowClient, benchVerdicts, GOOGLEBOT, hitClients, HOSTING_ASN, ipv4 } from './decide-bench-verdicts.js';

const ACTIVE = 1_000_000;
/** The small case: a replica of the first 10,000 verdicts (+ the hosting ASN). */
const SMALL = 10_000;
const RUNS = 5;
const CALLS = 300_000;
const CLIENTS = 4_096; // a power of two: `i & MASK` picks a client
const MASK = CLIENTS - 1;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const clock: Clock = { now: () => Date.now() };
const now = Date.now();
let sink = 0;

/** The replica's first version, as a user would write it: `kind:value` keys spelled per call. */
class KeyedMapReplica {
  readonly entries = new Map<string, { verdict: Verdict; expires_at: number; rank: number }>();
  constructor(private readonly exemption: ClientExemption, private readonly max: number) {}

  apply(verdict: Verdict): void {
    const expires_at = verdict.decided_at + verdict.ttl_ms;
    const rank = ACTION_RANK[verdict.action];
    const held = this.entries.get(verdict.subject);
    if (held !== undefined && (held.rank > rank || (held.rank === rank && held.expires_at >= expires_at))) return;
    if (held === undefined && this.entries.size >= this.max) this.evictOne();
    this.entries.set(verdict.subject, { verdict, expires_at, rank });
  }

  decide(client: DecisionClient): Decision {
    const exemption = this.exemption.check(client);
    if (exemption !== null) return { action: 'allow', score: 99, subject: null, reasons: [exemption.name === '' ? exemption.reason : `${exemption.reason}:${exemption.name}`], expires_at: 0, exemption };
    const time = clock.now();
    let best: { verdict: Verdict; expires_at: number; rank: number } | undefined;
    for (const subject of clientSubjects(client)) {
      const entry = this.entries.get(subject);
      if (entry !== undefined && entry.expires_at > time && (best === undefined || entry.rank > best.rank)) best = entry;
    }
    if (best === undefined) return { action: 'allow', score: 99, subject: null, reasons: [], expires_at: 0, exemption: null };
    const { verdict } = best;
    return { action: verdict.action, score: verdict.score, subject: verdict.subject, reasons: verdict.detectors.map((finding) => finding.id), expires_at: best.expires_at, exemption: null };
  }

  private evictOne(): void {
    let victim: string | undefined;
    let weakest: { expires_at: number; rank: number } | undefined;
    for (const [subject, entry] of this.entries) {
      if (weakest === undefined || entry.rank < weakest.rank || (entry.rank === weakest.rank && entry.expires_at < weakest.expires_at)) {
        weakest = entry;
        victim = subject;
      }
    }
    if (victim !== undefined) this.entries.delete(victim);
  }
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1] as number;
}

/** Median ns per call of RUNS runs of CALLS calls, after a warm-up run. */
function time(body: (calls: number) => void): number {
  body(CALLS);
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    body(CALLS);
    samples.push(Number(process.hrtime.bigint() - start) / CALLS);
  }
  return median(samples);
}

function newSpaceUsed(): number {
  for (const space of getHeapSpaceStatistics()) if (space.space_name === 'new_space') return space.space_used_size;
  throw new Error('no new_space in the heap statistics');
}

/**
 * Bytes allocated per call: growth of V8's new space (where every short-lived object is
 * allocated) over chunks of 1,000 calls, median of the chunks no scavenge ran in (the new space
 * did not shrink), minus the same for an empty loop (the statistics call allocates its own result).
 */
function bytesPerCall(body: (calls: number) => void): number {
  const chunk = 1_000;
  const measure = (run: (calls: number) => void): number => {
    const samples: number[] = [];
    for (let attempt = 0; attempt < 400 && samples.length < 31; attempt++) {
      const before = newSpaceUsed();
      run(chunk);
      const after = newSpaceUsed();
      if (after >= before) samples.push(after - before);
    }
    if (samples.length === 0) throw new Error('a scavenge ran in every chunk');
    return median(samples);
  };
  body(chunk);
  const empty = measure(() => undefined);
  return Math.max(0, (measure(body) - empty) / chunk);
}

const exemption = new ClientExemption();
const verdicts = benchVerdicts(ACTIVE, now);

// Clients: allow (public addresses and values no verdict holds), hit (an IP holding a verdict), exempt.
const allow: DecisionClient[] = [];
const allowHigh: DecisionClient[] = [];
const allowMapped: DecisionClient[] = [];
const allowV6: DecisionClient[] = [];
const exempt: DecisionClient[] = [];
for (let i = 0; i < CLIENTS; i++) {
  allow.push(allowClient(i));
  allowHigh.push({ ...(allow[i] as DecisionClient), ip: ipv4(0xc8000000 + i * 7_919) });
  allowMapped.push({ ...(allow[i] as DecisionClient), ip: `::ffff:${ipv4(0x50000000 + i * 7_919)}` });
  allowV6.push({ ...(allow[i] as DecisionClient), ip: `2a00:1450:${(i >>> 8).toString(16)}:${(i & 255).toString(16)}::${(i % 7) + 1}` });
  exempt.push({ ip: `66.249.${64 + (i % 3)}.${i & 255}`, asn: HOSTING_ASN, user_agent: GOOGLEBOT });
}

type Row = { path: string; replica: number; keyed: number; bound: number; replicaBytes: number; keyedBytes: number };
interface Measured {
  size: number;
  rows: Row[];
  exemptionAlone: number;
  replicaBytes: number;
  keyedBytes: number;
}

/** The table for a replica (and a keyed map) holding `set`: every path, its bound, bytes per call, heap. */
function measure(set: readonly Verdict[]): Measured {
  gc!();
  let heap = process.memoryUsage().heapUsed;
  const replica = new VerdictReplica({ clock, exemption, max_verdicts: set.length + 1_000 });
  for (const verdict of set) replica.apply(verdict);
  gc!();
  const replicaBytes = process.memoryUsage().heapUsed - heap;
  heap = process.memoryUsage().heapUsed;
  const keyed = new KeyedMapReplica(exemption, set.length + 1_000);
  for (const verdict of set) keyed.apply(verdict);
  gc!();
  const keyedBytes = process.memoryUsage().heapUsed - heap;
  const hit = hitClients(set, CLIENTS);
  const step = Math.max(1, Math.floor(keyed.entries.size / CLIENTS));
  const keys = [...keyed.entries.keys()].filter((_, i) => i % step === 0).slice(0, CLIENTS);

  for (const [name, clients, expected] of [['allow', allow, 'allow'], ['allow', allowHigh, 'allow'], ['allow', allowMapped, 'allow'], ['allow', allowV6, 'allow'], ['hit', hit, 'hit'], ['exempt', exempt, 'allow']] as const) {
    for (const client of clients) {
      const decision = replica.decide(client);
      const old = keyed.decide(client);
      const ok = expected === 'hit' ? decision.action !== 'allow' : decision.action === 'allow';
      if (!ok || decision.action !== old.action || (name === 'exempt') !== (decision.exemption !== null)) throw new Error(`${name} client ${JSON.stringify(client)} decided ${decision.action}, keyed map ${old.action}`);
    }
  }

  const rows: Row[] = [];
  const mapGet = (calls: number) => {
    for (let i = 0; i < calls; i++) if (keyed.entries.get(keys[i & (keys.length - 1)] as string) !== undefined) sink += 1;
  };
  const bound = time(mapGet);
  const exemptionAlone = time((calls) => {
    for (let i = 0; i < calls; i++) if (exemption.check(allow[i & MASK] as DecisionClient) === null) sink += 1;
  });
  for (const [path, clients] of [['allow (no verdict)', allow], ['allow, IPv4 of 200.0.0.0 and up', allowHigh], ['allow, IPv4-mapped (::ffff:a.b.c.d)', allowMapped], ['allow, IPv6', allowV6], ['hit (ip block)', hit], ['exempt (Googlebot in a blocked ASN)', exempt]] as const) {
    const viaReplica = (calls: number) => {
      for (let i = 0; i < calls; i++) sink += replica.decide(clients[i & MASK] as DecisionClient).score;
    };
    const viaKeyed = (calls: number) => {
      for (let i = 0; i < calls; i++) sink += keyed.decide(clients[i & MASK] as DecisionClient).score;
    };
    rows.push({ path, replica: time(viaReplica), keyed: time(viaKeyed), bound, replicaBytes: bytesPerCall(viaReplica), keyedBytes: bytesPerCall(viaKeyed) });
  }
  return { size: replica.size, rows, exemptionAlone, replicaBytes, keyedBytes };
}

// 1 M first, as before the 10 k case was added: the two share measure()'s optimised code.
const tables = [measure(verdicts), measure([...verdicts.slice(0, SMALL), verdicts[ACTIVE] as Verdict])];

// Apply into a full replica: every insert evicts. The keyed map scans all 1 M entries per eviction, so it gets 20 inserts.
const fullApply = (target: { apply(verdict: Verdict): unknown }, count: number, from: number): number => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) target.apply({ ...(verdicts[i] as Verdict), id: `n${from + i}`, subject: `ip:${ipv4(0x60000000 + from + i)}` as SubjectKey, action: 'block', ttl_ms: 7_200_000 + i });
  return Number(process.hrtime.bigint() - start) / count;
};
const full = new VerdictReplica({ clock, exemption, max_verdicts: ACTIVE });
for (let i = 0; i < ACTIVE; i++) full.apply(verdicts[i] as Verdict);
const replicaApply = fullApply(full, 100_000, 0);
const keyedFull = new KeyedMapReplica(exemption, ACTIVE);
for (let i = 0; i < ACTIVE; i++) keyedFull.apply(verdicts[i] as Verdict);
const keyedApply = fullApply(keyedFull, 20, 0);

console.log(`node ${process.version}, median of ${RUNS} runs of ${CALLS.toLocaleString('en')} calls, load average ${loadavg().map((load) => load.toFixed(1)).join(' ')}`);
for (const table of tables) {
  console.log(`\n${`decide(), ${table.size.toLocaleString('en')} verdicts`.padEnd(38)} ${'replica'.padStart(10)} ${'keyed map'.padStart(10)} ${'one Map.get'.padStart(12)} ${'B/call replica'.padStart(15)} ${'B/call keyed'.padStart(13)}`);
  for (const row of table.rows) {
    console.log(`${row.path.padEnd(38)} ${`${row.replica.toFixed(0)} ns`.padStart(10)} ${`${row.keyed.toFixed(0)} ns`.padStart(10)} ${`${row.bound.toFixed(0)} ns`.padStart(12)} ${row.replicaBytes.toFixed(1).padStart(15)} ${row.keyedBytes.toFixed(1).padStart(13)}`);
  }
  console.log(`of which the exemption check (ClientExemption.check, allow clients)  ${table.exemptionAlone.toFixed(0)} ns`);
  console.log(`heap for the verdicts (verdict objects shared)  replica ${(table.replicaBytes / 1048576).toFixed(1)} MiB, keyed map ${(table.keyedBytes / 1048576).toFixed(1)} MiB`);
}
console.log(`\napply into a full replica of ${ACTIVE.toLocaleString('en')} (evicts one)  replica ${replicaApply.toFixed(0)} ns, keyed map ${(keyedApply / 1e6).toFixed(1)} ms`);
if (sink === 42) console.log('');

// The service parts (decide-bench-service.ts) in a process of their own: this one's heap stays out of their way.
if (process.env.BENCH_DECIDE_SERVICE !== 'off') {
  const service = fork(new URL('./decide-bench-service.js', import.meta.url), [], { stdio: 'inherit' });
  const [code] = (await once(service, 'exit')) as [number | null];
  if (code !== 0) process.exitCode = code ?? 1;
}
