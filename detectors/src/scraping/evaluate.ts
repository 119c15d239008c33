/**
 * `scraping`'s rules over one subject's windows: each reaches a rank (0 nothing, 1 log,
 * 2 challenge, 3 block); the strongest wins (highest rank, then lowest score). Pure: the caller
 * hands in the windows, the subject's human presence and whether the detector is warm.
 *
 * A sketch is estimated only when the counters say its rule could fire (distinct URLs and ids
 * never exceed pages, distinct IPs never exceed requests: estimates are capped so), so most
 * summaries estimate nothing; `full` estimates everything, for the evidence.
 */
import { round3 } from '../engine/evidence.js';
import type { Judgement } from '../engine/levels.js';
import { distinctUnion } from '../engine/segment-window.js';
import type { HyperLogLog } from '../sketch/index.js';
import type { PageWindow } from './page-window.js';
import type { ScrapingRules } from './rules.js';

/** Evidence of a judgement made only to rank (never emitted). */
const NO_EVIDENCE: Record<string, number> = Object.freeze({}) as Record<string, number>;

/** What a population rule needs to know about the subject besides its windows. */
export interface Population {
  /** Aggregate subject (ASN, JA4, user agent, prefix), else an address. */
  aggregate: boolean;
  /** A fingerprint subject (user agent, JA4): the identity itself, not a network. */
  identity: boolean;
  /** Human evidence within the presence memory (0: none seen). */
  presence: number;
  /** Event time the detector has watched (aggregates act from the kind's min_watched_ms on). */
  watchedMs: number;
}

/** The cadence settings (detector-wide). */
export interface CadenceSettings {
  tolerance: number;
  slack_ms: number;
}

/** The strongest rule so far (module scratch: evaluate is not re-entrant; no closure per call). */
const best = { rank: 0, score: 99 };

function consider(rank: number, score: number): void {
  if (rank > best.rank || (rank === best.rank && rank > 0 && score < best.score)) {
    best.rank = rank;
    best.score = score;
  }
}

/** How far this judgement's ranks are lowered and capped (module scratch, as `best`). */
const limits = { lower: 0, cap: 3 };

function limit(rank: number): number {
  const lowered = rank - limits.lower;
  return lowered <= 0 ? 0 : lowered < limits.cap ? lowered : limits.cap;
}

