/**
 * Configuration of the `load-bucket` detector: the most bot-bucket requests per second a subject
 * may send while its origin is under load (see load-bucket.ts for the rule).
 */
import { z } from 'zod';
import { BotsieveError, type SubjectKind } from '@botsieve/core';
import { DETECTOR_ERRORS } from '../errors.js';

/** Most steps per window (memory per tracked subject: 2 counters × 4 bytes per step). */
export const MAX_STEPS_PER_WINDOW = 600;

function kindSchema(kind: SubjectKind, max_bucket_rate_per_s: number, max_tracked_subjects: number) {
  return z
    .strictObject({
      /** Judge subjects of this kind. */
      enabled: z.boolean().default(true).describe(`Judge \`${kind}:\` subjects.`),
      /** Bot-bucket requests per second under load above which the subject is challenged. */
      max_bucket_rate_per_s: z.number().positive().default(max_bucket_rate_per_s).describe('Bot-bucket requests per second (averaged over the window) under load above which the subject is challenged.'),
      /** Most subjects of this kind tracked at once; when full the least recently seen is evicted (counted). */
      max_tracked_subjects: z.number().int().positive().max(10_000_000).default(max_tracked_subjects).describe('Most subjects of this kind tracked at once; when full the least recently seen is evicted (discarded `state_evicted`).'),
    })
    .prefault({});
}

export const loadBucketConfigSchema = z
  .strictObject({
    /** Sliding event-time window the bot-bucket rate is averaged over. */
    window_ms: z.number().int().positive().default(10_000).describe('Sliding event-time window the bot-bucket rate is averaged over.'),
    /** Ring step: the engine's summary step. */
    step_ms: z.number().int().positive().default(1_000).describe('Ring step; the engine summary step. Must divide window_ms.'),
    /** While the load and the rate persist, a subject is challenged again after this long. */
    reemit_ms: z.number().int().positive().default(60_000).describe('While the load and the rate persist, a subject is signalled again after this long.'),
    subjects: z
      .strictObject({
        ip: kindSchema('ip', 1, 100_000).describe('`ip:<ip>`: one client address.'),
        prefix: kindSchema('prefix', 5, 50_000).describe('`prefix:<cidr>`: the client /24 or /64.'),
        asn: kindSchema('asn', 20, 20_000).describe('`asn:<n>`: the client autonomous system.'),
        ja4: kindSchema('ja4', 20, 20_000).describe('`ja4:<fp>`: the TLS fingerprint.'),
        ua: kindSchema('ua', 20, 20_000).describe('`ua:<user agent>`: one user-agent string.'),
      })
      .prefault({})
      .describe('Per kind of subject: judged or not, the bot-bucket rate limit under load, and the cap on tracked subjects.'),
  })
  .refine((c) => c.window_ms % c.step_ms === 0, { message: 'window_ms must be a multiple of step_ms', path: ['window_ms'] })
  .refine((c) => c.window_ms / c.step_ms <= MAX_STEPS_PER_WINDOW, { message: `at most ${MAX_STEPS_PER_WINDOW} steps per window`, path: ['step_ms'] });

export type LoadBucketConfig = z.output<typeof loadBucketConfigSchema>;
export type LoadBucketKindConfig = LoadBucketConfig['subjects']['ip'];

/** Validates raw config; every problem is listed with its path. */
export function parseLoadBucketConfig(raw: unknown): LoadBucketConfig {
  const result = loadBucketConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n');
  throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `invalid load-bucket config:\n${problems}`);
}
