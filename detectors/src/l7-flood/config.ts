/**
 * Configuration of the `l7-flood` detector: which subjects inside a route spike are the
 * attacking population (see l7-flood.ts for the rule). Everything a user tunes is here.
 */
import { z } from 'zod';
import type { SubjectKind } from '@botsieve/core';
import { CAP_EVICTS_COUNTED, inWholeSteps, kindEnabledSchema, maxTrackedSubjectsSchema, ringStepMsSchema, subjectsSchema } from '../engine/config-fragments.js';
import { parseOrThrow } from '../parse-or-throw.js';

/** Most steps per window: the evaluation walks the window's steps newest first. */
export const MAX_STEPS_PER_WINDOW = 120;

interface KindDefaults {
  min_requests: number;
  min_requests_per_ip: number;
  max_tracked_subjects: number;
}

function kindSchema(kind: SubjectKind, defaults: KindDefaults) {
  return z
    .strictObject({
      /** Judge subjects of this kind. */
      enabled: kindEnabledSchema('Judge', kind, true),
      min_requests: z.number().int().positive().default(defaults.min_requests).describe('Fewest requests to spiking routes within the window for a subject to be part of the flood.'),
      /**
       * Aggregates only (prefix, asn, ja4): spiking-route requests per distinct client IP at or
       * above which the subject is a concentrated source (unless it is a heavy hitter anyway).
       * Humans send a few requests to one route in 5 s.
       */
      min_requests_per_ip: z.number().positive().default(defaults.min_requests_per_ip).describe('Aggregates: spiking-route requests per distinct IP (over the window) at or above which the subject is a concentrated source; ignored for ip.'),
      /** Most subjects of this kind tracked at once; when full the least recently seen is evicted (counted). */
      max_tracked_subjects: maxTrackedSubjectsSchema(defaults.max_tracked_subjects, CAP_EVICTS_COUNTED),
    })
    .prefault({});
}

/**
 * Arrivals (`ip:` only): the light members of a flood, a few requests per address from a pool of
 * tens of thousands, judged by behaviour from their first request on (see arrivals.ts).
 */
export const arrivalsConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Judge arrivals: new addresses whose every request goes to one spiking route.'),
    /** Fewest requests of an arrival before it is judged (pages: all distinct URLs; API calls: all cache-busting). */
    min_requests: z.number().int().min(2).max(50).default(2).describe('Fewest requests, all to the spiking route, before an arrival is flagged (challenge).'),
    block_min_requests: z.number().int().min(2).max(100).default(5).describe('Requests from which a flagged arrival is blocked rather than challenged.'),
    idle_ms: z.number().int().min(1_000).max(3_600_000).default(60_000).describe('An arrival with no request for this long is forgotten.'),
    /** Most arrivals tracked at once; when full the least recently seen is evicted (discarded `state_evicted`). */
    max_tracked: maxTrackedSubjectsSchema(200_000, 'Most arrivals tracked at once; when full the least recently seen is evicted (discarded `state_evicted`).'),
  })
  .prefault({})
  .refine((c) => c.block_min_requests >= c.min_requests, { message: 'block_min_requests must be at least min_requests', path: ['block_min_requests'] });

