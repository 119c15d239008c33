import { z } from 'zod';

/**
 * Which process may write: one lease per target (Cloudflare account), renewed every `ttl_ms / 3`.
 * Its holder stops writing `ttl_ms / 5` before the lease could expire in the store, so a peer that
 * takes it over after the expiry never overlaps with it.
 */
export const writerLeaseConfigSchema = z
  .object({
    /**
     * `none`: this process always writes (one writer per account is the operator's job: a single
     * process with `api_token`). `redis`: the writer is elected through a key on
     * `sinks.redis_cluster` (`SET NX PX`); the other processes run in standby (dry-run).
     */
    backend: z.enum(['none', 'redis']).default('none').describe("'none': this process always writes; 'redis': one writer per account elected by a lease on sinks.redis_cluster, the others stay in standby (dry-run) and take over when it lapses."),
    /**
     * Lifetime of the lease in the store. A holder that crashes is replaced after at most this
     * long plus one renew interval (`ttl_ms / 3`); one that closes releases it and is replaced
     * within one renew interval.
     */
    ttl_ms: z.number().int().min(300).default(15_000).describe('Lifetime of the lease: renewed every ttl_ms/3, given up by its holder ttl_ms/5 before it can expire; a crashed writer is replaced after at most ttl_ms + ttl_ms/3.'),
    /**
     * A holder whose passes have failed to reach Cloudflare (unreachable, timeouts, 5xx) for this
     * long gives the lease up and stays out of the election for as long again, so a process in
     * another zone, whose egress may work, takes over. 0: never step down.
     */
    step_down_after_ms: z.number().int().nonnegative().default(60_000).describe("A holder whose passes have failed to reach Cloudflare (unreachable, timeouts, 5xx) for this long gives the lease up and stays out of the election as long again, so a peer (e.g. in another zone) takes over; 0 = never."),
    /** Prefix of the lease key: `<key_prefix>cloudflare:<account_id>`. */
    key_prefix: z
      .string()
      .regex(/^[^{}\s]*$/, 'no braces or whitespace')
      .default('botsieve:lease:')
      .describe('Prefix of the lease key (<key_prefix>cloudflare:<account_id>).'),
  })
  .strict();

export type WriterLeaseConfig = z.output<typeof writerLeaseConfigSchema>;

/** How often the holder renews, and a standby tries to take over. */
export function renewIntervalMs(ttl_ms: number): number {
  return Math.floor(ttl_ms / 3);
}

/**
 * How long before the store could expire the lease its holder stops counting on it. It covers
 * what separates our check from Cloudflare receiving the request (event-loop stalls, GC pauses,
 * the request in the socket) and the drift between our clock and the store's.
 */
export function safetyMarginMs(ttl_ms: number): number {
  return Math.ceil(ttl_ms / 5);
}
