/**
 * Configuration of fusion: how detector signals about one subject become one verdict (score,
 * action, TTL), how repeat offenders escalate, and when a verdict is re-issued.
 */
import { z } from 'zod';

export const fusionConfigSchema = z
  .strictObject({
    /** Fused scores at or below this are `block` (Cloudflare's automated band is 1). */
    block_score_max: z.number().int().min(1).max(98).default(10).describe('Fused scores at or below this are `block`.'),
    /** Fused scores at or below this (and above block_score_max) are `challenge`. */
    challenge_score_max: z.number().int().min(1).max(98).default(29).describe('Fused scores at or below this (above block_score_max) are `challenge`; above it `log`.'),
    /**
     * A fused `block` needs a detector that recommends block, or this many detectors that
     * recommend challenge: two weak signals agreeing may escalate, one never does.
     */
    block_needs_challengers: z.number().int().min(1).default(2).describe('Detectors recommending challenge whose agreement may fuse into a block.'),
    /** How long a detector's signal counts towards its subject's fused score. */
    signal_ttl_ms: z.number().int().positive().default(300_000).describe('How long a signal counts towards its subject (event time).'),
    /** Verdict TTL per action, for a first offence. */
    ttl_ms: z
      .strictObject({
        block: z.number().int().positive().default(600_000).describe('TTL of a first `block`.'),
        challenge: z.number().int().positive().default(300_000).describe('TTL of a first `challenge`.'),
        log: z.number().int().positive().default(120_000).describe('TTL of a `log` verdict.'),
      })
      .prefault({})
      .describe('Verdict TTL per action, for a first offence.'),
    /** Each repeat offence multiplies the TTL by this (an offence = an enforced verdict issued after the previous one expired). */
    repeat_ttl_multiplier: z.number().min(1).max(16).default(2).describe('Each repeat offence multiplies the TTL by this.'),
    /** Longest TTL escalation may reach. */
    max_ttl_ms: z.number().int().positive().default(86_400_000).describe('Longest TTL escalation may reach.'),
    /** How long offences are remembered after a subject's last signal. */
    offence_memory_ms: z.number().int().positive().default(86_400_000).describe('How long offences are remembered after the last signal about a subject.'),
    /** An active verdict is re-issued when it expires within this margin and signals still come. */
    reemit_before_expiry_ms: z.number().int().nonnegative().default(60_000).describe('An active verdict is re-issued when it expires within this margin and signals still arrive.'),
    /** A verdict is re-issued when the fused score drops (more automated) by at least this much. */
    reemit_score_drop: z.number().int().min(1).default(5).describe('A verdict is re-issued when the fused score drops by at least this much.'),
    /**
     * Collateral guard: a prefix, ASN or JA4 where browsers were seen loading assets recently
     * carries humans, so its verdicts are capped at `log` (the attack is left to per-IP verdicts).
     */
    collateral_guard: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Cap verdicts on prefixes, ASNs and JA4s that carry human traffic at `log`.'),
        min_assets: z.number().positive().default(20).describe('Decayed asset requests at or above which an aggregate subject carries humans.'),
        half_life_ms: z.number().int().positive().default(1_800_000).describe('Half-life of the decayed asset count.'),
        max_subjects: z.number().int().positive().max(10_000_000).default(200_000).describe('Most aggregate subjects tracked by the guard.'),
      })
      .prefault({})
      .describe('Never enforce a prefix, ASN or JA4 that carries human traffic.'),
    /** Most subjects fusion remembers (bounded; least recently signalled evicted). */
    max_subjects: z.number().int().positive().max(10_000_000).default(500_000).describe('Most subjects fusion remembers at once.'),
  })
  .refine((c) => c.block_score_max < c.challenge_score_max, { message: 'block_score_max must be below challenge_score_max', path: ['block_score_max'] })
  .prefault({});

export type FusionConfig = z.output<typeof fusionConfigSchema>;