export function evaluate(rules: ScrapingRules, s: PageWindow, long: PageWindow | null, population: Population, cadence: CadenceSettings, scratch: HyperLogLog, full: boolean): Judgement {
  const pages = s.pages;
  const fewAssets = s.assets <= pages * rules.maxAssetsRatio;
  const aggregate = population.aggregate;
  // Aggregates: every rule needs the subject uninhabited (no human evidence within memory) and
  // the detector warm. A fingerprint subject (user agent, JA4) that claims a human identity (a
  // browser's or the app's) is judged one level lower: its block threshold challenges, its
  // challenge threshold logs, since a human of a rarely seen identity may simply not have shown
  // up yet (a network's humans show up continuously: an ASN is not lowered). Addresses: one that shows
  // humans (a navigation, a cart, an app session) in its window is shared with them, so its
  // rules only log.
  const uninhabited = aggregate ? population.watchedMs >= rules.minWatchedMs && population.presence === 0 && s.evidence === 0 : true;
  limits.lower = population.identity && s.humanIdentities > 0 ? 1 : 0;
  limits.cap = !aggregate && s.evidence > 0 ? 1 : 3;

  // Per address: what a session around the pages would show is absent.
  const served = s.servedPages;
  const unnavigated = s.navigations === 0 && s.commerce === 0 && s.sharedSteps === 0;
  const bare = unnavigated && s.assets === 0 && s.other === 0;
  const steady = unnavigated && s.pageSteps >= 3 && s.cadenceSpread <= Math.max(cadence.tolerance * s.cadenceMean, cadence.slack_ms);

  const urlsWanted = full || (pages >= rules.urlsLowest && ((fewAssets && uninhabited) || steady || (aggregate && uninhabited && s.navigations === 0)));
  const urls = urlsWanted ? distinctUnion(s.prevUrls, s.curUrls, scratch, pages) : 0;
  const span = s.idMin >= 0 && s.idMax >= s.idMin ? s.idMax - s.idMin + 1 : 0;
  const idsCount = (fewAssets || !rules.enumerationNeedsFewAssets) && uninhabited;
  // ids ≤ pages, so the density is at most pages / span.
  const idsWanted = full || (span > 0 && pages >= rules.minIdDensity * span && ((idsCount && pages >= rules.enumeration.lowest) || (bare && pages >= rules.walk.lowest)));
  const ids = idsWanted ? distinctUnion(s.prevIds, s.curIds, scratch, pages) : 0;
  const density = span > 0 ? Math.min(1, ids / span) : 0;
  const fleet = aggregate && uninhabited && s.navigations === 0;
  const ipsWanted = aggregate && (full || (fleet && (pages >= rules.distributed.lowest || s.other >= rules.apiFleet.lowest)));
  const ips = !aggregate ? 1 : ipsWanted ? distinctUnion(s.prevIps, s.curIps, scratch, s.requests) : 0;
  const pagesPerIp = pages / Math.max(1, ips);
  const requestsPerIp = s.requests / Math.max(1, ips);
  const longFewAssets = long !== null && long.assets <= long.pages * rules.maxAssetsRatio && uninhabited;
  const longBare = long !== null && !aggregate && long.assets === 0 && long.navigations === 0 && long.other === 0 && long.commerce === 0 && long.sharedSteps === 0;
  const longUrls = long !== null && (full || (longFewAssets && long.pages >= rules.lowAndSlow.lowest) || (longBare && long.pages >= rules.barePages.lowest)) ? distinctUnion(long.prevUrls, long.curUrls, scratch, long.pages) : 0;

  const coverage = limit(fewAssets && uninhabited ? rules.coverage.rank(urls) : 0);
  const enumeration = limit(idsCount && density >= rules.minIdDensity ? rules.enumeration.rank(ids) : 0);
  const walked = Math.min(ids, served);
  const walk = limit(bare && density >= rules.minIdDensity ? rules.walk.rank(walked) : 0);
  const bareCount = longBare ? Math.min(longUrls, long.servedPages) : 0;
  const barePages = limit(rules.barePages.rank(bareCount));
  const paced = Math.min(urls, served, s.pageSteps);
  const cadenceRank = limit(steady ? rules.cadence.rank(paced) : 0);
  const distributed = limit(fleet && ips >= rules.minDistinctIps && pagesPerIp <= rules.maxPagesPerIp ? rules.distributed.rank(urls) : 0);
  const sessionless = fleet && s.referers === 0 && 20 * s.sessions <= s.requests && ips >= rules.minDistinctIps && requestsPerIp <= rules.maxRequestsPerIp;
  const apiFleet = limit(sessionless ? rules.apiFleet.rank(s.other) : 0);
  const lowAndSlow = limit(longFewAssets ? rules.lowAndSlow.rank(longUrls) : 0);

  // The strongest rule wins (highest rank, then lowest score); scores are of the rank reached.
  best.rank = 0;
  best.score = 99;
  consider(coverage, rules.coverage.score(coverage, urls));
  consider(enumeration, rules.enumeration.score(enumeration, ids));
  consider(walk, rules.walk.score(walk, walked));
  consider(barePages, rules.barePages.score(barePages, bareCount));
  consider(cadenceRank, rules.cadence.score(cadenceRank, paced));
  consider(distributed, rules.distributed.score(distributed, urls));
  consider(apiFleet, rules.apiFleet.score(apiFleet, s.other));
  consider(lowAndSlow, rules.lowAndSlow.score(lowAndSlow, longUrls));
  const rank = best.rank;
  const score = best.score;
  if (!full) return { rank, score, evidence: NO_EVIDENCE };

  const evidence = {
    distinct_urls: urls,
    pages,
    served_pages: served,
    assets: s.assets,
    assets_ratio: round3(pages > 0 ? s.assets / pages : 0),
    navigations: s.navigations,
    other_requests: s.other,
    session_requests: s.sessions,
    referers: s.referers,
    commerce: s.commerce,
    shared_steps: s.sharedSteps,
    distinct_ids: ids,
    id_span: span,
    id_density: round3(density),
    page_steps: s.pageSteps,
    cadence_mean_ms: Math.round(s.cadenceMean),
    cadence_spread_ms: s.cadenceSpread,
    distinct_ips: ips,
    requests: s.requests,
    pages_per_ip: round3(pagesPerIp),
    requests_per_ip: round3(requestsPerIp),
    human_identities: s.humanIdentities,
    human_presence: population.presence,
    watched_ms: population.watchedMs,
    window_ms: s.lastMs - s.firstMs,
    long_distinct_urls: longUrls,
    long_pages: long?.pages ?? 0,
    long_assets_ratio: round3(long !== null && long.pages > 0 ? long.assets / long.pages : 0),
    long_window_ms: long === null ? 0 : long.lastMs - long.firstMs,
    rule_coverage: coverage,
    rule_enumeration: enumeration,
    rule_walk: walk,
    rule_bare_pages: barePages,
    rule_cadence: cadenceRank,
    rule_distributed: distributed,
    rule_api_fleet: apiFleet,
    rule_low_and_slow: lowAndSlow,
  };
  return { rank, score, evidence };
}
