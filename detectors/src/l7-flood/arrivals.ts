/**
 * Arrivals: the light members of a flood. A flood from a residential proxy pool or a botnet of
 * tens of thousands of addresses sends a few requests per address (1–50), each address wearing
 * whatever client the pool gives it, often an exact copy of the shop's own visitors' browser on
 * the customers' own networks. No rate, fingerprint or network tells it apart; what it does does:
 *
 *   an address whose first request (new to the client memory: nothing from it in the last 10–20
 *   minutes) goes to the route, whose every request since goes to that one route, a route that
 *   spiked while it did, and that never loads an asset; on a page route every request asks for a
 *   URL it has not asked for before (cache busting, random search terms, random product ids)
 *   and carries evidence (served without an asset after it, or cache-busting: a page that
 *   failed with a 5xx has no assets to load); on an API route (where no client loads assets)
 *   at least half the calls are cache-busting.
 *
 * Flagged after `min_requests` (2) such requests: challenge; from `block_min_requests` (5) on:
 * block. Why each part is needed, and what real traffic it assumes:
 * - A person's page view pulls its assets (css, js, images) within a second or two, so a human
 *   who lands on the spiking page shows assets in the same or the next step and is never an
 *   arrival (or stops being one). A visitor with everything cached, who lands on the spiking
 *   route and asks for a second, different URL on it before any asset and before any other
 *   route, is the false positive this rule accepts: hence a challenge, not a block, at 2.
 * - Refreshing the same page (a buyer waiting for a release, a reload after a 5xx) repeats a
 *   URL and is not flagged; a flood that asks for the same URL over and over is the per-IP
 *   rate rule's. A visitor whose pages fail during the overload (5xx) loads no assets either:
 *   their failed pages count only if cache-busting (searches in words, product ids do not).
 * - On an API route, a person's client calls it after a page or a launch call on other routes
 *   (the SPA's HTML and `/api/session`, the app's `/api/config`), so "first request is the
 *   expensive call" holds for them only after a long pause, and their calls are not
 *   cache-busting (words, ids, no random parameter).
 * - `new_client` alone is no evidence (cold start: everyone is new for the first horizon; false
 *   positives of the memory make new addresses look known, never the reverse): it only decides
 *   which addresses are followed; the behaviour decides.
 * - An address shared by many (a NAT exit, an office) is not new, sends to many routes and its
 *   browsers load assets: never an arrival.
 *
 * The first request of an address cannot be mitigated by any per-address verdict, and in replay
 * a summary reaches the detector when its step ends, so the earliest cover is the address's
 * requests after the step of its second request: floods of 1–2 requests per address are out of
 * reach here (see l7-flood.ts for what would reach them).
 *
 * Summaries are partial and additive: an address's state adds every partial, in order (ip
 * subjects are summarised in one process). "One route": each partial's requests all went to its
 * `top_route` (Misra–Gries with one counter is exact then), the same route every time. URLs: the
 * page-URL sketch holds up to 3 hashes inline, copied out; the first `MAX_URL_HASHES` are kept
 * per address and later ones compared with them.
 *
 * State: a BoundedMap (LRU, `max_tracked`) of addresses admitted at their first summary (new,
 * one route, pages or API calls only, no assets); one that breaks the pattern is dropped at once
 * and never admitted again (its later summaries are not new), one idle for `idle_ms` is swept.
 * Cost per ip summary: one map lookup when the map is not empty, one insertion per new address
 * with a clean first step.
 */
import type { SubjectKey } from '@botsieve/core';
import type { Summary } from '../engine/summary.js';
import { BoundedMap } from '../sketch/index.js';
import type { ArrivalsConfig } from './config.js';

/** Page-URL hashes kept per arrival. */
const MAX_URL_HASHES = 4;
/** The builder's sketches (precision 8) hold at most 64 hashes before they go dense. */
const SCRATCH_HASHES = 64;
/** One Arrival (fields, four hashes) and its BoundedMap entry, measured as in BoundedMap's comment. */
const ARRIVAL_BYTES = 220;

export const ARRIVAL_NONE = 0;
export const ARRIVAL_CHALLENGE = 2;
export const ARRIVAL_BLOCK = 3;

