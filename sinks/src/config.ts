import { hostname } from 'node:os';
import { z } from 'zod';
import { bigqueryConfigSchema } from './bigquery/config.js';
import { cloudflareListsConfigSchema } from './cloudflare-lists/config.js';
import { deadletterFileConfigSchema } from './deadletter-file/config.js';
import { localStatisticsConfigSchema } from './local-statistics/config.js';
import { memoryVerdictStoreConfigSchema } from './memory-verdict-store/config.js';
import { pubsubConfigSchema } from './pubsub/config.js';
import { redisClusterConfigSchema } from './redis-cluster/config.js';

/** Process-unique by default: pod names are unique in Kubernetes, and so are hosts elsewhere. */
const defaultProcessGroupPrefix = `botsieve-sink-${hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-')}`;

/**
 * Where verdicts go. With nothing configured (the embedded default) verdicts land in the
 * in-memory store (snapshotted to disk), statistics in local NDJSON files, and the Cloudflare
 * sink runs dry, logging what it would change. Each remote sink switches on with its target.
 */
export const sinksConfigSchema = z
  .object({
    memory_verdict_store: memoryVerdictStoreConfigSchema.prefault({}).describe('In-process store of active verdicts behind the admin API (snapshotted to disk).'),
    deadletter_file: deadletterFileConfigSchema.prefault({}).describe('Dead letters appended to a local file (embedded bus only; on Kafka the deadletter topic is the record).'),
    redis_cluster: redisClusterConfigSchema.prefault({}).describe('Active verdicts in a Redis Cluster, where origins look clients up (enabled by `nodes`).'),
    cloudflare_lists: cloudflareListsConfigSchema.prefault({}).describe('Cloudflare IP/ASN lists and JA4 rules the edge enforces (dry-run until `api_token` is set).'),
    bigquery: bigqueryConfigSchema.prefault({}).describe('Verdict and traffic statistics streamed to BigQuery (enabled by `project_id`).'),
    local_statistics: localStatisticsConfigSchema.prefault({}).describe('The same statistics rows as NDJSON files (the embedded default; BigQuery replaces it when enabled).'),
    pubsub: pubsubConfigSchema.prefault({}).describe('Verdict fan-out across regions through Pub/Sub (enabled by `project_id`).'),
    /**
     * Prefix of the consumer groups whose work is split between sink processes (Redis, BigQuery,
     * Pub/Sub, dead letters): `<prefix>-redis-cluster`, …
     */
    group_id_prefix: z.string().min(1).default('botsieve-sink').describe('Prefix of the consumer groups shared by all sink processes (`<prefix>-redis-cluster`, …): their work is split between processes.'),
    /**
     * Prefix of the consumer groups that must see the whole verdict stream in every process: the
     * in-memory store, the Cloudflare lists (the desired state is the whole set) and the statistics'
     * coverage feed. Must differ between processes; defaults to one made from the host name.
     */
    process_group_id_prefix: z.string().min(1).default(defaultProcessGroupPrefix).describe('Prefix of the per-process consumer groups (memory store, Cloudflare lists, coverage feed): each must see every verdict. Defaults to botsieve-sink-<hostname>.'),
    /** Largest batch a sink consumer hands to its sink. */
    max_batch_records: z.number().int().positive().default(1_000).describe('Largest batch a sink consumer hands to its sink.'),
    /** How often sinks with periodic upkeep (expiry, reconcile, snapshots, quiet minutes) run it. */
    maintain_interval_ms: z.number().int().positive().default(1_000).describe('How often sinks run their periodic upkeep (expiry, reconcile, snapshots, closing quiet minutes).'),
    /** First back-off after a failed write; doubles per failure up to `max_retry_backoff_ms`. */
    initial_retry_backoff_ms: z.number().int().positive().default(100).describe('First back-off after a failed write; doubles per failure.'),
    /** Longest back-off between two attempts (a target's `retry-after` may ask for longer). */
    max_retry_backoff_ms: z.number().int().positive().default(30_000).describe("Longest back-off between two attempts (a target's retry-after may ask for longer)."),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.cloudflare_lists.writer_lease.backend === 'redis' && config.redis_cluster.nodes.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['cloudflare_lists', 'writer_lease', 'backend'], message: "writer_lease backend 'redis' needs sinks.redis_cluster.nodes" });
    }
  });

export type SinksConfig = z.output<typeof sinksConfigSchema>;
