/**
 * Configuration of the `scraping` detector: page coverage, id enumeration, fleets of IPs behind
 * one fingerprint, and low-and-slow crawling, per subject, with thresholds per kind of subject.
 * Everything a user tunes is here, as data.
 */
import { z } from 'zod';
import type { SubjectKind } from '@botsieve/core';
import { kindEnabledSchema, maxTrackedSubjectsSchema, subjectsSchema, type TrackedKindDefaults } from '../engine/config-fragments.js';
import { levelsSchema, reemitMsSchema, type LevelValues } from '../engine/levels.js';
import { parseOrThrow } from '../parse-or-throw.js';

interface SubjectDefaults extends TrackedKindDefaults {
  max_long_tracked_subjects: number;
  max_assets_ratio: number;
  coverage: LevelValues;
  enumeration: LevelValues;
  min_id_density: number;
  enumeration_needs_few_assets: boolean;
  distributed: LevelValues;
  min_distinct_ips: number;
  max_requests_per_ip: number;
  low_and_slow: LevelValues;
}

const NEVER: LevelValues = { log: null, challenge: null, block: null };

function subjectSchema(kind: SubjectKind, d: SubjectDefaults) {
  return z
    .strictObject({
      /** Track subjects of this kind. */
      enabled: kindEnabledSchema('Track', kind, d.enabled),
      /** Most subjects of this kind with a short window at once (every subject fetching pages). */
      max_tracked_subjects: maxTrackedSubjectsSchema(d.max_tracked_subjects, 'Most subjects of this kind tracked over the short window at once (every subject fetching pages); when full the least recently seen is evicted.'),
      /** Most subjects of this kind with a long window at once (only those fetching pages without assets). */
      max_long_tracked_subjects: maxTrackedSubjectsSchema(d.max_long_tracked_subjects, 'Most subjects of this kind tracked over the long window at once (admitted after 3 pages with assets / pages ≤ max_assets_ratio); when full the least recently seen is evicted.'),
      /** "Pages without their assets": assets / pages at or below this. Browsers load 3–20 assets per page. */
      max_assets_ratio: z.number().min(0).default(d.max_assets_ratio).describe('Pages without the assets a browser loads: assets / pages at or below this (browsers load 3–20 per page). Gates coverage, distributed and low_and_slow.'),
      /** Distinct page URLs per window, with few assets. */
      coverage: levelsSchema('Distinct page URLs per window (with assets / pages ≤ max_assets_ratio)', d.coverage).describe('Page coverage: distinct page URLs per window, with assets / pages ≤ max_assets_ratio.'),
      /** Distinct numeric ids per window, when their span is dense. */
      enumeration: levelsSchema('Distinct numeric page ids per window (with id density ≥ min_id_density)', d.enumeration).describe('Id enumeration: distinct numeric page ids per window whose span is dense (distinct / (max − min + 1) ≥ min_id_density).'),
      /** Id density at or above which distinct ids count as enumeration. */
      min_id_density: z.number().gt(0).max(1).default(d.min_id_density).describe('Distinct ids / (max id − min id + 1) at or above which the ids count as a catalogue walk.'),
      /** The enumeration rule also needs assets / pages ≤ max_assets_ratio (aggregates: humans together cover a catalogue). */
      enumeration_needs_few_assets: z.boolean().default(d.enumeration_needs_few_assets).describe('The enumeration rule also needs assets / pages ≤ max_assets_ratio (on aggregates thousands of humans together cover a small catalogue densely).'),
      /** Distinct page URLs per window from many IPs each used a few times (aggregates only). */
      distributed: levelsSchema('Distinct page URLs per window from ≥ min_distinct_ips IPs with ≤ max_requests_per_ip each', d.distributed).describe('Fleet behind one fingerprint, network or prefix (aggregates only): distinct page URLs per window, from ≥ min_distinct_ips IPs with ≤ max_requests_per_ip requests each and assets / pages ≤ max_assets_ratio.'),
      /** The distributed rule needs at least this many distinct IPs. */
      min_distinct_ips: z.number().int().positive().default(d.min_distinct_ips).describe('The distributed rule needs at least this many distinct client IPs in the window.'),
      /** The distributed rule needs requests / distinct IPs at or below this (each IP used once or twice). */
      max_requests_per_ip: z.number().positive().default(d.max_requests_per_ip).describe('The distributed rule needs requests / distinct IPs at or below this (a human IP makes tens: pages and their assets).'),
      /** Distinct page URLs per long window, with few assets. */
      low_and_slow: levelsSchema('Distinct page URLs per long window (with assets / pages ≤ max_assets_ratio)', d.low_and_slow).describe('Low and slow: distinct page URLs over the long window, with assets / pages ≤ max_assets_ratio over it.'),
    })
    .prefault({});
}

