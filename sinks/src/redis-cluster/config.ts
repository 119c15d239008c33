import { z } from 'zod';

/** `host:port`, `[v6addr]:port`; the host part has no whitespace. */
const NODE_PATTERN = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/;

export const redisClusterConfigSchema = z
  .object({
    /**
     * Startup nodes, `host:port` (IPv6 as `[addr]:port`). Any few nodes of the cluster will do:
     * the client learns the rest from `CLUSTER SLOTS`. Empty: the sink is disabled.
     */
    nodes: z
      .array(z.string().regex(NODE_PATTERN, 'expected host:port'))
      .default([])
      .describe('Startup nodes of the Redis Cluster as host:port ([addr]:port for IPv6); the client discovers the rest. Empty disables the sink.'),
    /**
     * Prefix of every key. A verdict lives at `<key_prefix>v:{<subject>}`; several deployments
     * (or tests) share a cluster by using different prefixes. Braces are reserved for the hash tag.
     */
    key_prefix: z
      .string()
      .regex(/^[^{}\s]*$/, 'no braces or whitespace')
      .default('botsieve:')
      .describe('Prefix of every key; a verdict lives at <key_prefix>v:{<subject>}. No braces (they are the hash tag).'),
    /** ACL user name (Redis 6+); unset for the `default` user. */
    username: z.string().min(1).optional().describe('ACL user name; unset for the default user.'),
    /** Password of `username` (or of `requirepass`); unset when the cluster has none. */
    password: z.string().min(1).optional().describe('Password (ACL user or requirepass); unset when the cluster has none.'),
    /** Connect to every node over TLS (certificates checked against the system store). */
    tls: z.boolean().default(false).describe('Connect to every node over TLS.'),
    /**
     * Most MOVED/ASK redirections and failover/CLUSTERDOWN/TRYAGAIN retries one command may take
     * before it fails. Each retry waits about `retry_delay_on_failover_ms`, so 64 × 100 ms rides
     * through a failover of a few seconds (node timeout + election) inside one write.
     */
    max_redirections: z.number().int().positive().default(64).describe('Most redirections/failover retries one command takes before failing; 64 × 100 ms rides through a failover of a few seconds.'),
    /** Wait before resending a command whose connection closed (a master died), re-reading the slot map. */
    retry_delay_on_failover_ms: z.number().int().positive().default(100).describe('Wait before resending a command whose node connection closed (failover), after refreshing the slot map.'),
    /** Wait before resending a command the cluster answered `CLUSTERDOWN` or `TRYAGAIN`. */
    retry_delay_on_cluster_down_ms: z.number().int().positive().default(100).describe('Wait before resending a command answered CLUSTERDOWN or TRYAGAIN.'),
    /**
     * Longest life of one command, redirections and failover retries included (the timer starts
     * at the first send). Past it the command fails and its verdict is handed back for retry.
     */
    command_timeout_ms: z.number().int().positive().default(5_000).describe('Longest life of one command including redirections and failover retries; its verdict is then retried by the runtime.'),
    /**
     * Re-read the slot map (`CLUSTER SLOTS`) this often. ioredis 6 documents 5 s but ships it off,
     * and with auto-pipelining a batch whose commands get MOVED for different slots is not
     * redirected (redis/ioredis#2075): without a refresh the client would keep routing to a dead
     * master's address. The sink also refreshes after any failed write.
     */
    slots_refresh_interval_ms: z.number().int().positive().default(5_000).describe('Re-read the slot map this often (ioredis 6 ships it off; stale maps keep routing to a dead master).'),
    /**
     * A batch is acknowledged only after this many replicas of every master confirmed its writes
     * (Redis WAIT), so a master dying right after an acknowledgement loses nothing. Capped by the
     * replicas a master has: a master left alone by a failover does not stall the sink. 0 turns it off.
     */
    wait_for_replicas: z.number().int().nonnegative().default(1).describe('Replicas of each master that must confirm a batch before it is acknowledged (Redis WAIT; capped by the replicas a master has; 0 = off).'),
    /** Longest wait for the replicas' confirmation; past it the batch is retried (idempotently). */
    wait_timeout_ms: z.number().int().positive().default(1_000).describe("Longest wait for the replicas' confirmation of a batch; past it the batch is retried."),
    /** Longest wait in `connect()` for the slot map and a ready cluster (also the TCP connect timeout per node). */
    connect_timeout_ms: z.number().int().positive().default(10_000).describe('Longest wait in connect() for a ready cluster; also the TCP connect timeout per node.'),
    /**
     * Longest a lookup waits for its reads. Past it the lookup fails with ERR_SINK_UNAVAILABLE and
     * the origin decides (usually: allow). Keep it well under the origin's own request budget.
     */
    lookup_timeout_ms: z.number().int().positive().default(200).describe('Longest a lookup waits for its reads before failing with ERR_SINK_UNAVAILABLE (the origin then decides, usually allow).'),
    /**
     * Lookups read from replicas (spreading read load; a verdict written a moment ago may not be
     * there yet). Writes always go to masters.
     */
    read_from_replicas: z.boolean().default(false).describe('Lookups read from replicas (more read capacity, may lag writes by replication delay); writes always go to masters.'),
  })
  .strict();

export type RedisClusterConfig = z.output<typeof redisClusterConfigSchema>;