export const l7FloodConfigSchema = inWholeSteps(
  z.strictObject({
    /** Longest window the flood evidence is taken over (shorter windows ending now count too). */
    window_ms: z.number().int().positive().default(5_000).describe('Longest window the evidence is taken over; any window of whole steps ending at the newest step counts.'),
    /** Ring step: the engine's summary step. */
    step_ms: ringStepMsSchema,
    reemit_ms: z.number().int().positive().default(60_000).describe('A subject is signalled again only when the recommended action escalates or its last signal is this old.'),
    prefix_ttl_ms: z.number().int().positive().default(30_000).describe('TTL hint of a signal on a prefix (a flood is evidence only while it lasts, and a /24\'s few people may not have shown yet when it crosses them: they are blocked no longer than this after it); such a prefix is signalled again every half of it while the flood lasts. ASNs, JA4s and user agents take fusion\'s population TTL.'),
    min_spiking_share: z.number().gt(0).max(1).default(0.8).describe('Smallest share of the subject requests that go to spiking routes.'),
    /** Largest share of asset requests ("loads almost no assets"): browsers fetch css/js/images with pages. */
    max_assets_ratio: z.number().min(0).max(1).default(0.05).describe('Largest share of asset requests among the subject requests.'),
    /** Aggregates are blocked (not challenged) only when near-pure flood: spiking share at least this… */
    block_min_spiking_share: z.number().gt(0).max(1).default(0.95).describe('Aggregates: near-pure flood (block rather than challenge) needs at least this spiking share…'),
    block_max_assets_ratio: z.number().min(0).max(1).default(0.01).describe('…at most this share of asset requests…'),
    block_min_cache_busting_ratio: z.number().min(0).max(1).default(0.5).describe('…and at least this share of cache-busting requests.'),
    heavy_hitter_min_share: z.number().gt(0).max(1).default(0.1).describe('Aggregates: a subject holding at least this share of its kind spiking-route requests (Space-Saving, halved every window) is a heavy hitter; 0.1 implies a top-10 position.'),
    heavy_hitter_capacity: z.number().int().positive().max(100_000).default(256).describe('Keys of the Space-Saving sketch per aggregate kind.'),
    /** How many leading positions the evidence `heavy_hitter_rank` reports (0 when outside). */
    heavy_hitter_top: z.number().int().positive().max(1_000).default(10).describe('Positions reported as `heavy_hitter_rank` (0 when outside them).'),
    arrivals: arrivalsConfigSchema.describe('Arrivals: new addresses sending a few requests each, all to one spiking route (ip only).'),
    subjects: subjectsSchema(
      {
        ip: kindSchema('ip', { min_requests: 20, min_requests_per_ip: 1, max_tracked_subjects: 100_000 }).describe('`ip:<ip>`: one client address (always block when flagged).'),
        prefix: kindSchema('prefix', { min_requests: 60, min_requests_per_ip: 10, max_tracked_subjects: 50_000 }).describe('`prefix:<cidr>`: the client /24 or /64.'),
        asn: kindSchema('asn', { min_requests: 200, min_requests_per_ip: 10, max_tracked_subjects: 20_000 }).describe('`asn:<n>`: the client autonomous system.'),
        ja4: kindSchema('ja4', { min_requests: 200, min_requests_per_ip: 10, max_tracked_subjects: 20_000 }).describe('`ja4:<fp>`: the TLS fingerprint.'),
        ua: kindSchema('ua', { min_requests: 200, min_requests_per_ip: 10, max_tracked_subjects: 20_000 }).describe('`ua:<user agent>`: one user-agent string.'),
      },
      'Per kind of subject: judged or not, thresholds, and the cap on tracked subjects.',
    ),
  }),
  MAX_STEPS_PER_WINDOW,
)
  .refine((c) => c.block_min_spiking_share >= c.min_spiking_share, { message: 'block_min_spiking_share must be at least min_spiking_share', path: ['block_min_spiking_share'] })
  .refine((c) => c.block_max_assets_ratio <= c.max_assets_ratio, { message: 'block_max_assets_ratio must be at most max_assets_ratio', path: ['block_max_assets_ratio'] });

export type L7FloodConfig = z.output<typeof l7FloodConfigSchema>;
export type L7FloodKindConfig = L7FloodConfig['subjects']['ip'];
export type ArrivalsConfig = L7FloodConfig['arrivals'];

/** Validates raw config; every problem is listed with its path. */
export function parseL7FloodConfig(raw: unknown): L7FloodConfig {
  return parseOrThrow(l7FloodConfigSchema, raw ?? {}, 'l7-flood config');
}
