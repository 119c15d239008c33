/**
 * One subject's pages over one window for `scraping`, as two tumbling segments
 * (engine/segment-window.ts):
 * - counters (requests, pages, assets, and the session's shape: navigations, referers, other
 *   requests, requests in a session (`session_calls`), cart and login requests, server errors, steps with several
 *   user agents) and the id range as window totals (previous + current segment) and
 *   current-segment totals: reading the window costs nothing;
 * - sketches (distinct page URLs, numeric ids and, for aggregates, IPs) as the previous and the
 *   current segment apart: one merge per summary, and the union is built only when a rule needs
 *   it (`distinctUnion`): 2 merges per summary instead of 4 (window + current); see scraping.ts
 *   for the measured cost.
 * The segment clock and the cooldown (used on the short window only) are SegmentedState's.
 *
 * - the cadence of page steps (short window of `ip:` subjects): how many steps had pages, and the
 *   shortest, longest and summed interval between them, running since the window last reset
 *   (not per segment: a steady pace is steady across a rotation).
 * The segment clock and the cooldown (used on the short window only) are SegmentedState's.
 *
 * Navigations: pages reached with a Referer, derived per summary as referers − assets − (API
 * calls − app calls), at least 0: browsers send a Referer with every asset and XHR of a page and
 * apps send none, so what is left are the pages that carried one. It undercounts only in a step
 * where API calls without a Referer from something other than an app meet a navigation (then the
 * navigation is missed): a `page_referers` summary counter would make it exact.
 *
 * The same class holds the short window (ids and IPs tracked) and the long one (neither: those
 * sketches stay null and cost a reference each).
 *
 * One object shape (every field set in the constructor): ~450 bytes with inline sketches, up to
 * ~2.5 KB with six dense ones (p = 8).
 */
import { SLOT, mergeSketch, segmentSlot, sketchBytes } from '../engine/segment-window.js';
import { SegmentedState } from '../engine/segmented-state.js';
import type { Summary } from '../engine/summary.js';
import type { HyperLogLog } from '../sketch/index.js';

/** Object header and number fields, roughly 8 bytes per field plus the header. */
const FIXED_BYTES = 360;

export class PageWindow extends SegmentedState {
  requests = 0;
  pages = 0;
  assets = 0;
  curRequests = 0;
  curPages = 0;
  curAssets = 0;
  /** Pages reached by navigation (see the file comment). */
  navigations = 0;
  /** Requests with a Referer. */
  referers = 0;
  /** Requests that are neither pages nor assets (API calls, posts…). */
  other = 0;
  /** Requests from an address that had sent something within the client memory's horizon. */
  /** Requests from addresses in a session (the summaries' `session_calls`). */
  sessions = 0;
  /** Cart, checkout and login requests. */
  commerce = 0;
  /** Requests answered 5xx (pages among them were not served: no assets or navigation follow). */
  serverErrors = 0;
  /** Steps in which the subject used more than one user agent (an address shared by several clients). */
  sharedSteps = 0;
  /** Requests whose identity humans use: a browser's User-Agent (with a browser's JA4 when known) or the app's. */
  humanIdentities = 0;
  /** Human evidence (presence.ts `humanEvidence`: navigations, cart requests, app calls in a session). */
  evidence = 0;
  curNavigations = 0;
  curReferers = 0;
  curOther = 0;
  curSessions = 0;
  curCommerce = 0;
  curServerErrors = 0;
  curSharedSteps = 0;
  curHumanIdentities = 0;
  curEvidence = 0;
  /** Steps with pages since the window last reset, and the intervals between them (ms). */
  pageSteps = 0;
  lastPageStep = -1;
  intervalSum = 0;
  intervalMin = 0;
  intervalMax = 0;
  /** Smallest and largest numeric page id in the window; −1 when none. */
  idMin = -1;
  idMax = -1;
  curIdMin = -1;
  curIdMax = -1;
  prevUrls: HyperLogLog | null = null;
  curUrls: HyperLogLog | null = null;
  prevIds: HyperLogLog | null = null;
  curIds: HyperLogLog | null = null;
  prevIps: HyperLogLog | null = null;
  curIps: HyperLogLog | null = null;
  /** Short window only: the subject was admitted to the long window (it may have left it since). */
  inLong = false;
  /**
   * sketchBytes of the three previous-segment sketches, kept as they change (rotation, late
   * partials), so `measure` after each summary reads only the current ones: the previous ones
   * are otherwise untouched, and reading them was three cache misses per summary.
   */
  private prevBytes = 3 * sketchBytes(null);

  constructor(
    seg: number,
    step_ms: number,
    private readonly withIds: boolean,
    private readonly withIps: boolean,
  ) {
    super(seg, step_ms);
    this.bytes = this.measure();
  }

