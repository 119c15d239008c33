/**
 * Active verdicts by subject in a Redis Cluster, for origins to look up (RedisVerdictLookup) and
 * for every process to share, where MemoryVerdictStore is one process's copy.
 *
 * Key layout: one string per subject, `<key_prefix>v:{<subject>}` (the subject is the hash tag),
 * holding `<rank>|<expires_at>|<verdict JSON>` (see verdict-record.ts). No index or set per key
 * kind: a lookup reads the few keys of one client's subjects directly.
 *
 * Replacement rule, exactly MemoryVerdictStore's `replaces()`: a stronger action replaces a weaker
 * one; at equal strength the verdict expiring later wins; never the reverse; an expired verdict is
 * always replaced; the same verdict twice changes nothing. It runs as a Lua compare-and-set
 * (`defineCommand`, so EVALSHA with EVAL on NOSCRIPT) on the key's master, atomic against any
 * other writer, so concurrent sinks and redelivered batches converge on the same value in any order.
 *
 * Why PEXPIREAT: Redis drops a verdict at `decided_at + ttl_ms`, an absolute time. A retried or
 * redelivered write sets the same deadline again; a relative PEXPIRE would restart the TTL at each
 * redelivery and keep a verdict alive longer than the detector decided. A verdict already expired
 * when it arrives (replay of old events, a long outage) is skipped and counted `discarded{expired}`.
 *
 * Writes of a batch go out at once and ioredis auto-pipelines them, one pipeline per master per
 * tick. Each verdict's command succeeds or fails on its own: failures are mapped to a
 * PartialWriteError (write-outcome.ts) so the runtime retries only the verdicts not stored. The
 * client rides through a failover by itself (MOVED, CLUSTERDOWN and closed connections are
 * retried up to `max_redirections` within `command_timeout_ms`); what it cannot ride through is
 * handed back to the runtime as retryable, after re-reading the slot map: ioredis does not follow
 * MOVED for an auto-pipeline whose commands were moved from different slots (redis/ioredis#2075),
 * so without the refresh a retry after a failover could go to the dead master's address forever.
 *
 * Durability: Redis replicates asynchronously, so a write a master acknowledged an instant before
 * dying could be missing on the replica that replaces it. The sink therefore acknowledges a batch
 * only after `wait_for_replicas` replicas of each master confirmed it (WAIT, replication.ts); a
 * verdict lost anyway (a master and its replicas gone together) is re-issued when the detector
 * sees the subject again.
 */
import { ACTION_RANK, BotsieveError, verdictProblem, type Clock, type RejectedItem, type Sink, type Verdict } from '@botsieve/core';
import type { ComponentTelemetry } from '@botsieve/runtime';
import { SINK_ERRORS, sinkError } from '../errors.js';
import { connectCluster, createVerdictCluster, pingMasters, quitCluster, refreshSlots, type VerdictCluster, type VerdictClusterFactory } from './cluster-client.js';
import type { RedisClusterConfig } from './config.js';
import { encodeStoredVerdict, verdictKey } from './verdict-record.js';
import { waitForReplicas } from './replication.js';
import { batchFailure, settleWithin } from './write-outcome.js';

/** Nodes in the client's pool, by `kind` (`master`, `replica`): a failover shows as a dip. */
export const SINK_REDIS_NODES = 'botsieve_sink_redis_nodes';

export interface RedisClusterVerdictStoreDependencies {
  telemetry: ComponentTelemetry;
  /** Decides what has expired; the wall clock in production (verdicts carry event time). */
  clock: Clock;
  /** Makes the client; defaults to a real ioredis Cluster. */
  cluster?: VerdictClusterFactory;
}

export class RedisClusterVerdictStore implements Sink<Verdict> {
  readonly id = 'redis-cluster';
  private cluster: VerdictCluster | undefined = undefined;
  private connecting: Promise<void> | undefined = undefined;
  private closed = false;
  private readonly inflight = new Set<Promise<void>>();
  private readonly telemetry: ComponentTelemetry;
  private readonly clock: Clock;
  private readonly makeCluster: VerdictClusterFactory;

  constructor(
    private readonly config: RedisClusterConfig,
    dependencies: RedisClusterVerdictStoreDependencies,
  ) {
    this.telemetry = dependencies.telemetry;
    this.clock = dependencies.clock;
    this.makeCluster = dependencies.cluster ?? createVerdictCluster;
  }

