/**
 * Helpers the Redis Cluster tests share: verdict builders, a sink on a test cluster, a plain
 * client to look behind the sink's back (SCAN, PTTL, raw values), and one cluster per test file.
 */
import type { ExecutionContext, TestFn } from 'ava';
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { Clock, SubjectKey, Verdict, VerdictAction } from '@botsieve/core';
import { nullTelemetry, systemClock, type Telemetry } from '@botsieve/runtime';
import { startRedisCluster, type TestRedisCluster } from '@botsieve/testkit';
import { redisClusterConfigSchema, type RedisClusterConfig } from './config.js';
import { parseNodeAddress } from './cluster-client.js';
import { RedisClusterVerdictStore } from './redis-cluster.js';
import { RedisVerdictLookup } from './verdict-lookup.js';
import { decodeStoredVerdict, verdictKey, type StoredVerdict } from './verdict-record.js';

export { until } from '@botsieve/testkit';

export function verdict(subject: SubjectKey, action: VerdictAction, decided_at: number, ttl_ms = 600_000): Verdict {
  return { id: `${subject}/${action}/${decided_at}/${ttl_ms}`, subject, action, score: action === 'block' ? 5 : 25, ttl_ms, decided_at, detectors: [{ id: 'volumetric', score: 5, evidence: { requests: 100 } }] };
}

/** A config on `cluster` with a key prefix no other test uses. */
export function testConfig(cluster: TestRedisCluster, overrides: Partial<RedisClusterConfig> = {}): RedisClusterConfig {
  return redisClusterConfigSchema.parse({ nodes: [...cluster.startupNodes], key_prefix: `t${randomBytes(4).toString('hex')}:`, connect_timeout_ms: 10_000, ...overrides });
}

/** A connected store, closed when the test ends (pass or fail, so no connection outlives it). */
export async function connectedStore(t: ExecutionContext, config: RedisClusterConfig, clock: Clock = systemClock, telemetry: Telemetry = nullTelemetry()) {
  const store = new RedisClusterVerdictStore(config, { telemetry: telemetry.component('sink.redis-cluster'), clock });
  t.teardown(() => store.close());
  await store.connect();
  return { store, telemetry };
}

export async function connectedLookup(t: ExecutionContext, config: RedisClusterConfig, clock: Clock = systemClock): Promise<RedisVerdictLookup> {
  const lookup = new RedisVerdictLookup(config, { clock });
  t.teardown(() => lookup.close());
  await lookup.connect();
  return lookup;
}

/** A plain ioredis client for inspecting what the sink wrote. */
export class Inspector {
  readonly client: Cluster;

  constructor(cluster: TestRedisCluster) {
    this.client = new Cluster(cluster.startupNodes.map(parseNodeAddress), { enableAutoPipelining: true });
    this.client.on('error', () => {});
  }

  /** Waits for the slot map (the client connects on its own). */
  async ready(): Promise<this> {
    if (this.client.status !== 'ready') await new Promise((resolve) => this.client.once('ready', resolve));
    return this;
  }

  async stored(config: RedisClusterConfig, subject: string): Promise<StoredVerdict | undefined> {
    const value = await this.client.get(verdictKey(config.key_prefix, subject));
    return value === null ? undefined : decodeStoredVerdict(value);
  }

  pttl(config: RedisClusterConfig, subject: string): Promise<number> {
    return this.client.pttl(verdictKey(config.key_prefix, subject));
  }

  pexpiretime(config: RedisClusterConfig, subject: string): Promise<number> {
    return this.client.call('PEXPIRETIME', verdictKey(config.key_prefix, subject)) as Promise<number>;
  }

  /** Subjects with a key under `config.key_prefix`, over every master. */
  async subjects(config: RedisClusterConfig): Promise<string[]> {
    const pattern = `${config.key_prefix}v:*`;
    const subjects: string[] = [];
    for (const node of this.client.nodes('master')) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
        cursor = next;
        // `<prefix>v:{<subject>}`: the subject starts after the brace, where the pattern's `*` stands.
        for (const key of keys) subjects.push(key.slice(pattern.length, -1));
      } while (cursor !== '0');
    }
    return subjects;
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}

/** The Redis cluster a test file shares, started before its tests and stopped after them, with an Inspector on it. */
export class SharedCluster {
  private started: { cluster: TestRedisCluster; inspect: Inspector } | undefined;

  get cluster(): TestRedisCluster {
    return this.running().cluster;
  }

  get inspect(): Inspector {
    return this.running().inspect;
  }

  async start(): Promise<void> {
    const cluster = await startRedisCluster();
    this.started = { cluster, inspect: await new Inspector(cluster).ready() };
  }

  async stop(): Promise<void> {
    await this.started?.inspect.close();
    await this.started?.cluster.stop();
  }

  private running(): { cluster: TestRedisCluster; inspect: Inspector } {
    if (this.started === undefined) throw new Error('the shared Redis cluster is not started (use it inside tests)');
    return this.started;
  }
}

/** Registers the before/after hooks of a SharedCluster on `test`. */
export function useSharedCluster(test: TestFn): SharedCluster {
  const shared = new SharedCluster();
  test.before(() => shared.start());
  test.after.always(() => shared.stop());
  return shared;
}

/** The pid of the replica of the master serving `key` (to freeze it with `frozen`). */
export async function replicaPidOf(cluster: TestRedisCluster, key: string): Promise<number> {
  const master = await cluster.masterOf(key);
  const topology = await cluster.topology();
  const masterId = topology.find((node) => node.port === master.port)?.id;
  const replica = topology.find((node) => node.role === 'replica' && node.master_id === masterId && !node.failed);
  if (replica === undefined) throw new Error(`no live replica for ${master.port}`);
  const info = String(await cluster.command(replica, 'INFO', 'server'));
  return Number(/process_id:(\d+)/.exec(info)?.[1]);
}

/** Runs `body` with process `pid` stopped (SIGSTOP), and lets it run again after. */
export async function frozen<T>(pid: number, body: () => Promise<T>): Promise<T> {
  process.kill(pid, 'SIGSTOP');
  try {
    return await body();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}