  /**
   * Folds a partial summary in; false when it was older than the window (refused). `shared` is 1
   * when the summary shows several user agents on one address (the caller estimates it for `ip:`
   * subjects only), else 0.
   */
  fold(summary: Summary, segment_ms: number, shared: number): boolean {
    const step = summary.step_ms;
    const seg = Math.floor(step / segment_ms);
    const slot = segmentSlot(this.seg, seg);
    if (slot === SLOT.tooOld) return false;
    if (slot === SLOT.next || slot === SLOT.reset) this.rotate(seg, slot === SLOT.reset);
    if (summary.last_ms > this.lastMs) this.lastMs = summary.last_ms;
    const ids = this.withIds ? summary.ids : null;
    const ips = this.withIps ? summary.ips : null;
    const idMin = summary.id_min;
    const idMax = summary.id_max;
    const navigations = navigationsOf(summary);
    const other = summary.requests - summary.pages - summary.assets;
    const sessions = summary.session_calls;
    const commerce = summary.cart + summary.logins;
    const identities = summary.browser_ua - summary.ua_ja4_mismatch + summary.app_ua;
    const evidence = humanEvidence(summary);
    this.requests += summary.requests;
    this.pages += summary.pages;
    this.assets += summary.assets;
    this.navigations += navigations;
    this.referers += summary.referers;
    this.other += other;
    this.sessions += sessions;
    this.commerce += commerce;
    this.serverErrors += summary.server_errors;
    this.sharedSteps += shared;
    this.humanIdentities += identities;
    this.evidence += evidence;
    if (summary.pages > 0) this.pageStep(step);
    if (step < this.firstMs) this.firstMs = step;
    if (idMin >= 0 && (this.idMin < 0 || idMin < this.idMin)) this.idMin = idMin;
    if (idMax > this.idMax) this.idMax = idMax;
    if (slot === SLOT.previous) {
      this.prevUrls = mergeSketch(this.prevUrls, summary.urls);
      this.prevIds = mergeSketch(this.prevIds, ids);
      this.prevIps = mergeSketch(this.prevIps, ips);
      this.measurePrevious();
      return true;
    }
    this.curRequests += summary.requests;
    this.curPages += summary.pages;
    this.curAssets += summary.assets;
    this.curNavigations += navigations;
    this.curReferers += summary.referers;
    this.curOther += other;
    this.curSessions += sessions;
    this.curCommerce += commerce;
    this.curServerErrors += summary.server_errors;
    this.curSharedSteps += shared;
    this.curHumanIdentities += identities;
    this.curEvidence += evidence;
    if (step < this.curFirstMs) this.curFirstMs = step;
    if (idMin >= 0 && (this.curIdMin < 0 || idMin < this.curIdMin)) this.curIdMin = idMin;
    if (idMax > this.curIdMax) this.curIdMax = idMax;
    this.curUrls = mergeSketch(this.curUrls, summary.urls);
    this.curIds = mergeSketch(this.curIds, ids);
    this.curIps = mergeSketch(this.curIps, ips);
    return true;
  }

  /**
   * Adds everything `other`'s window holds to this window's current segment: a subject entering
   * the long window brings its short window along, so the long window does not depend on which
   * partial summary happened to admit it (and two halves still add up to the whole).
   */
  absorb(other: PageWindow): void {
    if (other.lastMs > this.lastMs) this.lastMs = other.lastMs;
    if (other.firstMs < this.firstMs) this.firstMs = other.firstMs;
    if (other.firstMs < this.curFirstMs) this.curFirstMs = other.firstMs;
    this.requests += other.requests;
    this.pages += other.pages;
    this.assets += other.assets;
    this.curRequests += other.requests;
    this.curPages += other.pages;
    this.curAssets += other.assets;
    this.navigations += other.navigations;
    this.referers += other.referers;
    this.other += other.other;
    this.sessions += other.sessions;
    this.commerce += other.commerce;
    this.serverErrors += other.serverErrors;
    this.sharedSteps += other.sharedSteps;
    this.humanIdentities += other.humanIdentities;
    this.evidence += other.evidence;
    this.curNavigations += other.navigations;
    this.curReferers += other.referers;
    this.curOther += other.other;
    this.curSessions += other.sessions;
    this.curCommerce += other.commerce;
    this.curServerErrors += other.serverErrors;
    this.curSharedSteps += other.sharedSteps;
    this.curHumanIdentities += other.humanIdentities;
    this.curEvidence += other.evidence;
    this.curUrls = mergeSketch(mergeSketch(this.curUrls, other.prevUrls), other.curUrls);
    if (this.withIds) {
      this.curIds = mergeSketch(mergeSketch(this.curIds, other.prevIds), other.curIds);
      if (other.idMin >= 0 && (this.idMin < 0 || other.idMin < this.idMin)) this.idMin = this.curIdMin = other.idMin;
      if (other.idMax > this.idMax) this.idMax = this.curIdMax = other.idMax;
    }
    if (this.withIps) this.curIps = mergeSketch(mergeSketch(this.curIps, other.prevIps), other.curIps);
  }

