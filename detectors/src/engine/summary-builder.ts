/**
 * SummaryBuilder: folds events into per-(subject, step) Summaries for the subjects of every
 * event (ip, prefix, asn when known, ja4 when present) and hands them out in batches.
 *
 * Subjects: ip, prefix, asn (when known), ja4 (when present) and ua (when not empty: the exact
 * user-agent string, the fingerprint zones without Bot Management have).
 *
 * Emission: the engine drains every open summary when the newest event time enters a new step
 * (so a step's summaries go out as soon as it ends) and at the end of each consumed batch
 * (partial summaries: the same (subject, step) may then be emitted again; consumers add them
 * up). A late event is folded into its subject's open summary whatever its step: counts stay
 * exact, only its bucket may be one step off.
 *
 * Bounded: at most `max_open` open summaries; reaching it drains early (more, smaller partials).
 * Per event: one table lookup per subject kind (open-summaries.ts; the `ua:` and `ja4:` ones
 * usually through the extractor's per-value slots), counter increments, a few sketch adds. Tables
 * are keyed by the raw value (no `kind:` string built per event); the subject key is built once
 * per new summary.
 */
import type { RequestEvent, SubjectKey } from '@botsieve/core';
import { HyperLogLog, hash32, hashNumber } from '../sketch/index.js';
import type { EventFeatures } from './features.js';
import { OpenSummaries } from './open-summaries.js';
import { emptySummary, resetSummary, type Summary, type SummaryKind } from './summary.js';

/** Precision of the sketches the builder makes (`new HyperLogLog()`'s default). */
const DEFAULT_PRECISION = new HyperLogLog().precision;

/**
 * Where the builder finds a subject's open summary without a table lookup: a cache kept by the
 * caller per subject value (the feature extractor keeps one per cached user agent and JA4). The
 * table stays authoritative: a slot is only trusted within the generation (open summaries between
 * two closes) it was filled in, and is emptied when they close.
 */
export class OpenSlot {
  summary: Summary | null = null;
  generation = -1;
}

/**
 * Summary objects kept for reuse at most (a burst's worth beyond it is left to the GC). At 4,096,
 * 42 % of bench:detect's summaries were new objects (drains of up to 8,970 summaries while the
 * flood runs: 203,762 of 484,534 beyond the pool); at 16,384 none were, and the engine allocated
 * ~12 % fewer bytes per event. Held at most: ~7 MB of summaries and ~5 MB of cleared sketches,
 * and only as many as the largest drain seen.
 */
const MAX_FREE_SUMMARIES = 16_384;
const MAX_FREE_SKETCHES = 4 * MAX_FREE_SUMMARIES;

export class SummaryBuilder {
  private readonly ip = new OpenSummaries<string>(14);
  private readonly prefix = new OpenSummaries<string>(14);
  private readonly asn = new OpenSummaries<number>(12);
  private readonly ja4 = new OpenSummaries<string>(10);
  private readonly ua = new OpenSummaries<string>(12);
  private open = 0;
  private step = Number.NEGATIVE_INFINITY;
  private drained: Summary[] = [];
  /** Bumped whenever every open summary closes (the tables are emptied). */
  private generation = 0;
  /** Slots filled this generation (emptied on close, so they hold no closed summary). */
  private readonly filled: OpenSlot[] = [];
  /** Recycled summaries and sketches (see `recycle`). */
  private readonly freeSummaries: Summary[] = [];
  private readonly freeSketches: HyperLogLog[] = [];

  constructor(
    readonly step_ms: number,
    private readonly max_open: number,
  ) {}

  /** Open summaries right now. */
  get size(): number {
    return this.open;
  }

  /**
   * Folds one event in. Returns true when the caller should drain: the event opened a new step
   * (everything open before it is complete) or the open summaries reached `max_open`. The slots
   * are the caller's caches of the event's `ua:` and `ja4:` summaries (see OpenSlot).
   */
  add(event: RequestEvent, features: EventFeatures, uaSlot: OpenSlot | null = null, ja4Slot: OpenSlot | null = null): boolean {
    const step = Math.floor(event.timestamp_ms / this.step_ms) * this.step_ms;
    let stepped = false;
    if (step > this.step) {
      if (this.open > 0) this.closeAll();
      stepped = this.step !== Number.NEGATIVE_INFINITY;
      this.step = step;
    }
    this.fold(this.summaryOf(this.ip, event.ip, features.ip_hash, 'ip', step, null), event, features);
    if (event.prefix !== '') this.fold(this.summaryOf(this.prefix, event.prefix, hash32(event.prefix), 'prefix', step, null), event, features);
    if (event.asn !== 0) this.fold(this.summaryOf(this.asn, event.asn, Math.imul(event.asn, 0x9e3779b1), 'asn', step, null), event, features);
    const ja4 = event.ja4;
    if (ja4 !== null && ja4 !== '') {
      const hit = ja4Slot !== null && ja4Slot.generation === this.generation;
      this.fold(hit ? (ja4Slot.summary as Summary) : this.summaryOf(this.ja4, ja4, hash32(ja4), 'ja4', step, ja4Slot), event, features);
    }
    // A UA that claims a good crawler is shared with the real crawler (verified, never acted on):
    // the fakes are judged per IP (heuristics' fake_crawler), never through the UA string. Requests
    // without a user agent are the population `ua:` (no browser or app sends none).
    if (features.claimed_crawler === '') {
      const hit = uaSlot !== null && uaSlot.generation === this.generation;
      this.fold(hit ? (uaSlot.summary as Summary) : this.summaryOf(this.ua, event.user_agent, features.ua_hash, 'ua', step, uaSlot), event, features);
    }
    return stepped || this.drained.length > 0 || this.open >= this.max_open;
  }

