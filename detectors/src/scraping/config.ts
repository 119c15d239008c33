/**
 * Configuration of the `scraping` detector: page coverage, id enumeration, pages without a
 * session's shape (no assets, no navigation, a walk of ids, a steady cadence), fleets of
 * addresses behind one fingerprint or network where no human is seen, and low-and-slow
 * crawling, per subject, with thresholds per kind of subject. Everything a user tunes is here,
 * as data.
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
  bare_pages: LevelValues;
  walk: LevelValues;
  cadence: LevelValues;
  distributed: LevelValues;
  api_fleet: LevelValues;
  min_distinct_ips: number;
  max_pages_per_ip: number;
  max_requests_per_ip: number | null;
  low_and_slow: LevelValues;
  min_watched_ms: number;
}

const NEVER: LevelValues = { log: null, challenge: null, block: null };

function subjectSchema(kind: SubjectKind, d: SubjectDefaults) {
  return z
    .strictObject({
      /** Track subjects of this kind. */
      enabled: kindEnabledSchema('Track', kind, d.enabled),
      /** Most subjects of this kind with a short window at once (every subject fetching pages). */
      max_tracked_subjects: maxTrackedSubjectsSchema(d.max_tracked_subjects, 'Most subjects of this kind tracked over the short window at once (every subject fetching pages; aggregates also when fetching the API); when full the least recently seen is evicted.'),
      /** Most subjects of this kind with a long window at once (only those fetching pages without assets). */
      max_long_tracked_subjects: maxTrackedSubjectsSchema(d.max_long_tracked_subjects, 'Most subjects of this kind tracked over the long window at once (admitted after 3 pages with assets / pages ≤ max_assets_ratio); when full the least recently seen is evicted.'),
      max_assets_ratio: z.number().min(0).default(d.max_assets_ratio).describe('Pages without the assets a browser loads: assets / pages at or below this (browsers load 3–20 per page). Gates coverage, low_and_slow and (aggregates, by default) enumeration.'),
      coverage: levelsSchema('Distinct page URLs per window (with assets / pages ≤ max_assets_ratio)', d.coverage).describe('Page coverage: distinct page URLs per window, with assets / pages ≤ max_assets_ratio.'),
      enumeration: levelsSchema('Distinct numeric page ids per window (with id density ≥ min_id_density)', d.enumeration).describe('Id enumeration: distinct numeric page ids per window whose span is dense (distinct / (max − min + 1) ≥ min_id_density).'),
      min_id_density: z.number().gt(0).max(1).default(d.min_id_density).describe('Distinct ids / (max id − min id + 1) at or above which the ids count as a catalogue walk (enumeration and walk).'),
      enumeration_needs_few_assets: z.boolean().default(d.enumeration_needs_few_assets).describe('The enumeration rule also needs assets / pages ≤ max_assets_ratio (on aggregates thousands of humans together cover a small catalogue densely).'),
      /**
       * `ip:` pages with no session around them: not one asset, not one page reached by
       * navigation (a Referer), no API call, cart or login, one client on the address. Judged
       * over the long window (it includes the short one).
       */
      bare_pages: levelsSchema('Distinct bare pages (no assets, no navigation, nothing else from the address) over the long window', d.bare_pages).describe('Bare pages (`ip:` only): distinct page URLs over the long window from an address that sent nothing but pages: no asset, no page reached by navigation (Referer), no API call, cart or login, one user agent. A browser loads assets; a human navigates.'),
      walk: levelsSchema('Distinct ids of bare pages walked densely (id density ≥ min_id_density)', d.walk).describe('Walk (`ip:` only): distinct numeric ids of bare pages in the short window when they are dense (id density ≥ min_id_density): a catalogue read in id order.'),
      /** `ip:` pages loaded like a browser (assets allowed) but never navigated to, at a steady pace. */
      cadence: levelsSchema('Distinct pages never navigated to, fetched at a steady cadence', d.cadence).describe('Cadence (`ip:` only): distinct page URLs in the short window, none reached by navigation (assets allowed: headless browsers load them), no cart or login, one user agent, fetched at a steady pace (every interval between page steps within cadence_tolerance of their mean, or cadence_slack_ms).'),
      /** Distinct page URLs per window from many IPs each used a few times, where no human is seen (aggregates only). */
      distributed: levelsSchema('Distinct page URLs per window from ≥ min_distinct_ips IPs with ≤ max_pages_per_ip pages each, no navigation, humans absent', d.distributed).describe('Fleet behind one fingerprint, network or user agent (aggregates only): distinct page URLs per window from ≥ min_distinct_ips IPs with ≤ max_pages_per_ip pages each, no page reached by navigation, and no human seen in the subject (see `presence`). Assets allowed (headless fleets load them).'),
      /** API calls per window from many IPs each used once or twice, no session, where no human is seen (aggregates only). */
      api_fleet: levelsSchema('API calls per window from ≥ min_distinct_ips IPs, no Referer, no session, humans absent', d.api_fleet).describe('API fleet (aggregates only): API calls per window from ≥ min_distinct_ips IPs (with ≤ max_requests_per_ip requests each when set), none with a Referer, at most 5 % from addresses in a session (three or more distinct routes within the client memory\'s horizon: the app launches, views and sends events; a scraper reading one endpoint and its search does not, however often it returns), and no human seen in the subject (see `presence`): sessionless clients of a route whose own clients (the app, the SPA) come in sessions.'),
      min_distinct_ips: z.number().int().positive().default(d.min_distinct_ips).describe('The fleet rules (distributed, api_fleet) need at least this many distinct client IPs in the window.'),
      max_pages_per_ip: z.number().positive().default(d.max_pages_per_ip).describe('The distributed rule needs pages / distinct IPs at or below this (addresses used for a few pages each).'),
      max_requests_per_ip: z.number().positive().nullable().default(d.max_requests_per_ip).describe('When set, the api_fleet rule also needs requests / distinct IPs at or below this; null (the default): any (the rule reads sessions, not returns: a scraper on 25 calls per address is as sessionless as one on one).'),
      low_and_slow: levelsSchema('Distinct page URLs per long window (with assets / pages ≤ max_assets_ratio)', d.low_and_slow).describe('Low and slow: distinct page URLs over the long window, with assets / pages ≤ max_assets_ratio over it.'),
      min_watched_ms: z.number().int().nonnegative().default(d.min_watched_ms).describe('Aggregates: no rule acts before the detector has watched this much event time, so "no human seen" means something: humans of an ASN of the audience show up within seconds, those of a rarely used user agent take longer. Failover rebuilds replay the lookback, so a restarted instance is warm at once. Unused on `ip:` (an address is judged on its own window).'),
    })
    .prefault({});
}

