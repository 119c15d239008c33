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
 * Per event: one Map lookup per subject kind, counter increments, a few sketch adds. Maps are
 * keyed by the raw value (no `kind:` string built per event); the subject key is built once per
 * new summary.
 */
import type { RequestEvent, SubjectKey } from '@botsieve/core';
import { HyperLogLog, hashNumber } from '../sketch/index.js';
import type { EventFeatures } from './features.js';
import { emptySummary, type Summary, type SummaryKind } from './summary.js';

export class SummaryBuilder {
  private readonly ip = new Map<string, Summary>();
  private readonly prefix = new Map<string, Summary>();
  private readonly asn = new Map<number, Summary>();
  private readonly ja4 = new Map<string, Summary>();
  private readonly ua = new Map<string, Summary>();
  private open = 0;
  private step = Number.NEGATIVE_INFINITY;
  private drained: Summary[] = [];

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
   * (everything open before it is complete) or the open summaries reached `max_open`.
   */
  add(event: RequestEvent, features: EventFeatures): boolean {
    const step = Math.floor(event.timestamp_ms / this.step_ms) * this.step_ms;
    let stepped = false;
    if (step > this.step) {
      if (this.open > 0) this.closeAll();
      stepped = this.step !== Number.NEGATIVE_INFINITY;
      this.step = step;
    }
    this.fold(this.ip, event.ip, 'ip', event, features, step);
    if (event.prefix !== '') this.fold(this.prefix, event.prefix, 'prefix', event, features, step);
    if (event.asn !== 0) this.fold(this.asn, event.asn, 'asn', event, features, step);
    if (event.ja4 !== null && event.ja4 !== '') this.fold(this.ja4, event.ja4, 'ja4', event, features, step);
    // A UA that claims a good crawler is shared with the real crawler (verified, never acted on):
    // the fakes are judged per IP (heuristics' fake_crawler), never through the UA string.
    if (event.user_agent !== '' && features.claimed_crawler === '') this.fold(this.ua, event.user_agent, 'ua', event, features, step);
    return stepped || this.drained.length > 0 || this.open >= this.max_open;
  }

  /** Every complete summary, and with `partial` also every open one; the builder keeps nothing it returns. */
  drain(partial: boolean): Summary[] {
    if (partial || this.open >= this.max_open) this.closeAll();
    const out = this.drained;
    this.drained = [];
    return out;
  }

  private closeAll(): void {
    for (const map of [this.ip, this.prefix, this.ja4, this.ua] as Map<string, Summary>[]) {
      for (const summary of map.values()) this.drained.push(summary);
      map.clear();
    }
    for (const summary of this.asn.values()) this.drained.push(summary);
    this.asn.clear();
    this.open = 0;
  }

  private fold<K extends string | number>(map: Map<K, Summary>, key: K, kind: SummaryKind, event: RequestEvent, f: EventFeatures, step: number): void {
    let s = map.get(key);
    if (s === undefined) {
      s = emptySummary(`${kind}:${key}` as SubjectKey, kind, step);
      if (kind !== 'ip') s.ips = new HyperLogLog();
      map.set(key, s);
      this.open += 1;
    }
    const ts = event.timestamp_ms;
    if (ts > s.last_ms) s.last_ms = ts;
    s.requests += 1;
    switch (f.kind) {
      case 'page':
        s.pages += 1;
        (s.urls ??= new HyperLogLog()).add(f.url_hash);
        if (f.numeric_id >= 0) {
          (s.ids ??= new HyperLogLog()).add(hashNumber(f.numeric_id));
          if (s.id_min < 0 || f.numeric_id < s.id_min) s.id_min = f.numeric_id;
          if (f.numeric_id > s.id_max) s.id_max = f.numeric_id;
        }
        break;
      case 'asset':
        s.assets += 1;
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
    (s.uas ??= new HyperLogLog()).add(f.ua_hash);
    if (s.ips !== null) s.ips.add(f.ip_hash);
  }
}
