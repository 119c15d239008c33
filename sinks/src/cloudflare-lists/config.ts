import { z } from 'zod';
import { parseCidr } from '@botsieve/core';
import { writerLeaseConfigSchema } from '../lease/config.js';

/** Longest list suffix the sink appends (`_challenge_asn`): prefixes stay within Cloudflare's 50-character names. */
const LONGEST_SUFFIX = '_challenge_asn'.length;

/** Subjects the sink never pushes, whatever the verdicts say (partners, monitoring, own offices). */
const neverPushSchema = z
  .object({
    /** IPv4/IPv6 addresses or CIDRs; a verdict whose address or range overlaps one of them is not pushed. */
    cidrs: z
      .array(z.string().refine((text) => parseCidr(text) !== null, { message: 'not an IPv4/IPv6 address or CIDR' }))
      .default([]).describe('IPv4/IPv6 addresses or CIDRs never pushed; a verdict whose range overlaps one of them is not pushed either.'),
    /** Autonomous system numbers never pushed. */
    asns: z.array(z.number().int().nonnegative()).default([]).describe('Autonomous system numbers never pushed.'),
    /** JA4 fingerprints never pushed. */
    ja4s: z.array(z.string().min(1)).default([]).describe('JA4 fingerprints never pushed.'),
  })
  .strict();

