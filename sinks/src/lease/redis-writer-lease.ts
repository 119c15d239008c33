/**
 * The writer lease on a Redis Cluster, through the same ioredis Cluster options as the
 * redis-cluster sink: `SET key token NX PX ttl` to acquire; renew and release are Lua
 * compare-and-sets on the token, so a holder whose lease lapsed and was taken can neither extend
 * nor delete the new holder's key.
 *
 * Redis replicates asynchronously: a grant only the master has could be lost in a failover, and a
 * peer could then acquire the key while this process still counts on it. So a grant counts only
 * once `sinks.redis_cluster.wait_for_replicas` replicas confirmed it (Redis `WAIT`, as the
 * redis-cluster sink does for its batches): an acquire or renewal that is not confirmed in time
 * throws, like an unreachable store, and changes nothing here: the previous grant, itself
 * confirmed, still ends by the clock, and the next attempt finds our token and extends it. With
 * `wait_for_replicas: 0`, or a master that lost its replicas, a failover right after a grant can
 * still let a peer in; Cloudflare's refusal (429) of a second pending bulk operation is the
 * backstop there.
 */
import { Cluster } from 'ioredis';
import type { Clock, Logger } from '@botsieve/core';
import { sinkError } from '../errors.js';
import { clusterOptions, connectCluster, parseNodeAddress, quitCluster } from '../redis-cluster/cluster-client.js';
import type { RedisClusterConfig } from '../redis-cluster/config.js';
import { waitForReplicas } from '../redis-cluster/replication.js';
import { TimedLease, type LeaseTiming } from './writer-lease.js';

/** KEYS[1] lease key; ARGV[1] token, ARGV[2] ttl ms. 1 when extended. */
export const RENEW_LEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** KEYS[1] lease key; ARGV[1] token. 1 when deleted. */
export const RELEASE_LEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

interface LeaseCluster extends Cluster {
  renewLease(key: string, token: string, ttl_ms: number): Promise<number>;
  releaseLease(key: string, token: string): Promise<number>;
}

export class RedisWriterLease extends TimedLease {
  readonly backend = 'redis' as const;
  private readonly client: LeaseCluster;
  /** How long a grant may wait for its replicas: within one renew interval, under the command timeout. */
  private readonly wait_ms: number;

  constructor(
    key: string,
    holder: string,
    timing: LeaseTiming,
    clock: Clock,
    private readonly config: RedisClusterConfig,
    private readonly log: Logger,
  ) {
    super(key, holder, timing, clock);
    const options = clusterOptions(config, 'write');
    const commandTimeout = Math.min(config.command_timeout_ms, Math.max(100, Math.floor(timing.ttl_ms / 3)));
    this.wait_ms = Math.max(1, Math.min(config.wait_timeout_ms, Math.floor(commandTimeout / 2)));
    this.client = new Cluster(config.nodes.map(parseNodeAddress), {
      ...options,
      // One command per renewal: nothing to pipeline, and a renewal must not wait behind others.
      enableAutoPipelining: false,
      // A renewal slower than the renew interval is worth nothing: fail it and try the next.
      redisOptions: { ...options.redisOptions, commandTimeout },
      scripts: { renewLease: { lua: RENEW_LEASE_LUA, numberOfKeys: 1 }, releaseLease: { lua: RELEASE_LEASE_LUA, numberOfKeys: 1 } },
    }) as LeaseCluster;
  }

  async connect(): Promise<void> {
    if (this.client.status === 'ready') return;
    await connectCluster(this.client, this.config.connect_timeout_ms, this.log);
    // Errors after connecting surface as failed commands; the event alone would crash the process.
    this.client.on('error', (error: unknown) => this.log.debug({ err: error }, 'writer lease redis client error'));
  }

  async close(): Promise<void> {
    await quitCluster(this.client, 1_000);
  }

  protected async setIfAbsent(token: string, ttl_ms: number): Promise<{ set: boolean; current: string | undefined }> {
    const reply = await this.client.set(this.key, token, 'PX', ttl_ms, 'NX');
    if (reply === 'OK') {
      await this.replicated('acquire');
      return { set: true, current: token };
    }
    // Who holds it, for the status (and to recognise our own token); racy, which is harmless.
    return { set: false, current: (await this.client.get(this.key)) ?? undefined };
  }

  protected async extendIfHeld(token: string, ttl_ms: number): Promise<boolean> {
    if ((await this.client.renewLease(this.key, token, ttl_ms)) !== 1) return false;
    await this.replicated('renewal');
    return true;
  }

  protected async deleteIfHeld(token: string): Promise<boolean> {
    return (await this.client.releaseLease(this.key, token)) === 1;
  }

  /** Throws unless the replicas confirmed what this connection wrote (see the file header). */
  private async replicated(what: string): Promise<void> {
    const short = await waitForReplicas(this.client, this.config.wait_for_replicas, this.wait_ms);
    if (short.length > 0) throw sinkError('ERR_SINK_UNAVAILABLE', `writer lease ${what} not confirmed by a replica of ${short.join(', ')} within ${this.wait_ms} ms; not counted on`);
  }
}
