/**
 * Summaries: per subject and per event-time step, what that subject did, as additive counters
 * and mergeable sketches. They are the input of every windowed detector and the unit of the
 * cross-partition aggregation:
 *
 * - Events are partitioned by IP, so `ip:` subjects are complete on one instance: their
 *   summaries stay in-process.
 * - `prefix:`, `asn:`, `ja4:` and `ua:` subjects spread over every partition (rotating IPs, one
 *   fingerprint). Each instance summarises its share; the summaries go to the `rollups` topic
 *   keyed by subject, and the aggregation stage (partitioned by subject) merges the partial
 *   summaries of all instances before its detectors see them. Counters add and sketches merge,
 *   so several partial summaries for one (subject, step), in any order, give the same state as
 *   one instance seeing everything.
 *
 * A detector receives partial summaries as they are emitted (per consumed batch, per step) and
 * must treat them additively: two summaries for one (subject, step) add up.
 */
import type { SubjectKey } from '@botsieve/core';
import { HyperLogLog } from '../sketch/index.js';

export type SummaryKind = 'ip' | 'prefix' | 'asn' | 'ja4' | 'ua';

export interface Summary {
  subject: SubjectKey;
  kind: SummaryKind;
  /** Start of the event-time step (a multiple of the step length). */
  step_ms: number;
  /** Newest event time in it. */
  last_ms: number;
  requests: number;
  pages: number;
  assets: number;
  /**
   * Asset requests from clients that do not name automation (no HeadlessChrome, no tool on the
   * isbot list): a rendering that may be a person's. A headless browser that says what it is
   * loads assets too, but is no evidence of people on its network.
   */
  rendered_assets: number;
  api: number;
  logins: number;
  login_failures: number;
  probes: number;
  not_found: number;
  client_errors: number;
  server_errors: number;
  cache_busting: number;
  /** Requests that carried a Bot Management score, and those with a low one. */
  scored: number;
  low_score: number;
  automation_ua: number;
  browser_ua: number;
  /** Good-crawler UA from outside that crawler's network (fake Googlebot). */
  fake_crawler: number;
  ua_ja4_mismatch: number;
  /** Requests from app HTTP stacks' user agents (okhttp, CFNetwork). */
  app_ua: number;
  /** Requests that named a referer. */
  referers: number;
  /** Add-to-cart, checkout and order requests. */
  cart: number;
  /** Requests whose address was new to the client memory (nothing from it within the horizon before). */
  new_clients: number;
  /** Requests whose address had loaded assets within the horizon before (a browser: humans present). */
  known_browsers: number;
  /** Requests whose address was in a session (three or more distinct routes within the horizon, this one included). */
  session_calls: number;
  /** Requests to a route that was spiking at the time (traffic context). */
  spiking_route: number;
  /** Low-score requests while the origin was under load. */
  low_score_under_load: number;
  /** Requests while the origin was under load. */
  under_load: number;
  /** The route this subject sent most requests to in the step, and how many. */
  top_route: string;
  top_route_requests: number;
  /** Smallest and largest numeric id among its pages; −1 when none. */
  id_min: number;
  id_max: number;
  /** Distinct client IPs (null for `ip:` subjects). */
  ips: HyperLogLog | null;
  /** Distinct page URIs. */
  urls: HyperLogLog | null;
  /** Distinct numeric ids among pages. */
  ids: HyperLogLog | null;
  /** Distinct user agents. */
  uas: HyperLogLog | null;
}

/** Counter fields, in wire order: they add when summaries merge. */
export const SUMMARY_COUNTERS = [
  'requests',
  'pages',
  'assets',
  'rendered_assets',
  'api',
  'logins',
  'login_failures',
  'probes',
  'not_found',
  'client_errors',
  'server_errors',
  'cache_busting',
  'scored',
  'low_score',
  'automation_ua',
  'browser_ua',
  'fake_crawler',
  'ua_ja4_mismatch',
  'app_ua',
  'referers',
  'cart',
  'new_clients',
  'known_browsers',
  'session_calls',
  'spiking_route',
  'low_score_under_load',
  'under_load',
] as const satisfies readonly (keyof Summary)[];

export type SummaryCounter = (typeof SUMMARY_COUNTERS)[number];

const SKETCHES = ['ips', 'urls', 'ids', 'uas'] as const;
const KINDS: ReadonlySet<string> = new Set<SummaryKind>(['ip', 'prefix', 'asn', 'ja4', 'ua']);

