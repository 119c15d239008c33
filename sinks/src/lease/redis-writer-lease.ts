/**
 * The writer lease on a Redis Cluster, through the same ioredis Cluster options as the
 * redis-cluster sink: `SET key token NX PX ttl` to acquire; renew and release are Lua
 * compare-and-sets on the token, so a holder whose lease lapsed and was taken can neither extend
 * nor delete the new holder's key.
 *
 * Known limit: Redis replicates asynchronously. A master failover within the replication lag of
 * an acquire can lose the key, and a peer may then acquire it while the holder still counts on
 * its own grant (at most `ttl_ms - margin`). The holder's next renewal fails the compare-and-set
 * and it stops; meanwhile Cloudflare itself refuses a second pending bulk operation (429).
 */
import { Cluster } from 'ioredis';
import type { Clock, Logger } from '@botsieve/core';
import { clusterOptions, connectCluster, parseNodeAddress, quitCluster } from '../redis-cluster/cluster-client.js';
import type { RedisClusterConfig } from '../redis-cluster/config.js';
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
    this.client = new Cluster(config.nodes.map(parseNodeAddress), {
      ...options,
      // One command per renewal: nothing to pipeline, and a renewal must not wait behind others.
      enableAutoPipelining: false,
      // A renewal slower than the renew interval is worth nothing: fail it and try the next.
      redisOptions: { ...options.redisOptions, commandTimeout: Math.min(config.command_timeout_ms, Math.max(100, Math.floor(timing.ttl_ms / 3))) },
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
    if (reply === 'OK') return { set: true, current: token };
    // Who holds it, for the status (and to recognise our own token); racy, which is harmless.
    return { set: false, current: (await this.client.get(this.key)) ?? undefined };
  }

  protected async extendIfHeld(token: string, ttl_ms: number): Promise<boolean> {
    return (await this.client.renewLease(this.key, token, ttl_ms)) === 1;
  }

  protected async deleteIfHeld(token: string): Promise<boolean> {
    return (await this.client.releaseLease(this.key, token)) === 1;
  }
}