// Aggregates (ASN, JA4, user agent) carry many clients: every rule of theirs acts only where no
// human is seen in the subject (`presence`), and a subject that claims a browser's or the app's
// identity is never blocked by them (capped at challenge: humans pass one), since a human of a
// rarely seen identity may not have shown up yet. The fleet rules are the ones that matter: an
// address used once is only ever caught as a population.
const aggregate = (scale: number, caps: [number, number], min_distinct_ips: number, min_watched_ms: number): SubjectDefaults => ({
  enabled: true,
  max_tracked_subjects: caps[0],
  max_long_tracked_subjects: caps[1],
  max_assets_ratio: 0.1,
  coverage: { log: 100 * scale, challenge: 300 * scale, block: null },
  enumeration: { log: 100 * scale, challenge: 300 * scale, block: null },
  min_id_density: 0.5,
  enumeration_needs_few_assets: true,
  bare_pages: NEVER,
  walk: NEVER,
  cadence: NEVER,
  // Distinct pages from addresses used a few pages each, nobody navigating, no human seen:
  // challenged at 20 × scale (a rotating price scraper at 1 request/s reaches it within a minute
  // per network), blocked at 60 × scale.
  distributed: { log: 10 * scale, challenge: 20 * scale, block: 60 * scale },
  // Sessionless API calls (no Referer, no address in a session) from ≥ min_distinct_ips addresses.
  api_fleet: { log: 5 * scale, challenge: 10 * scale, block: 30 * scale },
  min_distinct_ips,
  // Headless workers rotate their address after 1–20 pages; a rotating scraper after one.
  max_pages_per_ip: 20,
  max_requests_per_ip: null,
  low_and_slow: { log: 300 * scale, challenge: 600 * scale, block: null },
  min_watched_ms,
});