/** An empty summary (every field set, one object shape). */
export function emptySummary(subject: SubjectKey, kind: SummaryKind, step_ms: number): Summary {
  return {
    subject,
    kind,
    step_ms,
    last_ms: step_ms,
    requests: 0,
    pages: 0,
    assets: 0,
    rendered_assets: 0,
    api: 0,
    logins: 0,
    login_failures: 0,
    probes: 0,
    not_found: 0,
    client_errors: 0,
    server_errors: 0,
    cache_busting: 0,
    scored: 0,
    low_score: 0,
    automation_ua: 0,
    browser_ua: 0,
    fake_crawler: 0,
    ua_ja4_mismatch: 0,
    app_ua: 0,
    referers: 0,
    cart: 0,
    new_clients: 0,
    known_browsers: 0,
    session_calls: 0,
    spiking_route: 0,
    low_score_under_load: 0,
    under_load: 0,
    top_route: '',
    top_route_requests: 0,
    id_min: -1,
    id_max: -1,
    ips: null,
    urls: null,
    ids: null,
    uas: null,
  };
}

/** Empties a summary in place for reuse as a new one (every field set, as emptySummary sets them). */
export function resetSummary(s: Summary, subject: SubjectKey, kind: SummaryKind, step_ms: number): void {
  s.subject = subject;
  s.kind = kind;
  s.step_ms = step_ms;
  s.last_ms = step_ms;
  s.requests = 0;
  s.pages = 0;
  s.assets = 0;
  s.rendered_assets = 0;
  s.api = 0;
  s.logins = 0;
  s.login_failures = 0;
  s.probes = 0;
  s.not_found = 0;
  s.client_errors = 0;
  s.server_errors = 0;
  s.cache_busting = 0;
  s.scored = 0;
  s.low_score = 0;
  s.automation_ua = 0;
  s.browser_ua = 0;
  s.fake_crawler = 0;
  s.ua_ja4_mismatch = 0;
  s.app_ua = 0;
  s.referers = 0;
  s.cart = 0;
  s.new_clients = 0;
  s.known_browsers = 0;
  s.session_calls = 0;
  s.spiking_route = 0;
  s.low_score_under_load = 0;
  s.under_load = 0;
  s.top_route = '';
  s.top_route_requests = 0;
  s.id_min = -1;
  s.id_max = -1;
  s.ips = null;
  s.urls = null;
  s.ids = null;
  s.uas = null;
}

/** Adds `from` into `into` (same subject; steps may differ when a detector folds steps into a window). */
export function mergeSummary(into: Summary, from: Summary): void {
  for (const field of SUMMARY_COUNTERS) into[field] += from[field];
  if (from.last_ms > into.last_ms) into.last_ms = from.last_ms;
  if (from.top_route === into.top_route) into.top_route_requests += from.top_route_requests;
  else if (from.top_route_requests > into.top_route_requests) {
    into.top_route = from.top_route;
    into.top_route_requests = from.top_route_requests;
  }
  if (from.id_min >= 0 && (into.id_min < 0 || from.id_min < into.id_min)) into.id_min = from.id_min;
  if (from.id_max > into.id_max) into.id_max = from.id_max;
  for (const sketch of SKETCHES) {
    const other = from[sketch];
    if (other === null) continue;
    const mine = into[sketch];
    if (mine === null) into[sketch] = other.clone();
    else mine.merge(other);
  }
}

/** Wire form (the `rollups` topic, golden testdata): JSON with sketches as strings. */
export function encodeSummary(summary: Summary): string {
  const wire: Record<string, unknown> = { ...summary };
  for (const sketch of SKETCHES) wire[sketch] = summary[sketch]?.toJSON() ?? null;
  return JSON.stringify(wire);
}

/** Parses a wire summary; null when it is not one (counted by the caller). */
export function decodeSummary(value: unknown): Summary | null {
  if (typeof value !== 'object' || value === null) return null;
  const wire = value as Record<string, unknown>;
  if (typeof wire.subject !== 'string' || typeof wire.kind !== 'string' || !KINDS.has(wire.kind)) return null;
  if (typeof wire.step_ms !== 'number' || !Number.isFinite(wire.step_ms)) return null;
  const summary = emptySummary(wire.subject as SubjectKey, wire.kind as SummaryKind, wire.step_ms);
  summary.last_ms = typeof wire.last_ms === 'number' ? wire.last_ms : wire.step_ms;
  for (const field of SUMMARY_COUNTERS) {
    const n = wire[field];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return null;
    summary[field] = n;
  }
  // Producers before `rendered_assets` existed sent only `assets`: every asset counted as rendered.
  if (wire.rendered_assets === undefined) summary.rendered_assets = summary.assets;
  // …and before `session_calls`, a returning address was taken for a session.
  if (wire.session_calls === undefined) summary.session_calls = Math.max(0, summary.requests - summary.new_clients);
  if (typeof wire.top_route === 'string') summary.top_route = wire.top_route;
  if (typeof wire.top_route_requests === 'number') summary.top_route_requests = wire.top_route_requests;
  if (typeof wire.id_min === 'number') summary.id_min = wire.id_min;
  if (typeof wire.id_max === 'number') summary.id_max = wire.id_max;
  try {
    for (const sketch of SKETCHES) {
      const encoded = wire[sketch];
      if (typeof encoded === 'string') summary[sketch] = HyperLogLog.fromJSON(encoded);
    }
  } catch {
    return null;
  }
  return summary;
}
