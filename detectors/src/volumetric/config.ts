/**
 * Configuration of the `volumetric` detector: requests per subject over a sliding event-time
 * window against fixed floors and an adaptive baseline per kind of subject and route, with the
 * threshold of an `ip:` that looks like people's clients scaled by the humans estimated behind
 * it (distinct user agents, or a mix of routes too wide for one client).
 */
import { z } from 'zod';
import type { SubjectKind } from '@botsieve/core';
import { CAP_EVICTS_COUNTED, inWholeSteps, kindEnabledSchema, maxTrackedSubjectsSchema, ringStepMsSchema, subjectsSchema } from '../engine/config-fragments.js';
import { parseOrThrow } from '../parse-or-throw.js';

/** Most steps per window: bounds the memory per tracked subject (6 counters × 4 bytes per step). */
export const MAX_STEPS_PER_WINDOW = 600;

interface KindDefaults {
  enabled: boolean;
  challenge_requests: number;
  block_requests: number;
  max_tracked_subjects: number;
  scale_by_humans: boolean;
}

function kindSchema(kind: SubjectKind, defaults: KindDefaults) {
  return z
    .strictObject({
      /** Judge subjects of this kind. */
      enabled: kindEnabledSchema('Judge', kind, defaults.enabled),
      challenge_requests: z.number().int().positive().default(defaults.challenge_requests).describe('Floor: requests per window at or above which `challenge` is recommended; the baseline and the humans estimate can only raise it.'),
      block_requests: z.number().int().positive().default(defaults.block_requests).describe('Floor: requests per window at or above which `block` is recommended; the baseline and the humans estimate can only raise it.'),
      /** Most subjects of this kind tracked at once; when full the least recently seen is evicted (counted). */
      max_tracked_subjects: maxTrackedSubjectsSchema(defaults.max_tracked_subjects, CAP_EVICTS_COUNTED),
      scale_by_humans: z.boolean().default(defaults.scale_by_humans).describe('Multiply the thresholds by the humans estimated behind a subject that looks like people\'s clients (distinct user agents, or requests over `human_requests_per_window` when its traffic spreads over `human_min_routes` routes), capped by `max_humans_multiplier`.'),
    })
    .refine((s) => s.challenge_requests < s.block_requests, { message: 'challenge_requests must be below block_requests', path: ['challenge_requests'] })
    .prefault({});
}

const baselineSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Learn the adaptive baseline; when false only the floors (and the humans scaling) apply.'),
    quantile: z.number().gt(0).max(1).default(0.99).describe('Quantile of the per-subject window counts (subjects active in the window) fed to the baseline at each closed step.'),
    /** EWMA weight of one step: 0.01 at 1 s steps is a half-life of ~69 s; a flood lifts the level slowly. */
    alpha: z.number().gt(0).max(1).default(0.01).describe('EWMA weight of one closed step (0.01 at 1 s steps: half-life ~69 s).'),
    warmup_steps: z.number().int().nonnegative().default(60).describe('Closed steps observed before the baseline is used; until then the floors alone decide.'),
    /** Smallest deviation, in requests per window, so a perfectly steady site does not get a hair-trigger band. */
    min_deviation: z.number().nonnegative().default(2).describe('Smallest deviation of the baseline, in requests per window.'),
    deviations: z.number().nonnegative().default(3).describe('Width of the normal band: upper = level + deviations × deviation.'),
    challenge_factor: z.number().positive().default(3).describe('Challenge threshold = max(challenge_requests, challenge_factor × upper).'),
    block_factor: z.number().positive().default(10).describe('Block threshold = max(block_requests, block_factor × upper).'),
    min_subjects: z.number().int().positive().default(5).describe('Fewest active subjects of a route (or of the kind) in a step for the step to feed that baseline.'),
    /** Most recently seen subjects sampled per kind at each closed step (bounds the flush cost). */
    sample_subjects: z.number().int().positive().max(1_000_000).default(4_096).describe('Most recently seen subjects sampled per kind at each closed step.'),
    max_routes: z.number().int().nonnegative().max(100_000).default(256).describe('Most routes with a baseline of their own per kind; further routes use the kind-wide baseline.'),
  })
  .refine((b) => b.challenge_factor < b.block_factor, { message: 'challenge_factor must be below block_factor', path: ['challenge_factor'] })
  .prefault({});

