/**
 * The ioredis Cluster client both the sink and the lookup use: options from the config, the
 * verdict script registered once, a bounded connect, a health probe, and a bounded quit.
 */
import { Cluster, type ClusterOptions } from 'ioredis';
import type { Logger } from '@botsieve/core';
import { sinkError } from '../errors.js';
import type { RedisClusterConfig } from './config.js';
import { PUT_VERDICT_LUA } from './verdict-record.js';

/** A Cluster with the verdict compare-and-set registered (`defineCommand`: EVALSHA, EVAL on NOSCRIPT). */
export interface VerdictCluster extends Cluster {
  putVerdict(key: string, rank: number, expires_at: number, now: number, value: string): Promise<number>;
}

/** Makes a (not yet connected) client; tests inject their own to wrap or break it. */
export type VerdictClusterFactory = (config: RedisClusterConfig, role: 'write' | 'read') => VerdictCluster;

export function parseNodeAddress(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(text.slice(colon + 1)) };
}

export function clusterOptions(config: RedisClusterConfig, role: 'write' | 'read'): ClusterOptions {
  return {
    lazyConnect: true,
    // Commands issued in the same tick go out as one pipeline per node: a batch of N verdicts
    // costs one round trip per master, not N.
    enableAutoPipelining: true,
    maxRedirections: config.max_redirections,
    retryDelayOnFailover: config.retry_delay_on_failover_ms,
    retryDelayOnClusterDown: config.retry_delay_on_cluster_down_ms,
    retryDelayOnTryAgain: config.retry_delay_on_cluster_down_ms,
    slotsRefreshInterval: config.slots_refresh_interval_ms,
    scaleReads: role === 'read' && config.read_from_replicas ? 'slave' : 'master',
    // With TLS, keep host names as given so certificates match (ioredis would resolve them to IPs).
    ...(config.tls ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
    redisOptions: {
      ...(config.username === undefined ? {} : { username: config.username }),
      ...(config.password === undefined ? {} : { password: config.password }),
      ...(config.tls ? { tls: {} } : {}),
      commandTimeout: config.command_timeout_ms,
      connectTimeout: config.connect_timeout_ms,
    },
    scripts: { putVerdict: { lua: PUT_VERDICT_LUA, numberOfKeys: 1 } },
  };
}

export const createVerdictCluster: VerdictClusterFactory = (config, role) =>
  new Cluster(config.nodes.map(parseNodeAddress), clusterOptions(config, role)) as VerdictCluster;

/**
 * Connects and waits for `ready` (slot map loaded and `CLUSTER INFO` says ok), at most
 * `timeout_ms`. ioredis keeps retrying unreachable startup nodes by itself meanwhile, so a cluster
 * that is still forming is waited for rather than failed at the first refusal.
 */
export async function connectCluster(cluster: Cluster, timeout_ms: number, log: Logger): Promise<void> {
  let lastError: unknown;
  const onError = (error: unknown) => {
    lastError = error;
  };
  cluster.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      cluster.once('ready', resolve);
      timer = setTimeout(() => reject(new Error(`not ready after ${timeout_ms} ms`)), timeout_ms);
      cluster.connect().catch(onError);
    });
  } catch (timeout) {
    cluster.on('error', () => {}); // abandoned: its late errors interest no one
    cluster.disconnect();
    log.warn({ err: lastError }, 'redis cluster not ready');
    throw sinkError('ERR_SINK_CONNECT', `redis cluster not ready within ${timeout_ms} ms: ${errorMessage(lastError ?? timeout)}`, { cause: lastError ?? timeout });
  } finally {
    clearTimeout(timer);
    cluster.off('error', onError);
  }
}

/** True when the client is ready and every master answers PING. */
export async function pingMasters(cluster: Cluster): Promise<boolean> {
  if (cluster.status !== 'ready') return false;
  const masters = cluster.nodes('master');
  if (masters.length === 0) return false;
  try {
    const replies = await Promise.all(masters.map((node) => node.ping()));
    return replies.every((reply) => reply === 'PONG');
  } catch {
    return false;
  }
}

/**
 * Re-reads the slot map now, waiting at most `timeout_ms`. Called after failed commands, before
 * the runtime retries them: ioredis does not follow MOVED when one auto-pipeline gets different
 * MOVED replies (one per slot) after a failover or resharding (redis/ioredis#2075), nor refresh
 * its map then, so without this the retry would go to the same stale address.
 */
export async function refreshSlots(cluster: Cluster, timeout_ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeout_ms);
    cluster.refreshSlotsCache(() => resolve());
  });
  clearTimeout(timer);
}

/** QUIT on every node (replies to earlier commands arrive first), cut short after `timeout_ms`. */
export async function quitCluster(cluster: Cluster, timeout_ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([cluster.quit().catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout_ms)))]);
  } finally {
    clearTimeout(timer);
    if (cluster.status !== 'end') cluster.disconnect();
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
