/**
 * Configuration of the `load-bucket` detector: the most bot-bucket requests per second a subject
 * may send while its origin is under load (see load-bucket.ts for the rule).
 */
import { z } from 'zod';
import type { SubjectKind } from '@botsieve/core';
import { CAP_EVICTS_COUNTED, inWholeSteps, kindEnabledSchema, maxTrackedSubjectsSchema, ringStepMsSchema, subjectsSchema } from '../engine/config-fragments.js';
import { parseOrThrow } from '../parse-or-throw.js';

/** Most steps per window (memory per tracked subject: 2 counters × 4 bytes per step). */
export const MAX_STEPS_PER_WINDOW = 600;

function kindSchema(kind: SubjectKind, max_bucket_rate_per_s: number, max_tracked_subjects: number) {
  return z
    .strictObject({
      /** Judge subjects of this kind. */
      enabled: kindEnabledSchema('Judge', kind, true),
      max_bucket_rate_per_s: z.number().positive().default(max_bucket_rate_per_s).describe('Bot-bucket requests per second (averaged over the window) under load above which the subject is challenged.'),
      /** Most subjects of this kind tracked at once; when full the least recently seen is evicted (counted). */
      max_tracked_subjects: maxTrackedSubjectsSchema(max_tracked_subjects, CAP_EVICTS_COUNTED),
    })
    .prefault({});
}

export const loadBucketConfigSchema = inWholeSteps(
  z.strictObject({
    window_ms: z.number().int().positive().default(10_000).describe('Sliding event-time window the bot-bucket rate is averaged over.'),
    /** Ring step: the engine's summary step. */
    step_ms: ringStepMsSchema,
    /**
     * Smallest share of a subject's requests under load that must be in the bot bucket: a
     * subject that carries people beside a few misjudged ones (app users Bot Management scores
     * low, behind a carrier NAT exit) is not limited as a whole.
     */
    min_bucket_share: z.number().min(0).max(1).default(0.5).describe('Smallest share of the subject\'s requests under load in the bot bucket for it to be limited (a NAT exit carrying people beside a few misjudged ones is not).'),
    human_assets_ratio: z.number().nonnegative().default(1).describe('assets / pages at or above which an address\'s pages look rendered by a browser (also met when it loaded assets recently).'),
    human_max_failure_ratio: z.number().min(0).max(1).default(0.2).describe('Largest share of 404/410 and failed-login requests for an address that looks like people\'s clients.'),
    human_min_client_share: z.number().min(0).max(1).default(0.8).describe('Smallest share of requests with a mainstream browser\'s or an app stack\'s user agent for an address that looks like people\'s clients.'),
    population_max_client_share: z.number().min(0).max(1).default(0.5).describe('A prefix, ASN, JA4 or user agent whose requests name a browser (over a browser\'s TLS) or the app at least this share is not limited: it may carry people not seen yet.'),
    reemit_ms: z.number().int().positive().default(20_000).describe('While the load and the rate persist, a subject is signalled again after this long.'),
    ttl_ms: z.number().int().positive().default(30_000).describe('TTL hint of its challenges (fusion multiplies it for repeat offenders): the limit holds while the load does, renewed every `reemit_ms` while the load and the rate last.'),
    subjects: subjectsSchema(
      {
        ip: kindSchema('ip', 1, 100_000).describe('`ip:<ip>`: one client address.'),
        prefix: kindSchema('prefix', 5, 50_000).describe('`prefix:<cidr>`: the client /24 or /64.'),
        asn: kindSchema('asn', 20, 20_000).describe('`asn:<n>`: the client autonomous system.'),
        ja4: kindSchema('ja4', 20, 20_000).describe('`ja4:<fp>`: the TLS fingerprint.'),
        ua: kindSchema('ua', 20, 20_000).describe('`ua:<user agent>`: one user-agent string.'),
      },
      'Per kind of subject: judged or not, the bot-bucket rate limit under load, and the cap on tracked subjects.',
    ),
  }),
  MAX_STEPS_PER_WINDOW,
);

export type LoadBucketConfig = z.output<typeof loadBucketConfigSchema>;
export type LoadBucketKindConfig = LoadBucketConfig['subjects']['ip'];

/** Validates raw config; every problem is listed with its path. */
export function parseLoadBucketConfig(raw: unknown): LoadBucketConfig {
  return parseOrThrow(loadBucketConfigSchema, raw ?? {}, 'load-bucket config');
}