// Aggregates (prefix, ASN, JA4) gather many humans: every rule needs few assets (thousands of
// browsers behind one JA4 load assets), the fleet rule needs each IP used a few times only, and
// only the fleet rule blocks by default (fusion's collateral guard keeps any aggregate that
// carries humans at `log`, so blocking a JA4 or an ASN never blocks the humans behind it).
const aggregate = (scale: number, caps: [number, number], min_distinct_ips: number): SubjectDefaults => ({
  enabled: true,
  max_tracked_subjects: caps[0],
  max_long_tracked_subjects: caps[1],
  max_assets_ratio: 0.1,
  coverage: { log: 100 * scale, challenge: 300 * scale, block: null },
  enumeration: { log: 100 * scale, challenge: 300 * scale, block: null },
  min_id_density: 0.5,
  enumeration_needs_few_assets: true,
  // A fleet of IPs used once or twice each, no assets, many distinct pages: challenged after
  // 30 × scale distinct pages (a rotating price scraper reaches that within a minute per
  // network), blocked at 100 × scale. Aggregates that carry humans are never enforced anyway
  // (fusion's collateral guard), so this only ever lands on uninhabited networks and tools.
  distributed: { log: 20 * scale, challenge: 30 * scale, block: 100 * scale },
  min_distinct_ips,
  max_requests_per_ip: 3,
  low_and_slow: { log: 300 * scale, challenge: 600 * scale, block: null },
});

export const scrapingConfigSchema = z.strictObject({
  /** Short window: judged over the current and the previous window (one to two windows of history). */
  window_ms: z.number().int().positive().default(300_000).describe('Short window: pages are judged over the current and the previous window, i.e. one to two windows of event time.'),
  /** Long window (low and slow): judged over one to two long windows. */
  long_window_ms: z.number().int().positive().default(7_200_000).describe('Long window for low-and-slow crawling: judged over the current and the previous long window, i.e. one to two long windows (2–4 h by default).'),
  /** Cooldown: a subject gets a new signal only when the action escalates or its last one is this old. */
  reemit_ms: reemitMsSchema,
  /** Per kind of subject: tracked or not, thresholds and the caps on tracked subjects. */
  subjects: subjectsSchema(
    {
      /**
       * `ip:` A human reads at most a few pages a minute and loads their assets: 100 pages with
       * assets in an hour never count. Without assets: 40 distinct pages in 5–10 min log, 100
       * challenge, 300 block; a dense walk of 50/100/300 ids; 150/300/600 pages in 2–4 h.
       */
      ip: subjectSchema('ip', {
        enabled: true,
        max_tracked_subjects: 100_000,
        max_long_tracked_subjects: 20_000,
        max_assets_ratio: 0.1,
        coverage: { log: 40, challenge: 100, block: 300 },
        enumeration: { log: 50, challenge: 100, block: 300 },
        min_id_density: 0.5,
        enumeration_needs_few_assets: false,
        distributed: NEVER,
        min_distinct_ips: 1,
        max_requests_per_ip: 3,
        low_and_slow: { log: 150, challenge: 300, block: 600 },
      }).describe('`ip:<ip>`: one address.'),
      /** `prefix:<cidr>`: the client /24 (IPv4) or /64 (IPv6). */
      prefix: subjectSchema('prefix', aggregate(1, [50_000, 10_000], 10)).describe('`prefix:<cidr>`: the client /24 (IPv4) or /64 (IPv6).'),
      /** `asn:<n>`: the client autonomous system. */
      asn: subjectSchema('asn', aggregate(2, [20_000, 5_000], 20)).describe('`asn:<n>`: the client autonomous system.'),
      /** `ja4:<fp>`: the TLS fingerprint. */
      ja4: subjectSchema('ja4', aggregate(2, [50_000, 10_000], 20)).describe('`ja4:<fp>`: the TLS fingerprint.'),
      /** `ua:<user agent>`: one user-agent string (the fingerprint without Bot Management). */
      ua: subjectSchema('ua', aggregate(2, [50_000, 10_000], 20)).describe('`ua:<user agent>`: one user-agent string.'),
    },
    'Per kind of subject: tracked or not, thresholds and the caps on tracked subjects.',
  ),
});

export type ScrapingConfig = z.output<typeof scrapingConfigSchema>;
export type ScrapingSubjectConfig = ScrapingConfig['subjects']['ip'];

/** Validates raw config; every problem is listed with its path. */
export function parseScrapingConfig(raw: unknown): ScrapingConfig {
  return parseOrThrow(scrapingConfigSchema, raw ?? {}, 'scraping config');
}

/** Longest look-back: the long window covers up to two long windows. */
export function scrapingLookbackMs(config: ScrapingConfig): number {
  return 2 * Math.max(config.window_ms, config.long_window_ms);
}