  /** Pages not answered with a server error (approximate: a 5xx may have been an asset's). */
  get servedPages(): number {
    return this.pages > this.serverErrors ? this.pages - this.serverErrors : 0;
  }

  /** Cadence spread (longest − shortest interval between page steps), or −1 with fewer than two intervals. */
  get cadenceSpread(): number {
    return this.pageSteps >= 3 ? this.intervalMax - this.intervalMin : -1;
  }

  /** Mean interval between page steps (ms), 0 with none. */
  get cadenceMean(): number {
    return this.pageSteps >= 2 ? this.intervalSum / (this.pageSteps - 1) : 0;
  }

  /**
   * A step with pages: intervals are counted between distinct steps in time order (a partial
   * summary of a step already counted, or one older than the last, adds none).
   */
  private pageStep(step: number): void {
    const last = this.lastPageStep;
    if (step <= last) return;
    if (last >= 0) {
      const interval = step - last;
      if (this.pageSteps === 1 || interval < this.intervalMin) this.intervalMin = interval;
      if (this.pageSteps === 1 || interval > this.intervalMax) this.intervalMax = interval;
      this.intervalSum += interval;
    }
    this.pageSteps += 1;
    this.lastPageStep = step;
  }

  measure(): number {
    return FIXED_BYTES + this.prevBytes + sketchBytes(this.curUrls) + sketchBytes(this.curIds) + sketchBytes(this.curIps);
  }

  private measurePrevious(): void {
    this.prevBytes = sketchBytes(this.prevUrls) + sketchBytes(this.prevIds) + sketchBytes(this.prevIps);
  }

  private rotate(seg: number, reset: boolean): void {
    const { prevUrls, prevIds, prevIps } = this;
    if (reset) {
      this.requests = this.pages = this.assets = 0;
      this.navigations = this.referers = this.other = this.sessions = this.commerce = this.serverErrors = this.sharedSteps = this.humanIdentities = this.evidence = 0;
      this.pageSteps = this.intervalSum = this.intervalMin = this.intervalMax = 0;
      this.lastPageStep = -1;
      this.idMin = this.idMax = -1;
      this.curUrls?.clear();
      this.curIds?.clear();
      this.curIps?.clear();
    } else {
      this.requests = this.curRequests;
      this.pages = this.curPages;
      this.assets = this.curAssets;
      this.navigations = this.curNavigations;
      this.referers = this.curReferers;
      this.other = this.curOther;
      this.sessions = this.curSessions;
      this.commerce = this.curCommerce;
      this.serverErrors = this.curServerErrors;
      this.sharedSteps = this.curSharedSteps;
      this.humanIdentities = this.curHumanIdentities;
      this.evidence = this.curEvidence;
      this.idMin = this.curIdMin;
      this.idMax = this.curIdMax;
      this.prevUrls = this.curUrls;
      this.prevIds = this.curIds;
      this.prevIps = this.curIps;
      this.curUrls = prevUrls;
      this.curIds = prevIds;
      this.curIps = prevIps;
    }
    // The previous segment's sketches become the new current ones, emptied: rotation allocates nothing.
    prevUrls?.clear();
    prevIds?.clear();
    prevIps?.clear();
    this.measurePrevious();
    this.curRequests = this.curPages = this.curAssets = 0;
    this.curNavigations = this.curReferers = this.curOther = this.curSessions = this.curCommerce = this.curServerErrors = this.curSharedSteps = this.curHumanIdentities = this.curEvidence = 0;
    this.curIdMin = this.curIdMax = -1;
    this.rotateClock(seg, reset);
  }
}

/**
 * Pages of a summary that were reached by navigation: referers − assets − (API calls − app
 * calls), at least 0 (see the file comment for what it assumes).
 */
export function navigationsOf(summary: Summary): number {
  const n = summary.referers - summary.assets - (summary.api - summary.app_ua);
  return n > 0 ? (n < summary.pages ? n : summary.pages) : 0;
}

/**
 * Evidence of humans in a summary: pages reached by navigation, cart and checkout requests, and
 * app calls from addresses in a session (three or more distinct routes: the app's launch, views
 * and events; a scraper reading one endpoint returns to it, however often, and is no session).
 * 0 for the scrapers this detector hunts (see presence.ts).
 */
export function humanEvidence(summary: Summary): number {
  const sessions = summary.session_calls;
  const appSessions = sessions < summary.app_ua ? sessions : summary.app_ua;
  return navigationsOf(summary) + summary.cart + appSessions;
}
