import type { Clock } from '@botsieve/core';
import type { ComponentTelemetry, Telemetry } from '@botsieve/runtime';
import type { RedisClusterConfig } from '../redis-cluster/config.js';
import { renewIntervalMs, safetyMarginMs, type WriterLeaseConfig } from './config.js';
import { LeaseKeeper } from './lease-keeper.js';
import { LeaseMetrics } from './metrics.js';
import { RedisWriterLease } from './redis-writer-lease.js';
import { defaultHolderId, LocalLeaseTable, LocalWriterLease, type WriterLease } from './writer-lease.js';

export { writerLeaseConfigSchema, renewIntervalMs, safetyMarginMs } from './config.js';
export type { WriterLeaseConfig } from './config.js';
export { LeaseKeeper } from './lease-keeper.js';
export type { LeaseKeeperDeps } from './lease-keeper.js';
export { LEASE_METRIC, LeaseMetrics } from './metrics.js';
export type { LeaseTransition } from './metrics.js';
export { RedisWriterLease } from './redis-writer-lease.js';
export { defaultHolderId, LocalLeaseTable, LocalWriterLease, TimedLease } from './writer-lease.js';
export type { LeaseStatus, LeaseTiming, WriterLease } from './writer-lease.js';

export interface WriterLeaseOptions {
  /** What is written, e.g. `cloudflare`, and which one (the account id): the key is `<key_prefix><kind>:<target>`. */
  kind: string;
  target: string;
  /** Where a `redis` lease lives. */
  redis: RedisClusterConfig;
  telemetry: Telemetry;
  /** The component that writes under the lease: its log and metric labels. */
  component: ComponentTelemetry;
  component_name: string;
  clock: Clock;
  /** This process in the store (default `<host>/<pid>`). */
  holder?: string;
  /**
   * Elect among the leases of this in-process table instead of the configured backend (tests, or
   * several writers in one process).
   */
  table?: LocalLeaseTable;
}

/**
 * The lease of a config, with its keeper: `redis` on the Redis Cluster; with `table`, an
 * in-process one. `none` without a table: no lease, the writer always writes (no timer, and no
 * way for a stalled event loop or a test's manual clock to make it stand down).
 */
export function makeWriterLease(config: WriterLeaseConfig, options: WriterLeaseOptions): LeaseKeeper | undefined {
  if (config.backend === 'none' && options.table === undefined) return undefined;
  const key = `${config.key_prefix}${options.kind}:${options.target}`;
  const holder = options.holder ?? defaultHolderId();
  const timing = { ttl_ms: config.ttl_ms, margin_ms: safetyMarginMs(config.ttl_ms) };
  const lease: WriterLease =
    options.table !== undefined
      ? new LocalWriterLease(key, holder, timing, options.clock, options.table)
      : new RedisWriterLease(key, holder, timing, options.clock, options.redis, options.component.log);
  const metrics = new LeaseMetrics(options.telemetry, options.component, options.component_name);
  return new LeaseKeeper(lease, { telemetry: options.component, metrics, clock: options.clock, interval_ms: renewIntervalMs(config.ttl_ms) });
}