/** One followed address. Every field set in the constructor (one shape). */
export class Arrival {
  requests = 0;
  spiking = 0;
  pages = 0;
  api = 0;
  busting = 0;
  referers = 0;
  /** Requests answered with a 5xx (a page that failed has no assets to load: no evidence). */
  failed = 0;
  /** Distinct page URLs (those beyond the kept hashes counted as distinct). */
  distinctUrls = 0;
  urlCount = 0;
  readonly urls = new Uint32Array(MAX_URL_HASHES);
  lastMs: number;
  /** Highest rank signalled and when (0 / −∞ before). */
  rank = ARRIVAL_NONE;
  signalledAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly route: string,
    readonly firstMs: number,
  ) {
    this.lastMs = firstMs;
  }

  /** Folds a partial summary in (the caller checked it is clean and on this route). */
  add(s: Summary, scratch: Uint32Array): void {
    this.requests += s.requests;
    this.spiking += s.spiking_route;
    this.pages += s.pages;
    this.api += s.api;
    this.busting += s.cache_busting;
    this.referers += s.referers;
    this.failed += s.server_errors;
    if (s.last_ms > this.lastMs) this.lastMs = s.last_ms;
    if (s.pages > 0) this.addUrls(s, scratch);
  }

  private addUrls(s: Summary, scratch: Uint32Array): void {
    const sketch = s.urls;
    const n = sketch === null || sketch.estimate() > SCRATCH_HASHES ? 0 : sketch.copyHashes(scratch);
    if (n === 0) {
      // No hashes to compare (no sketch, or a dense one): as many distinct URLs as it says.
      this.distinctUrls += sketch === null ? 0 : Math.min(s.pages, Math.round(sketch.estimate()));
      return;
    }
    for (let i = 0; i < n; i++) {
      const hash = scratch[i] as number;
      let seen = false;
      for (let j = 0; j < this.urlCount; j++) if (this.urls[j] === hash) seen = true;
      if (seen) continue;
      this.distinctUrls += 1;
      if (this.urlCount < MAX_URL_HASHES) this.urls[this.urlCount++] = hash;
    }
  }
}

/** A summary an arrival can be made of: no assets, pages or API calls only, all to one route. */
function clean(s: Summary): boolean {
  return s.assets === 0 && s.pages + s.api === s.requests && s.top_route_requests === s.requests && s.top_route !== '';
}

export class Arrivals {
  private map: BoundedMap<SubjectKey, Arrival>;
  private readonly scratch = new Uint32Array(SCRATCH_HASHES);
  private reportedEvictions = 0;

  constructor(private config: ArrivalsConfig) {
    this.map = new BoundedMap(config.max_tracked);
  }

  get size(): number {
    return this.map.size;
  }

  /** New settings; the state is kept unless the cap changed. */
  reconfigure(config: ArrivalsConfig): void {
    if (config.max_tracked !== this.config.max_tracked) {
      this.map = new BoundedMap(config.max_tracked);
      this.reportedEvictions = 0;
    }
    this.config = config;
  }

  /**
   * Folds an `ip:` summary in: admits a new address with a clean first step, updates a followed
   * one, drops one that broke the pattern. Returns the followed arrival when it now qualifies
   * (its rank is `rankOf`), else null.
   */
  observe(s: Summary): Arrival | null {
    const map = this.map;
    let arrival = map.size === 0 ? undefined : map.get(s.subject);
    if (arrival === undefined) {
      if (s.new_clients === 0 || !clean(s)) return null;
      arrival = new Arrival(s.top_route, s.step_ms);
      map.set(s.subject, arrival);
    } else if (!clean(s) || s.top_route !== arrival.route) {
      map.delete(s.subject);
      return null;
    }
    arrival.add(s, this.scratch);
    return this.rankOf(arrival) === ARRIVAL_NONE ? null : arrival;
  }

  /** The rank the arrival's behaviour earns now (ARRIVAL_NONE when it does not qualify). */
  rankOf(a: Arrival): number {
    const c = this.config;
    if (a.spiking === 0 || a.requests < c.min_requests) return ARRIVAL_NONE;
    if (!(a.api === 0 ? this.pagesQualify(a) : a.pages === 0 && a.busting > 0 && 2 * a.busting >= a.api)) return ARRIVAL_NONE;
    return a.requests >= c.block_min_requests ? ARRIVAL_BLOCK : ARRIVAL_CHALLENGE;
  }

  /**
   * Pages: every one a URL not asked for before, and each carrying evidence: served (not a 5xx)
   * with no asset after it, or cache-busting (counted once per page at most).
   */
  private pagesQualify(a: Arrival): boolean {
    if (a.distinctUrls < a.pages) return false;
    const served = a.pages - Math.min(a.pages, a.failed);
    return Math.min(a.pages, served + a.busting) >= this.config.min_requests;
  }

  /** Forgets arrivals idle for `idle_ms` at `watermark_ms`. */
  sweep(watermark_ms: number): void {
    const idle = this.config.idle_ms;
    this.map.sweepOldest((a) => watermark_ms - a.lastMs >= idle);
  }

  /** Evictions since the last call. */
  takeEvictions(): number {
    const total = this.map.evictions;
    const delta = total - this.reportedEvictions;
    this.reportedEvictions = total;
    return delta;
  }

  bytes(): number {
    return this.map.size * ARRIVAL_BYTES;
  }
}