export const scrapingConfigSchema = z.strictObject({
  window_ms: z.number().int().positive().default(300_000).describe('Short window: pages are judged over the current and the previous window, i.e. one to two windows of event time.'),
  long_window_ms: z.number().int().positive().default(7_200_000).describe('Long window for low-and-slow crawling: judged over the current and the previous long window, i.e. one to two long windows (2–4 h by default).'),
  /** Cooldown: a subject gets a new signal only when the action escalates or its last one is this old. */
  reemit_ms: reemitMsSchema,
  /** The `cadence` rule: every interval between page steps within this fraction of their mean… */
  cadence_tolerance: z.number().min(0).max(2).default(0.5).describe('Cadence rule: the spread (longest − shortest interval between an address\'s page steps) at most this × their mean interval, or cadence_slack_ms. Headless workers keep ±10 %; a human\'s think times spread several-fold.'),
  /** …or within this many milliseconds (summary steps quantise page times to one step). */
  cadence_slack_ms: z.number().int().min(0).default(2_000).describe('Cadence rule: a spread up to this is steady whatever the mean (page times are known to one summary step: ±1 step on each interval).'),
  /**
   * Human presence per aggregate subject (ASN, JA4, user agent): what a population rule must not
   * hit. Evidence: pages reached by navigation (a Referer), cart requests, and app
   * calls from addresses that sent something before (sessions). Bots that show none of that are
   * not humans; humans always show some of it within minutes on any subject they use.
   */
  presence: z
    .strictObject({
      memory_ms: z.number().int().positive().default(3_600_000).describe('A subject with human evidence (navigation, cart, app calls in a session; not logins, which stuffing fleets send) within this long before is inhabited: no aggregate rule of this detector acts on it.'),
      /** Most aggregate subjects with human evidence remembered at once (per kind). */
      max_subjects: maxTrackedSubjectsSchema(200_000, 'Most aggregate subjects (per kind) with human evidence remembered at once; when full the least recently seen is forgotten (counted as `state_evicted`).'),
    })
    .prefault({})
    .describe('Human presence per aggregate subject: where population rules must not act.'),
  /** Per kind of subject: tracked or not, thresholds and the caps on tracked subjects. */
  subjects: subjectsSchema(
    {
      /**
       * `ip:` A human reads at most a few pages a minute and loads their assets: 100 pages with
       * assets in an hour never count. Without assets: 40 distinct pages in 5–10 min log, 100
       * challenge, 300 block; a dense walk of 50/100/300 ids; 150/300/600 pages in 2–4 h.
       * Pages with no session around them (no asset, no navigation, nothing else): 3 log, 4
       * challenge, 10 block; in id order: 3 challenge, 6 block; never navigated to at a steady
       * cadence (assets or not): 3 challenge, 6 block.
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
        bare_pages: { log: 3, challenge: 4, block: 10 },
        walk: { log: null, challenge: 3, block: 6 },
        cadence: { log: null, challenge: 3, block: 6 },
        distributed: NEVER,
        api_fleet: NEVER,
        min_distinct_ips: 1,
        max_pages_per_ip: 3,
        max_requests_per_ip: null,
        low_and_slow: { log: 150, challenge: 300, block: 600 },
        min_watched_ms: 0,
      }).describe('`ip:<ip>`: one address.'),
      /**
       * `prefix:<cidr>`: off by default. A /24 or /64 holds too few clients to show human
       * absence quickly (a carrier /24 sees a human every few minutes) and too few of a rotating
       * fleet's addresses to matter: the ASN, JA4 and user agent carry the fleet evidence.
       */
      prefix: subjectSchema('prefix', { ...aggregate(1, [50_000, 10_000], 10, 600_000), enabled: false }).describe('`prefix:<cidr>`: the client /24 (IPv4) or /64 (IPv6); off by default (see config.ts).'),
      asn: subjectSchema('asn', aggregate(1, [20_000, 5_000], 10, 60_000)).describe('`asn:<n>`: the client autonomous system.'),
      ja4: subjectSchema('ja4', aggregate(1, [50_000, 10_000], 10, 120_000)).describe('`ja4:<fp>`: the TLS fingerprint.'),
      /** `ua:<user agent>`: one user-agent string (the fingerprint without Bot Management). */
      ua: subjectSchema('ua', aggregate(1, [50_000, 10_000], 10, 120_000)).describe('`ua:<user agent>`: one user-agent string.'),
    },
    'Per kind of subject: tracked or not, thresholds and the caps on tracked subjects.',
  ),
});

export type ScrapingConfig = z.output<typeof scrapingConfigSchema>;
export type ScrapingSubjectConfig = ScrapingConfig['subjects']['ip'];
export type PresenceConfig = ScrapingConfig['presence'];

/** Validates raw config; every problem is listed with its path. */
export function parseScrapingConfig(raw: unknown): ScrapingConfig {
  return parseOrThrow(scrapingConfigSchema, raw ?? {}, 'scraping config');
}

/** Longest look-back: the long window covers up to two long windows; presence remembers memory_ms. */
export function scrapingLookbackMs(config: ScrapingConfig): number {
  return Math.max(2 * Math.max(config.window_ms, config.long_window_ms), config.presence.memory_ms);
}
