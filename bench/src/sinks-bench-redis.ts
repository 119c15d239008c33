/**
 * The Redis Cluster cases of `bench:sinks`: write throughput beside what a user would write and
 * the bound, and the time from verdict on the topic to readable in Redis through the sink runtime.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import type { Verdict } from '@botsieve/core';
import { busConfigSchema, EmbeddedBus } from '@botsieve/bus';
import { decodeVerdictRecord, RedisClusterVerdictStore, redisClusterConfigSchema, SinkService, sinksConfigSchema } from '@botsieve/sinks';
import { encodeStoredVerdict, verdictKey } from '@botsieve/sinks';
import type { TestRedisCluster } from '@botsieve/testkit';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import { benchIp, benchVerdict, fmt, percentiles, produceRange, produceSteadily, progress, TimedSink, until, verdictIndex, type Percentiles } from './sinks-bench-support.js';

const execFileAsync = promisify(execFile);
/** The sink runtime's default batch (`sinks.max_batch_records`). */
const BATCH = sinksConfigSchema.parse({}).max_batch_records;

export interface ThroughputResult {
  verdicts: number;
  value_bytes: number;
  sink: number;
  naive: number;
  pipelined_set: number;
  redis_benchmark: number;
  stored: { sink: number; naive: number };
}

function parseNode(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}

async function plainCluster(cluster: TestRedisCluster): Promise<Cluster> {
  const client = new Cluster(cluster.startupNodes.map(parseNode), { enableAutoPipelining: true });
  client.on('error', () => undefined);
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}

function newStore(cluster: TestRedisCluster, key_prefix: string): RedisClusterVerdictStore {
  const config = redisClusterConfigSchema.parse({ nodes: [...cluster.startupNodes], key_prefix });
  return new RedisClusterVerdictStore(config, { telemetry: nullTelemetry().component('sink.redis-cluster'), clock: systemClock });
}

/** Keys under `prefix` over every master (SCAN), to check each case stored what it claims. */
async function countKeys(client: Cluster, prefix: string): Promise<number> {
  let count = 0;
  for (const node of client.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
  }
  return count;
}

/** Runs `write` on consecutive batches of `BATCH`, one in flight (as one sink consumer does); returns items/s. */
async function batched<T>(items: readonly T[], write: (batch: readonly T[]) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < items.length; i += BATCH) await write(items.slice(i, i + BATCH));
  return items.length / ((performance.now() - started) / 1_000);
}

/**
 * Four interleaved rounds of `total / 4` distinct verdicts each (sink, SET, bound, then again),
 * reporting each case's best round: the machine is shared, and interleaving keeps a slow spell
 * from landing on one case only. Warm-up first (JIT, the Lua script loaded on every master) under
 * keys not counted.
 */
export async function redisThroughput(cluster: TestRedisCluster, total: number): Promise<ThroughputResult> {
  const rounds = 4;
  const perRound = Math.ceil(total / rounds);
  const decided_at = Date.now();
  const verdicts = Array.from({ length: total }, (_, i) => benchVerdict(i, decided_at));
  const warmup = Array.from({ length: BATCH }, (_, i) => benchVerdict(total + i, decided_at));
  const value_bytes = Buffer.byteLength(encodeStoredVerdict(verdicts[0] as Verdict, decided_at + 3_600_000));
  // The bound: SET of precomputed keys and a value of the sink's value size, nothing encoded per write.
  const value = 'x'.repeat(value_bytes);
  const boundKeys = verdicts.map((verdict) => `bench-bound:${verdict.subject}`);
  const client = await plainCluster(cluster);
  // What a user would write: SET key json PX ttl, last writer wins.
  const naiveKey = (verdict: Verdict) => `bench-naive:verdict:${verdict.subject}`;
  const naiveWrite = (batch: readonly Verdict[]) => Promise.all(batch.map((verdict) => client.set(naiveKey(verdict), JSON.stringify(verdict), 'PX', verdict.ttl_ms)));
  const warmStore = newStore(cluster, 'bench-warmup:');
  // The sink: Lua compare-and-set per verdict (EVALSHA), auto-pipelined per master.
  const store = newStore(cluster, 'bench-sink:');
  try {
    await warmStore.connect();
    await warmStore.writeBatch(warmup);
    await Promise.all(warmup.map((verdict) => client.set(`bench-warmup-naive:${verdict.subject}`, JSON.stringify(verdict), 'PX', verdict.ttl_ms)));
    await store.connect();
    const best = { sink: 0, naive: 0, pipelined_set: 0 };
    for (let round = 0; round < rounds; round++) {
      const from = round * perRound;
      const to = Math.min(total, from + perRound);
      const sink = await batched(verdicts.slice(from, to), (batch) => store.writeBatch(batch));
      const naive = await batched(verdicts.slice(from, to), naiveWrite);
      const pipelined_set = await batched(boundKeys.slice(from, to), (batch) => Promise.all(batch.map((key) => client.set(key, value))));
      progress(`redis round ${round + 1}/${rounds}: sink ${fmt(sink)}, SET ${fmt(naive)}, bound ${fmt(pipelined_set)} writes/s`);
      best.sink = Math.max(best.sink, sink);
      best.naive = Math.max(best.naive, naive);
      best.pipelined_set = Math.max(best.pipelined_set, pipelined_set);
    }
    const stored = { sink: await countKeys(client, 'bench-sink:'), naive: await countKeys(client, 'bench-naive:') };
    const redis_benchmark = await redisBenchmark(cluster, total, value_bytes);
    progress(`redis-benchmark: ${fmt(redis_benchmark)} SET/s`);
    return { verdicts: total, value_bytes, ...best, redis_benchmark, stored };
  } finally {
    await warmStore.close();
    await store.close();
    client.disconnect();
  }
}

