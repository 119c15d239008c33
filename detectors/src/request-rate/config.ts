/**
 * Configuration of the `request-rate` detector: requests per subject over a sliding event-time
 * window, with thresholds per kind of subject. Everything a user tunes is here, as data.
 */
import { z } from 'zod';
import { BotsieveError, type SubjectKind } from '@botsieve/core';
import { DETECTOR_ERRORS } from '../errors.js';

/** Most buckets per window: bounds the memory per tracked subject (4 bytes per bucket). */
export const MAX_BUCKETS_PER_WINDOW = 3_600;

interface SubjectDefaults {
  enabled: boolean;
  log_requests: number | null;
  challenge_requests: number;
  block_requests: number;
  max_tracked_subjects: number;
}

function subjectSchema(kind: SubjectKind, defaults: SubjectDefaults) {
  return z
    .strictObject({
      /** Track subjects of this kind. */
      enabled: z.boolean().default(defaults.enabled).describe(`Track \`${kind}:\` subjects.`),
      /** Requests per window at or above which a `log` verdict is issued; null: never log. */
      log_requests: z.number().int().positive().nullable().default(defaults.log_requests).describe('Requests per window at or above which a `log` verdict is issued; null: never log.'),
      /** Requests per window at or above which a `challenge` verdict is issued. */
      challenge_requests: z.number().int().positive().default(defaults.challenge_requests).describe('Requests per window at or above which a `challenge` verdict is issued.'),
      /** Requests per window at or above which a `block` verdict is issued. */
      block_requests: z.number().int().positive().default(defaults.block_requests).describe('Requests per window at or above which a `block` verdict is issued.'),
      /**
       * Most subjects of this kind tracked at once (bounded state). When full, the least recently
       * seen subject is evicted (counted as discarded `state_evicted`).
       */
      max_tracked_subjects: z.number().int().positive().max(10_000_000).default(defaults.max_tracked_subjects).describe('Most subjects of this kind tracked at once; when full the least recently seen is evicted.'),
    })
    .refine((s) => s.challenge_requests < s.block_requests, { message: 'challenge_requests must be below block_requests', path: ['challenge_requests'] })
    .refine((s) => s.log_requests === null || s.log_requests < s.challenge_requests, { message: 'log_requests must be below challenge_requests', path: ['log_requests'] })
    .prefault({});
}

export const requestRateConfigSchema = z
  .strictObject({
    /** Length of the sliding event-time window the requests are counted over. */
    window_ms: z.number().int().positive().default(10_000).describe('Length of the sliding event-time window the requests are counted over.'),
    /** The window is made of buckets of this length: it slides by one bucket at a time. */
    bucket_ms: z.number().int().positive().default(1_000).describe('The window is made of buckets of this length; it slides one bucket at a time. Must divide window_ms.'),
    /** How long a verdict stays active after its decision (event time). */
    ttl_ms: z.number().int().positive().default(600_000).describe('How long a verdict stays active after its decision (event time).'),
    /**
     * Cooldown: a subject with an active verdict gets a new one only when the action escalates or
     * when the active verdict expires within this margin (refresh while the rate persists).
     */
    reemit_before_expiry_ms: z.number().int().nonnegative().default(60_000).describe('A subject with an active verdict gets a new one only when the action escalates or the active one expires within this margin.'),
    /**
     * Per kind of subject: whether it is tracked, thresholds in requests per window, and the cap
     * on tracked subjects. ASN and JA4 are off by default: one ASN (a mobile carrier) or one JA4
     * (every current Chrome) aggregates many humans, so their thresholds need tuning per site.
     */
    subjects: z
      .strictObject({
        /** `ip:<ip>`: one client address. */
        ip: subjectSchema('ip', { enabled: true, log_requests: 50, challenge_requests: 100, block_requests: 300, max_tracked_subjects: 200_000 }).describe('`ip:<ip>`: one client address.'),
        /** `prefix:<cidr>`: the client's /24 (IPv4) or /64 (IPv6). */
        prefix: subjectSchema('prefix', { enabled: true, log_requests: 200, challenge_requests: 400, block_requests: 1_200, max_tracked_subjects: 100_000 }).describe('`prefix:<cidr>`: the client /24 (IPv4) or /64 (IPv6).'),
        /** `asn:<n>`: the client's autonomous system; ASN 0 (unknown) is never tracked. */
        asn: subjectSchema('asn', { enabled: false, log_requests: 5_000, challenge_requests: 10_000, block_requests: 50_000, max_tracked_subjects: 20_000 }).describe('`asn:<n>`: the client autonomous system; ASN 0 (unknown) is never tracked.'),
        /** `ja4:<fp>`: the TLS fingerprint, when the event has one. */
        ja4: subjectSchema('ja4', { enabled: false, log_requests: 1_000, challenge_requests: 3_000, block_requests: 10_000, max_tracked_subjects: 50_000 }).describe('`ja4:<fp>`: the TLS fingerprint, when the event has one.'),
      })
      .prefault({})
      .describe('Per kind of subject: tracked or not, thresholds (requests per window) and the cap on tracked subjects.'),
  })
  .refine((c) => c.window_ms % c.bucket_ms === 0, { message: 'window_ms must be a multiple of bucket_ms', path: ['window_ms'] })
  .refine((c) => c.window_ms / c.bucket_ms <= MAX_BUCKETS_PER_WINDOW, { message: `at most ${MAX_BUCKETS_PER_WINDOW} buckets per window`, path: ['bucket_ms'] })
  .refine((c) => c.reemit_before_expiry_ms < c.ttl_ms, { message: 'reemit_before_expiry_ms must be below ttl_ms', path: ['reemit_before_expiry_ms'] });

export type RequestRateConfig = z.output<typeof requestRateConfigSchema>;
export type SubjectConfig = RequestRateConfig['subjects']['ip'];

/** Validates raw config; every problem is listed with its path. */
export function parseRequestRateConfig(raw: unknown): RequestRateConfig {
  const result = requestRateConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n');
  throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `invalid request-rate config:\n${problems}`);
}