  /** Connects once; concurrent calls share the attempt, a failed attempt can be retried. */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new BotsieveError(SINK_ERRORS.ERR_SINK_CLOSED.code, 'redis-cluster sink is closed'));
    if (this.cluster !== undefined) return Promise.resolve();
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    if (this.config.nodes.length === 0) throw new BotsieveError(SINK_ERRORS.ERR_SINK_CONFIG.code, 'redis-cluster sink has no nodes configured');
    const cluster = this.makeCluster(this.config, 'write');
    await connectCluster(cluster, this.config.connect_timeout_ms, this.telemetry.log);
    this.watch(cluster);
    this.cluster = cluster;
    this.telemetry.log.info({ nodes: cluster.nodes('all').length, masters: cluster.nodes('master').length }, 'redis cluster ready');
  }

  async writeBatch(verdicts: readonly Verdict[]): Promise<void> {
    const cluster = this.cluster;
    if (cluster === undefined || this.closed) throw new BotsieveError(SINK_ERRORS.ERR_SINK_CLOSED.code, 'redis-cluster sink is not connected');
    const write = this.write(cluster, verdicts);
    this.inflight.add(write);
    try {
      await write;
    } finally {
      this.inflight.delete(write);
    }
  }

  async healthcheck(): Promise<boolean> {
    return this.cluster !== undefined && !this.closed && (await pingMasters(this.cluster));
  }

  /** Waits for writes in flight (each bounded, see write()), then QUITs every node (bounded too). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    await Promise.allSettled([...this.inflight]);
    const cluster = this.cluster;
    this.cluster = undefined;
    if (cluster !== undefined) await quitCluster(cluster, this.config.command_timeout_ms);
  }

  /**
   * One command per verdict, all issued before the first await so auto-pipelining groups them
   * per master. The batch is bounded by the runtime's `max_batch_records`. A write takes at most
   * twice `command_timeout_ms` (see settleWithin), even with the whole cluster unreachable.
   */
  private async write(cluster: VerdictCluster, verdicts: readonly Verdict[]): Promise<void> {
    const now = this.clock.now();
    const sent: Verdict[] = [];
    const pending: Promise<number>[] = [];
    const invalid: RejectedItem<Verdict>[] = [];
    let expired = 0;
    for (const verdict of verdicts) {
      // Records from the bus already passed core's verdict codec; this holds for direct callers
      // too, since a malformed value would be stored where the Lua script and lookups read it.
      const problem = verdictProblem(verdict);
      if (problem !== undefined) {
        invalid.push({ item: verdict, reason: 'invalid', detail: problem });
        continue;
      }
      const expires_at = verdict.decided_at + verdict.ttl_ms;
      if (expires_at <= now) {
        expired += 1;
        continue;
      }
      sent.push(verdict);
      pending.push(cluster.putVerdict(verdictKey(this.config.key_prefix, verdict.subject), ACTION_RANK[verdict.action], expires_at, now, encodeStoredVerdict(verdict, expires_at)));
    }
    if (expired > 0) this.telemetry.metrics.discarded('expired', expired);
    const failures = await settleWithin(sent, pending, 2 * this.config.command_timeout_ms);
    const failure = batchFailure(verdicts.length, failures, invalid);
    if (failure === undefined) return this.replicated(cluster, sent.length);
    if (failures.length > 0) await refreshSlots(cluster, this.config.command_timeout_ms);
    throw failure;
  }

  /**
   * The batch is acknowledged only once each master's replicas (up to `wait_for_replicas`) have
   * it: a failover right after the acknowledgement then loses nothing. Not confirmed in time:
   * retryable (the compare-and-set makes the rewrite a no-op, and WAIT is asked again).
   */
  private async replicated(cluster: VerdictCluster, written: number): Promise<void> {
    if (written === 0) return;
    const short = await waitForReplicas(cluster, this.config.wait_for_replicas, this.config.wait_timeout_ms);
    if (short.length === 0) return;
    throw sinkError('ERR_SINK_UNAVAILABLE', `replicas of ${short.join(', ')} did not confirm the batch within ${this.config.wait_timeout_ms} ms`);
  }

  /**
   * Logs the client's own events (nothing per verdict) and keeps the node gauge current. Write
   * latency (`botsieve_sink_write_seconds`) is the runtime's to observe, per successful batch.
   */
  private watch(cluster: VerdictCluster): void {
    const { log, metrics } = this.telemetry;
    const nodes = () => {
      metrics.gauge(SINK_REDIS_NODES, cluster.nodes('master').length, { kind: 'master' });
      metrics.gauge(SINK_REDIS_NODES, cluster.nodes('slave').length, { kind: 'replica' });
    };
    nodes();
    cluster.on('+node', nodes);
    cluster.on('-node', nodes);
    cluster.on('refresh', nodes);
    cluster.on('error', (error: unknown) => log.warn({ err: error }, 'redis cluster error'));
    cluster.on('node error', (error: unknown, key: string) => log.debug({ err: error, node: key }, 'redis node error'));
  }
}