/**
 * The servers' own bound: `redis-benchmark --cluster` (C client) SETs of the same value size,
 * 3 connections (one per master) pipelining 1,000 commands, random keys.
 */
async function redisBenchmark(cluster: TestRedisCluster, total: number, value_bytes: number): Promise<number> {
  const { host, port } = parseNode(cluster.startupNodes[0] as string);
  const args = ['--cluster', '-h', host, '-p', String(port), '-t', 'set', '-n', String(total), '-d', String(value_bytes), '-r', '100000000', '-c', '3', '-P', '1000', '--csv'];
  const { stdout } = await execFileAsync('redis-benchmark', args, { timeout: 120_000 });
  const last = stdout.trim().split('\n').pop() ?? '';
  return Number(last.split(',')[1]?.replaceAll('"', ''));
}

export interface LatencyResult {
  verdicts: number;
  /** Seal → the sink's writeBatch resolved, per verdict (ms). */
  written: Percentiles;
  /** Seal → first GET that found the key, for sampled verdicts (ms, polled every `poll_ms`). */
  sampled: Percentiles;
  poll_ms: number;
  /** Sampled keys read right after their write resolved: found / read. */
  confirmed: number;
  checked: number;
  seconds: number;
}

/**
 * Verdicts through EmbeddedBus → SinkService → (timed) Redis sink. `produce` puts verdicts
 * `0…total-1` on the topic and reports each seal. One verdict in `sample_every` also has a reader
 * polling GET from its seal until the key appears, and is read once more right after its write
 * resolved (it must be there).
 */
export async function redisLatency(
  cluster: TestRedisCluster,
  options: { key_prefix: string; total: number; sample_every: number; poll_ms: number; produce: 'steady' | 'burst'; rate?: number },
): Promise<LatencyResult> {
  const { total, sample_every, poll_ms } = options;
  const sealedAt = new Float64Array(total).fill(Number.NaN);
  const writtenAt = new Float64Array(total).fill(Number.NaN);
  const sampled: number[] = [];
  const reader = await plainCluster(cluster);
  const checks: Promise<boolean>[] = [];
  const keyOf = (i: number) => verdictKey(options.key_prefix, `ip:${benchIp(i)}`);
  let written = 0;
  const store = new TimedSink(newStore(cluster, options.key_prefix), (verdicts, at) => {
    for (const verdict of verdicts) {
      const i = verdictIndex(verdict);
      writtenAt[i] = at;
      if (i % sample_every === 0) checks.push(reader.get(keyOf(i)).then((value) => value !== null));
    }
    written += verdicts.length;
  });
  const telemetry = nullTelemetry();
  const bus = new EmbeddedBus(busConfigSchema.parse({}), telemetry);
  const defaults = sinksConfigSchema.parse({});
  const service = new SinkService<Verdict>(bus, store, { group_id: 'bench-redis', topic: bus.topics.verdicts, decode: decodeVerdictRecord, max_batch_records: defaults.max_batch_records, maintain_interval_ms: defaults.maintain_interval_ms }, { telemetry, clock: systemClock });
  const producer = bus.producer();
  const pollers: Promise<void>[] = [];
  const poll = async (i: number) => {
    while ((await reader.get(keyOf(i))) === null) await sleep(poll_ms);
    sampled.push(performance.now() - (sealedAt[i] as number));
  };
  const sealed = (i: number) => {
    sealedAt[i] = performance.now();
    if (i % sample_every === 0) pollers.push(poll(i));
  };
  const decided_at = Date.now();
  const started = performance.now();
  try {
    await producer.connect();
    await service.start();
    if (options.produce === 'steady') await produceSteadily(producer, bus.topics.verdicts, { total, rate: options.rate ?? 5_000, tick_ms: 10, make: (i) => benchVerdict(i, decided_at), sealed });
    else await produceRange(producer, bus.topics.verdicts, 0, total, (i) => benchVerdict(i, decided_at), sealed);
    await until('every verdict written to Redis', () => written >= total, 60_000);
    await Promise.all(pollers);
    const results = await Promise.all(checks);
    const latencies = writtenAt.map((at, i) => at - (sealedAt[i] as number));
    return { verdicts: total, written: percentiles(latencies), sampled: percentiles(sampled), poll_ms, confirmed: results.filter(Boolean).length, checked: results.length, seconds: (performance.now() - started) / 1_000 };
  } finally {
    await service.close();
    await producer.close();
    await bus.close();
    reader.disconnect();
  }
}