export const cloudflareListsConfigSchema = z
  .object({
    /**
     * API token with `Account Filter Lists Edit` (and `Zone WAF Edit` for JA4 rules). Empty: the
     * sink runs in dry-run (see `dry_run`), which is the embedded default.
     */
    api_token: z.string().default('').describe('Cloudflare API token (Account Filter Lists Edit; Zone WAF Edit for JA4 rules). Empty: dry-run.'),
    /** Account that owns the lists (32 hex characters). Required unless in dry-run. */
    account_id: z.string().default('').describe('Cloudflare account id owning the lists; required unless in dry-run.'),
    /** API base URL; point it at a local server in tests. */
    base_url: z.string().url().default('https://api.cloudflare.com/client/v4').describe('Cloudflare API base URL (a local server in tests).'),
    /**
     * Lists used: `<prefix>_block_ip`, `<prefix>_challenge_ip`, `<prefix>_block_asn`,
     * `<prefix>_challenge_asn`. The pipeline owns their items: items it did not write are deleted.
     */
    list_prefix: z
      .string()
      .regex(/^[a-z0-9_]+$/, 'list_prefix may hold only a-z, 0-9 and _')
      .max(50 - LONGEST_SUFFIX)
      .default('botsieve')
      .describe('Prefix of the four lists (<prefix>_block_ip, _challenge_ip, _block_asn, _challenge_asn); the pipeline owns their items.'),
    /** Create missing lists at connect instead of failing with ERR_SINK_CONFIG. */
    create_missing_lists: z.boolean().default(false).describe('Create missing lists at connect instead of failing with ERR_SINK_CONFIG.'),
    /** Zone has Bot Management: JA4 verdicts are enforced through two managed WAF custom rules. */
    bot_management: z.boolean().default(false).describe('The zone has Bot Management: JA4 verdicts are pushed into two WAF custom rules.'),
    /** Zone of the JA4 rules (with `bot_management`). */
    zone_id: z.string().default('').describe('Zone of the JA4 rules (required with bot_management).'),
    /** Ruleset (phase `http_request_firewall_custom`) holding the JA4 rules. */
    ruleset_id: z.string().default('').describe('Zone custom ruleset holding the JA4 rules (required with bot_management).'),
    /** Rule the sink rewrites to `(cf.bot_management.ja4 in {…}) and not cf.client.bot` with action `block`. */
    ja4_block_rule_id: z.string().default('').describe('Rule rewritten to block the JA4s of block verdicts (required with bot_management).'),
    /** Rule the sink rewrites to `(cf.bot_management.ja4 in {…}) and not cf.client.bot` with action `managed_challenge`. */
    ja4_challenge_rule_id: z.string().default('').describe('Rule rewritten to challenge the JA4s of challenge verdicts (required with bot_management).'),
    /** Longest rule expression Cloudflare accepts; JA4s past it are left out (lowest priority first). */
    max_rule_expression_chars: z.number().int().min(64).default(4_096).describe('Longest JA4 rule expression; JA4s that do not fit are left out, lowest priority first.'),
    /**
     * Items across all lists of the account (10,000 on Free/Pro/Business, 500,000 on Enterprise).
     * Items of other lists in the account count against it. Past it, block beats challenge, then
     * lower score, then more traffic; the rest is left out and reported.
     */
    max_items: z.number().int().positive().default(10_000).describe('Items across all lists of the account (10,000; 500,000 on Enterprise); past it the lowest priority verdicts are left out and reported.'),
    /**
     * Most verdicts held in memory, pushed or waiting for room (left out). Bounds memory under a
     * spray of subjects; past it the lowest priority are forgotten (counted as discarded `evicted`).
     */
    max_desired_entries: z.number().int().positive().default(200_000).describe('Most verdicts held in memory, pushed or waiting for room; past it the lowest priority are forgotten (discarded, reason evicted). At least max_items.'),
    /** Own request budget per `window_ms` (Cloudflare allows 1,200 per 5 minutes per token). */
    max_requests_per_window: z.number().int().positive().default(1_200).describe('Own API request budget per window_ms (Cloudflare: 1,200 per 5 minutes).'),
    /** Own budget of list item changes per `window_ms` (Cloudflare: 10,000 per 5 minutes). */
    max_item_changes_per_window: z.number().int().positive().default(10_000).describe('Own budget of list item changes per window_ms (Cloudflare: 10,000 per 5 minutes).'),
    /** Window of both budgets (sliding). */
    window_ms: z.number().int().positive().default(300_000).describe('Sliding window of both budgets.'),
    /**
     * Every this often `maintain()` re-reads the lists: adopts, deletes foreign and expired items,
     * repairs drift. A read costs one request per `list_page_size` items: 21 for 10,000 items,
     * but ~1,000 for 500,000 (most of a 5-minute budget), so lengthen it on Enterprise accounts.
     */
    reconcile_interval_ms: z.number().int().positive().default(600_000).describe('How often maintain() re-reads the lists to repair drift (manual edits, failed operations); one request per list_page_size items, so lengthen it for very large lists.'),
    /**
     * Pause between two polls of a pending bulk operation. Polls spend the request budget: with
     * back-to-back passes of one create and ~2 polls each, 500 ms keeps us near 3 requests/s,
     * under Cloudflare's 1,200 per 5 minutes (4/s). Verdict → present then takes ~1 s on top of
     * Cloudflare's processing (measured ~2 × the interval + 20 ms against the local server).
     */
    operation_poll_interval_ms: z.number().int().positive().default(500).describe('Pause between two polls of a pending bulk operation.'),
    /**
     * Consumers of the verdicts topic feeding this sink in parallel. Batches that arrive during a
     * sync pass share the next one, so with one consumer per partition a verdict waits for about
     * one pass instead of one pass per partition in turn (measured by `npm run bench:sinks`).
     * Set it to the verdicts topic's partition count.
     */
    consumers: z.number().int().positive().max(64).default(4).describe("Consumers of the verdicts topic feeding this sink in parallel (set to the topic's partition count): concurrent batches share one sync pass."),
    /** A bulk operation still pending after this long fails the pass (retryable); the next pass polls it again first. */
    operation_timeout_ms: z.number().int().positive().default(60_000).describe('A bulk operation pending longer fails the pass (retryable); the next pass resumes polling it.'),
    /** Timeout of one HTTP request. */
    request_timeout_ms: z.number().int().positive().default(10_000).describe('Timeout of one API request.'),
    /** Items per create or delete request (one bulk operation each). */
    max_items_per_request: z.number().int().positive().default(1_000).describe('Items per create or delete request (one bulk operation each).'),
    /** Items per page when reading a list. */
    list_page_size: z.number().int().positive().default(500).describe('Items per page when reading a list (cursor pagination).'),
    never_push: neverPushSchema.default(neverPushSchema.parse({})).describe('Subjects never pushed (CIDRs, ASNs, JA4s); private and reserved ranges are never pushed anyway.'),
    /** `auto`: dry-run exactly when `api_token` is empty. Dry-run logs what would change and sends nothing. */
    dry_run: z.union([z.boolean(), z.literal('auto')]).default('auto').describe("Log what would change and send nothing; 'auto' = dry-run when api_token is empty."),
    /**
     * Which of several sink processes writes to this account (Cloudflare takes one bulk operation
     * at a time per account). With `backend: 'redis'` every process may carry the token: the
     * lease holder writes, the others run in standby (dry-run) and take over when it lapses.
     */
    writer_lease: writerLeaseConfigSchema.prefault({}).describe("Election of the one writer per account among sink processes ('redis': a lease on sinks.redis_cluster; the others stay in standby, dry-run)."),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.max_desired_entries < config.max_items) ctx.addIssue({ code: 'custom', path: ['max_desired_entries'], message: 'max_desired_entries must be at least max_items' });
    if (!config.bot_management) return;
    for (const field of ['zone_id', 'ruleset_id', 'ja4_block_rule_id', 'ja4_challenge_rule_id'] as const) {
      if (config[field] === '') ctx.addIssue({ code: 'custom', path: [field], message: `${field} is required when bot_management is on` });
    }
  });

export type CloudflareListsConfig = z.output<typeof cloudflareListsConfigSchema>;