export const volumetricConfigSchema = inWholeSteps(
  z.strictObject({
    window_ms: z.number().int().positive().default(10_000).describe('Length of the sliding event-time window the requests are counted over.'),
    /** Ring step: the engine's summary step (a summary lands in the step of its `step_ms`). */
    step_ms: ringStepMsSchema,
    reemit_ms: z.number().int().positive().default(60_000).describe('A subject is signalled again only when the recommended action escalates or its last signal is this old.'),
    prefix_ttl_ms: z.number().int().positive().default(30_000).describe('TTL hint of a signal on a prefix (a rate is evidence only while it lasts, and a /24\'s few people may not have shown yet when a flood crosses them: they are blocked no longer than this after it); such a prefix is signalled again every half of it while the rate lasts. ASNs, JA4s and user agents take fusion\'s population TTL.'),
    human_assets_ratio: z.number().nonnegative().default(1).describe('assets / pages at or above which a subject\'s pages look rendered by browsers (also met when its requests come from an address that loaded assets recently).'),
    /** Largest share of failed requests (404/410 and failed logins: what the client's own behaviour earns) for people's traffic. */
    human_max_failure_ratio: z.number().min(0).max(1).default(0.2).describe('Largest share of 404/410 and failed-login requests for traffic that looks like people\'s clients (409s of a sold-out release, 5xx of an overloaded origin and 403s are what everyone gets then).'),
    human_min_client_share: z.number().min(0).max(1).default(0.8).describe('Smallest share of requests with a mainstream browser\'s or an app stack\'s user agent for traffic that looks like people\'s clients.'),
    /** Distinct main routes over about `human_routes_window_ms` from which traffic is a mix no single client sends. */
    human_min_routes: z.number().int().positive().default(4).describe('Distinct main routes (per step) over about `human_routes_window_ms` at or above which a subject\'s traffic counts as a mix of people: the humans estimate is then at least requests / `human_requests_per_window`.'),
    human_routes_window_ms: z.number().int().positive().default(60_000).describe('Span over which a subject\'s distinct main routes are counted (RouteMix epochs: the estimate covers one to two of it).'),
    /** Requests one person sends per window at most (a page with its assets, or a few app screens): divides a mixed subject's requests into people. */
    human_requests_per_window: z.number().positive().default(10).describe('Requests per window one person is assumed to send when a mixed subject\'s requests are divided into people.'),
    population_max_client_share: z.number().min(0).max(1).default(0.5).describe('A prefix, ASN, JA4 or user agent whose requests name a browser (over a browser\'s TLS) or the app at least this share is not judged by volume: it may carry people not seen yet.'),
    max_humans_multiplier: z.number().int().positive().default(50).describe('Cap of the humans multiplier applied to a browser-like subject.'),
    baseline: baselineSchema.describe('The adaptive baseline per kind and per route.'),
    /**
     * Per kind. ASN and JA4 are off by default: one ASN (a mobile carrier) or one JA4 (every
     * current Chrome) aggregates many humans, so their floors need tuning per site.
     */
    subjects: subjectsSchema(
      {
        ip: kindSchema('ip', { enabled: true, challenge_requests: 100, block_requests: 300, max_tracked_subjects: 200_000, scale_by_humans: true }).describe('`ip:<ip>`: one client address.'),
        prefix: kindSchema('prefix', { enabled: true, challenge_requests: 400, block_requests: 1_200, max_tracked_subjects: 100_000, scale_by_humans: false }).describe('`prefix:<cidr>`: the client /24 (IPv4) or /64 (IPv6).'),
        asn: kindSchema('asn', { enabled: false, challenge_requests: 10_000, block_requests: 50_000, max_tracked_subjects: 20_000, scale_by_humans: false }).describe('`asn:<n>`: the client autonomous system.'),
        ja4: kindSchema('ja4', { enabled: false, challenge_requests: 3_000, block_requests: 10_000, max_tracked_subjects: 50_000, scale_by_humans: false }).describe('`ja4:<fp>`: the TLS fingerprint.'),
        ua: kindSchema('ua', { enabled: false, challenge_requests: 3_000, block_requests: 10_000, max_tracked_subjects: 50_000, scale_by_humans: false }).describe('`ua:<user agent>`: one user-agent string (the fingerprint without Bot Management).'),
      },
      'Per kind of subject: judged or not, floors (requests per window), humans scaling and the cap on tracked subjects.',
    ),
  }),
  MAX_STEPS_PER_WINDOW,
);

export type VolumetricConfig = z.output<typeof volumetricConfigSchema>;
export type VolumetricKindConfig = VolumetricConfig['subjects']['ip'];
export type VolumetricBaselineConfig = VolumetricConfig['baseline'];

/** Validates raw config; every problem is listed with its path. */
export function parseVolumetricConfig(raw: unknown): VolumetricConfig {
  return parseOrThrow(volumetricConfigSchema, raw ?? {}, 'volumetric config');
}