  /** Every complete summary, and with `partial` also every open one; the builder keeps nothing it returns. */
  drain(partial: boolean): Summary[] {
    if (partial || this.open >= this.max_open) this.closeAll();
    const out = this.drained;
    this.drained = [];
    return out;
  }

  /**
   * Takes back summaries this builder handed out, once nothing holds them any more (every
   * detector saw them; detectors copy what they keep): their objects and sketches are reused for
   * later summaries. Summaries were ~45 % of the bytes the engine promoted to the old generation
   * (sampled allocation profile, bench:detect traffic): most were alive at a scavenge.
   */
  recycle(summaries: readonly Summary[]): void {
    const free = this.freeSummaries;
    const sketches = this.freeSketches;
    for (let i = 0; i < summaries.length && free.length < MAX_FREE_SUMMARIES; i++) {
      const s = summaries[i] as Summary;
      if (s.ips !== null) this.freeSketch(s.ips);
      if (s.urls !== null) this.freeSketch(s.urls);
      if (s.ids !== null) this.freeSketch(s.ids);
      if (s.uas !== null) this.freeSketch(s.uas);
      s.ips = s.urls = s.ids = s.uas = null;
      free.push(s);
    }
    if (sketches.length > MAX_FREE_SKETCHES) sketches.length = MAX_FREE_SKETCHES;
  }

  private freeSketch(sketch: HyperLogLog): void {
    if (sketch.precision !== DEFAULT_PRECISION) return;
    sketch.clear();
    this.freeSketches.push(sketch);
  }

  /** An empty sketch (recycled when one is free). */
  private sketch(): HyperLogLog {
    return this.freeSketches.pop() ?? new HyperLogLog();
  }

  private closeAll(): void {
    const drained = this.drained;
    for (const table of [this.ip, this.prefix, this.ja4, this.ua, this.asn] as OpenSummaries<string | number>[]) {
      const order = table.order;
      for (let i = 0; i < order.length; i++) drained.push(order[i] as Summary);
      table.clear();
    }
    this.open = 0;
    this.generation += 1;
    const filled = this.filled;
    for (let i = 0; i < filled.length; i++) (filled[i] as OpenSlot).summary = null;
    filled.length = 0;
  }

  /** The open summary of `key` (`hash` is its hash), opened when new; `slot`, if any, then points at it. */
  private summaryOf<K extends string | number>(table: OpenSummaries<K>, key: K, hash: number, kind: SummaryKind, step: number, slot: OpenSlot | null): Summary {
    let s = table.get(key, hash);
    if (s === undefined) {
      const subject = table.subjects.subject(kind, key, hash);
      const reused = this.freeSummaries.pop();
      if (reused === undefined) s = emptySummary(subject, kind, step);
      else {
        s = reused;
        resetSummary(s, subject, kind, step);
      }
      if (kind !== 'ip') s.ips = this.sketch();
      table.add(key, hash, s);
      this.open += 1;
    }
    if (slot !== null) {
      slot.summary = s;
      slot.generation = this.generation;
      this.filled.push(slot);
    }
    return s;
  }

  /** Adds one event to its subject's summary. */
  private fold(s: Summary, event: RequestEvent, f: EventFeatures): void {
    const ts = event.timestamp_ms;
    if (ts > s.last_ms) s.last_ms = ts;
    s.requests += 1;
    switch (f.kind) {
      case 'page':
        s.pages += 1;
        (s.urls ??= this.sketch()).add(f.url_hash);
        if (f.numeric_id >= 0) {
          (s.ids ??= this.sketch()).add(hashNumber(f.numeric_id));
          if (s.id_min < 0 || f.numeric_id < s.id_min) s.id_min = f.numeric_id;
          if (f.numeric_id > s.id_max) s.id_max = f.numeric_id;
        }
        break;
      case 'asset':
        s.assets += 1;
        if (!f.automation_ua) s.rendered_assets += 1;
        break;
      case 'api':
        s.api += 1;
        break;
      default:
        break;
    }
    if (f.login) {
      s.logins += 1;
      if (f.login_failed) s.login_failures += 1;
    }
    if (f.probe) s.probes += 1;
    if (f.not_found) s.not_found += 1;
    if (f.client_error) s.client_errors += 1;
    if (f.server_error) s.server_errors += 1;
    if (f.cache_busting) s.cache_busting += 1;
    if (f.has_bot_management) {
      s.scored += 1;
      if (f.low_score) s.low_score += 1;
    }
    if (f.automation_ua) s.automation_ua += 1;
    if (f.browser_ua) s.browser_ua += 1;
    if (f.claimed_crawler !== '' && !f.verified) s.fake_crawler += 1;
    if (f.ua_ja4_mismatch) s.ua_ja4_mismatch += 1;
    if (f.app_ua) s.app_ua += 1;
    if (f.has_referer) s.referers += 1;
    if (f.cart) s.cart += 1;
    if (f.new_client) s.new_clients += 1;
    if (f.known_browser) s.known_browsers += 1;
    if (f.in_session) s.session_calls += 1;
    if (f.route_spiking) s.spiking_route += 1;
    if (f.origin_loaded) {
      s.under_load += 1;
      // The bot bucket: low Bot Management score, or without Bot Management an automation UA.
      if (f.has_bot_management ? f.low_score : f.automation_ua) s.low_score_under_load += 1;
    }
    // Top route by majority vote (Misra–Gries with one counter): exact when one route dominates.
    if (s.top_route === f.route) s.top_route_requests += 1;
    else if (s.top_route_requests === 0) {
      s.top_route = f.route;
      s.top_route_requests = 1;
    } else s.top_route_requests -= 1;
    (s.uas ??= this.sketch()).add(f.ua_hash);
    if (s.ips !== null) s.ips.add(f.ip_hash);
  }
}
