/**
 * Configuration of fusion: how detector signals about one subject become one verdict (score,
 * action, TTL), how repeat offenders escalate, and when a verdict is re-issued.
 */
import { z } from 'zod';

export const fusionConfigSchema = z
  .strictObject({
    /** Fused scores at or below this are `block` (Cloudflare's automated band is 1). */
    block_score_max: z.number().int().min(1).max(98).default(10).describe('Fused scores at or below this are `block`.'),
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
    max_ttl_ms: z.number().int().positive().default(86_400_000).describe('Longest TTL escalation may reach.'),
    offence_memory_ms: z.number().int().positive().default(86_400_000).describe('How long offences are remembered after the last signal about a subject.'),
    reemit_before_expiry_ms: z.number().int().nonnegative().default(60_000).describe('An active verdict is re-issued when it expires within this margin and signals still arrive.'),
    reemit_score_drop: z.number().int().min(1).default(5).describe('A verdict is re-issued when the fused score drops by at least this much.'),
    /**
     * Most TTL of a verdict on a population (`prefix:`, `asn:`, `ja4:`, `ua:`), escalation
     * included: a population verdict lives while the attack keeps its detectors signalling
     * (renewed within half of it before expiry) and lapses soon after, so people who come to the
     * network after the attack are not blocked for the per-action TTL; the collateral guard is
     * asked again at every renewal.
     */
    population_ttl_ms: z.number().int().positive().default(120_000).describe('Most TTL of a verdict on a prefix, ASN, JA4 or user agent (escalation included); renewed while signals arrive.'),
    /**
     * The strongest action of an `ipua:` verdict (one user agent on an address people share): a
     * user agent is not a person (every iPhone on one iOS version sends the same Safari string),
     * and the people behind the NAT exit who send the bot's pass a challenge.
     */
    client_max_action: z.enum(['log', 'challenge', 'block']).default('challenge').describe('Strongest action of an `ipua:` verdict (one user agent on a shared address): others behind the address may send the same user agent.'),
    /**
     * Collateral guard: a prefix, ASN, JA4 or user agent that carries humans (evidence: browsers
     * rendering pages, returning app users, successful logins; or, for user agents and JA4s, the
     * identity of a browser or of the app) gets verdicts capped at `log` (the attack is left to
     * per-IP verdicts), and so does an address shared by several people at once (a NAT exit, an
     * office). See collateral-guard.ts.
     */
    collateral_guard: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Cap verdicts on prefixes, ASNs, JA4s and user agents that carry human traffic at `log`.'),
        min_evidence: z.number().positive().default(10).describe('Decayed human evidence (asset or known-browser requests, app requests from addresses in a session, weighted successful logins) at or above which an aggregate subject carries humans.'),
        login_weight: z.number().nonnegative().default(2).describe('Evidence each successful login (logins − failures) adds.'),
        half_life_ms: z.number().int().positive().default(3_600_000).describe('Half-life of the decayed evidence, claims and request counts.'),
        identity_min_share: z.number().min(0).max(1).default(0.5).describe('A user agent or JA4 whose decayed requests claim a browser or the app at least this share is a human identity.'),
        identity_absence_ms: z.number().int().positive().default(3_600_000).describe('A human identity stays inhabited until observed this long without evidence.'),
        max_subjects: z.number().int().positive().max(10_000_000).default(200_000).describe('Most aggregate subjects tracked by the guard.'),
        min_shared_people: z.number().positive().default(2).describe('An address where this many people\'s clients (distinct browser or app user agents, rendering or the app) were seen at once, decayed, is shared: its verdicts are capped at `log`.'),
        shared_half_life_ms: z.number().int().positive().default(600_000).describe('Half-life of the people seen at once behind an address.'),
        max_addresses: z.number().int().positive().max(10_000_000).default(200_000).describe('Most shared addresses tracked by the guard.'),
        app_window_ms: z.number().int().nonnegative().default(60_000).describe('The app\'s users behind one address (all on the app stack\'s user agents, seldom two in one step) are counted as the distinct app user agents of its people-like app steps over one to two of this (tumbling); 0: only people seen at once.'),
        hosting: z
          .strictObject({
            enabled: z.boolean().default(true).describe('On hosting networks (the shipped data-centre ASN list), rendering and app-like requests are not evidence of people (headless browsers render there); successful logins still are.'),
            extra_asns: z.array(z.number().int().positive().max(0xffffffff)).default([]).describe('AS numbers to treat as hosting networks besides the shipped list.'),
            except_asns: z.array(z.number().int().positive().max(0xffffffff)).default([]).describe('AS numbers of the shipped list to treat as people\'s networks (a VPN or relay your customers use).'),
          })
          .prefault({})
          .describe('Hosting networks: where rendering is not evidence of people (see fusion/hosting-networks.ts).'),
      })
      .prefault({})
      .describe('Never enforce a prefix, ASN, JA4, user agent or shared address that carries human traffic.'),
    /** Most subjects fusion remembers (bounded; least recently signalled evicted). */
    max_subjects: z.number().int().positive().max(10_000_000).default(500_000).describe('Most subjects fusion remembers at once.'),
  })
  .refine((c) => c.block_score_max < c.challenge_score_max, { message: 'block_score_max must be below challenge_score_max', path: ['block_score_max'] })
  .prefault({});

export type FusionConfig = z.output<typeof fusionConfigSchema>;
