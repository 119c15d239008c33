/**
 * `volumetric`: requests per subject over a sliding event-time window (default 10 s, a ring of
 * 1 s steps) against thresholds that adapt to the site, with shared IPs judged by behaviour.
 *
 * Decision rule, for a subject of kind K whose main route (latest `top_route`) is in group G,
 * evaluated on every partial summary that reaches the kind's challenge floor:
 *   upper     = baseline(K, G).upper(deviations) once ready, else baseline(K, all routes) once
 *               ready, else 0. A baseline is a RobustBaseline (EWMA level and absolute deviation,
 *               samples above level + 4 deviations clamped; alpha 0.01 per 1 s step) fed once
 *               per closed step with the nearest-rank p99 of the window counts of the ≤ 4,096
 *               most recently seen subjects of that route (and of the kind), leaving out those
 *               already ≥ challenge_factor × upper (route-baselines.ts says why)
 *   humans    = when K scales by humans (ip by default) and its window looks like people's
 *               clients (people.ts: browsers or the app, few failures of their own, pages
 *               rendered, API traffic spread over human_min_routes main routes):
 *               clamp(max(distinct user agents over ~1 window,
 *                         routes ≥ human_min_routes ? requests / human_requests_per_window : 1),
 *                     1, max_humans_multiplier)
 *               where routes = distinct main routes over about human_routes_window_ms
 *               (RouteMix); else 1
 *   challenge = ceil(max(challenge_requests, challenge_factor × upper) × humans)
 *   block     = ceil(max(block_requests,     block_factor × upper)     × humans)
 *   action    = block when requests ≥ block, challenge when requests ≥ challenge, else nothing.
 * Defaults: ip 100/300, prefix 400/1200 per 10 s; asn, ja4 off; factors 3 and 10; deviations 3.
 * So a quiet site is judged by the floors and a site whose busy subjects normally do 200 per
 * window is judged at ~3× and ~10× that; 40 browsers behind one NAT get 40× the thresholds, one
 * UA without assets none. While the baselines warm up (60 steps) the floors alone decide.
 *
 * People behind one address: a carrier NAT exit carries hundreds of app users who all send the
 * app stack's one or two user agents, no asset and no page; what no single client does is spread
 * hundreds of requests over the app's many routes (config, home, products, recommendations,
 * search, cart, the analytics beacon), so such a mix is divided into people at
 * `human_requests_per_window` each (a page with its assets, or a few app screens). A scraper,
 * a flood or a hoarding bot keeps to one or two routes (or fails, or names no browser or app),
 * and stays at the floors. Assumed of real traffic: NAT exits and offices mix routes; one client
 * hammering a service does not. The cap bounds what a mix may reach (50 × the thresholds).
 * Populations (prefix, ASN, JA4, user agent): only traffic that mostly does not name people's
 * clients (share of browser-over-browser-TLS and app requests < population_max_client_share) is
 * judged by volume. A carrier /24 or an ASN carrying a flood that wears browsers' user agents may
 * carry people who have not come by yet (the collateral guard can only vouch for those it saw):
 * that flood is judged per address and by the flood detector; a tool's traffic (automation user
 * agents, none, a library's TLS under a browser's user agent) is never people's.
 * Failures are what a client's own behaviour earns (missing paths, wrong passwords), not what
 * the shop answers everyone at that moment: a sold-out release answers its buyers 409, an
 * overloaded origin 5xx, and the edge 403 to whoever our own verdicts cover.
 *
 * Score (Cloudflare's scale, integers): block 10 × block / requests clamped to 1…10 (10 at the
 * threshold, 1 at ≥ 10×); challenge 29 at the threshold falling linearly towards 20 at block.
 *
 * Cooldown: a subject is signalled again only when the action escalates or its last signal is
 * `reemit_ms` old. Signals carry the subject's newest `last_ms`; flush never signals.
 *
 * Reconfigure keeps state, except: a kind whose window, step, cap, humans scaling or baseline
 * learning settings (quantile, alpha, warmup, min_deviation, min_subjects, sample_subjects,
 * max_routes, enabled) change starts afresh (its windows and baselines are shaped by them).
 */
import type { SubjectKind } from '@botsieve/core';
import type { EngineDetectorFactory, HostedDetectorContext } from '../engine/detector.js';
import { EpochDistinct } from '../engine/epoch-distinct.js';
import { round2 } from '../engine/evidence.js';
import type { KindTrackerFactory } from '../engine/kind-trackers.js';
import { NO_SIGNALS, type Signal } from '../engine/signal.js';
import { SummaryDetectorBase } from '../engine/summary-detector-base.js';
import type { Summary } from '../engine/summary.js';
import type { WindowTable } from '../engine/window-table.js';
import { WindowTracker } from '../engine/window-tracker.js';
import { parseVolumetricConfig, type VolumetricConfig, type VolumetricKindConfig } from './config.js';
import { VOLUMETRIC_DISCARD } from './metrics.js';
import { RouteBaselines } from './route-baselines.js';
import { clientRequests, estimatePeople, looksLikePeople, type PeopleWindow } from './people.js';
import { RouteMix } from './route-mix.js';

export const VOLUMETRIC = 'volumetric';

/** Counters of the window table. */
const REQUESTS = 0;
const ASSETS = 1;
const PAGES = 2;
const FAILURES = 3;
const CLIENTS = 4;
const KNOWN = 5;
const COUNTERS = 6;
const CHALLENGE = 2;
const BLOCK = 3;

/** Score for `requests` that reached `rank` (see the file comment). */
export function volumetricScore(rank: number, requests: number, challenge: number, block: number): number {
  if (rank === BLOCK) return Math.min(10, Math.max(1, Math.round((10 * block) / requests)));
  return Math.max(20, 29 - Math.floor((9 * (requests - challenge)) / Math.max(1, block - challenge)));
}

/** One kind of subject: its windows, route groups, distinct user agents and baselines. */
class KindState extends WindowTracker<VolumetricKindConfig, VolumetricConfig> {
  readonly baselines: RouteBaselines | null;
  readonly uas: EpochDistinct | null;
  readonly mix: RouteMix | null;
  challengeFloor = 0;
  blockFloor = 0;
  private groups = new Int32Array(0);
  private readonly routes: (string | undefined)[] = [];

  constructor(kind: SubjectKind, shape: string, kindConfig: VolumetricKindConfig, config: VolumetricConfig) {
    super(kind, shape, kindConfig, config, COUNTERS, true);
    this.baselines = config.baseline.enabled ? new RouteBaselines(config.baseline) : null;
    this.uas = kindConfig.scale_by_humans ? new EpochDistinct(config.window_ms) : null;
    this.mix = kindConfig.scale_by_humans ? new RouteMix(config.human_routes_window_ms) : null;
    this.retune(kindConfig);
  }

  retune(kindConfig: VolumetricKindConfig): void {
    this.challengeFloor = kindConfig.challenge_requests;
    this.blockFloor = kindConfig.block_requests;
  }

  groupOf(slot: number): number {
    return slot < this.groups.length ? this.groups[slot]! : 0;
  }

  /**
   * Notes the subject's main route of its latest summary. The route group is looked up only when
   * the route differs from the last one seen for this slot (a string comparison, no hashing):
   * a subject keeps its main route for many steps, and the lookup was ~100 ns of the summary.
   */
  noteRoute(slot: number, route: string): void {
    if (this.baselines === null || this.routes[slot] === route) return;
    if (slot >= this.groups.length) {
      const grown = new Int32Array(Math.min(this.table.capacity, Math.max(1_024, this.groups.length * 2, slot + 1)));
      grown.set(this.groups);
      this.groups = grown;
    }
    this.routes[slot] = route;
    this.groups[slot] = this.baselines.groupOf(route);
  }

  /** The closed step is observed before the sweep frees the subjects it still counts. */
  override sweep(watermark_ms: number, config: VolumetricConfig): void {
    this.observeClosedStep(Math.floor(watermark_ms / config.step_ms) - 1, config);
    super.sweep(watermark_ms, config);
  }

  private observeClosedStep(endBucket: number, config: VolumetricConfig): void {
    if (this.baselines === null || endBucket <= this.baselines.lastObserved) return;
    this.baselines.lastObserved = endBucket;
    this.baselines.observe(this.table, this.groups, REQUESTS, endBucket, config.baseline.challenge_factor, config.baseline.deviations);
  }

  override keys(): number {
    return super.keys() + (this.baselines?.routeCount ?? 0);
  }

  override bytes(): number {
    return super.bytes() + this.groups.byteLength + this.routes.length * 8 + (this.uas?.bytes() ?? 0) + (this.mix?.bytes() ?? 0) + (this.baselines?.bytes() ?? 0);
  }

  protected override release(slot: number): void {
    if (slot < this.groups.length) this.groups[slot] = 0;
    this.routes[slot] = undefined;
    this.uas?.release(slot);
    this.mix?.release(slot);
  }
}

const KIND_STATES: KindTrackerFactory<VolumetricConfig, VolumetricKindConfig, KindState> = {
  /** What decides whether a kind's state survives a reconfigure (see the file comment). */
  shapeOf(kind, config) {
    const { deviations: _d, challenge_factor: _c, block_factor: _b, ...learning } = config.baseline;
    return JSON.stringify([config.window_ms, config.step_ms, config.human_routes_window_ms, kind.max_tracked_subjects, kind.scale_by_humans, learning]);
  },
  create: (kind, kindConfig, shape, config) => new KindState(kind, shape, kindConfig, config),
};

export class VolumetricDetector extends SummaryDetectorBase<VolumetricConfig, VolumetricKindConfig, KindState> {
  private readonly scratch: PeopleWindow = { requests: 0, pages: 0, assets: 0, failures: 0, clients: 0, known: 0, mixed: false };

  constructor(config: VolumetricConfig, context: HostedDetectorContext) {
    super(VOLUMETRIC, config, context, KIND_STATES, { evicted: VOLUMETRIC_DISCARD.stateEvicted, late: VOLUMETRIC_DISCARD.summaryTooLate });
  }

  summary(s: Summary): Signal[] {
    const state = this.kinds.byKind[s.kind];
    if (state === null || s.requests <= 0) return NO_SIGNALS;
    const bucket = Math.floor(s.step_ms / this.config.step_ms);
    const table = state.table;
    const slot = table.slotFor(s.subject, bucket);
    if (slot < 0) {
      this.kinds.late += 1;
      return NO_SIGNALS;
    }
    table.add(slot, bucket, REQUESTS, s.requests);
    table.add(slot, bucket, ASSETS, s.assets);
    table.add(slot, bucket, PAGES, s.pages);
    table.add(slot, bucket, FAILURES, s.not_found + s.login_failures);
    table.add(slot, bucket, CLIENTS, clientRequests(s));
    table.add(slot, bucket, KNOWN, s.known_browsers);
    if (s.top_route !== '') state.noteRoute(slot, s.top_route);
    state.uas?.add(slot, s.step_ms, s.uas);
    state.mix?.add(slot, s.step_ms, s.top_route);
    const at = table.noteMs(slot, s.last_ms);
    const requests = table.total(slot, REQUESTS);
    if (requests < state.challengeFloor) return NO_SIGNALS;
    return this.evaluate(state, slot, requests, at);
  }

  /** Tracked subjects of a kind (tests, debugging). */
  trackedSubjects(kind: SubjectKind): number {
    return this.kinds.byKind[kind]?.table.size ?? 0;
  }

  /** The baseline level (requests per window) a subject of `kind` on `route` is judged against; 0 while not ready. */
  baselineLevel(kind: SubjectKind, route: string): number {
    const baselines = this.kinds.byKind[kind]?.baselines ?? null;
    return baselines?.pick(baselines.peekGroup(route))?.level ?? 0;
  }

  private evaluate(state: KindState, slot: number, requests: number, at: number): Signal[] {
    const { baseline: b } = this.config;
    const baseline = state.baselines?.pick(state.groupOf(slot)) ?? null;
    const upper = baseline === null ? 0 : baseline.upper(b.deviations);
    let challenge = Math.max(state.challengeFloor, b.challenge_factor * upper);
    if (requests < challenge) return NO_SIGNALS;
    const table = state.table;
    // A population whose requests name people's clients may be people (see the file comment).
    if (state.kind !== 'ip' && table.total(slot, CLIENTS) >= this.config.population_max_client_share * requests) return NO_SIGNALS;
    let block = Math.max(state.blockFloor, b.block_factor * upper);
    let distinct = 0;
    let routes = 0;
    let mixed = false;
    let humans = 1;
    if (state.uas !== null && state.mix !== null) {
      distinct = Math.round(state.uas.estimate(slot));
      routes = state.mix.estimate(slot);
      mixed = state.mix.diverse(slot, this.config.human_min_routes);
      const window = this.window(table, slot, requests, mixed);
      if (looksLikePeople(window, this.config)) humans = estimatePeople(window, distinct, this.config, this.config.max_humans_multiplier);
    }
    challenge = Math.ceil(challenge * humans);
    block = Math.ceil(block * humans);
    const rank = requests >= block ? BLOCK : requests >= challenge ? CHALLENGE : 0;
    const prefix = state.kind === 'prefix';
    const ttl = this.config.prefix_ttl_ms;
    if (rank === 0 || !table.shouldSignal(slot, rank, at, prefix ? Math.min(this.config.reemit_ms, ttl / 2) : this.config.reemit_ms)) return NO_SIGNALS;
    table.setSignal(slot, rank, at);
    const window_ms = this.config.window_ms;
    const score = volumetricScore(rank, requests, challenge, block);
    return [
      {
        subject: subjectOf(table, slot),
        at,
        detector: this.id,
        score,
        action: rank === BLOCK ? 'block' : 'challenge',
        ...(prefix ? { ttl_ms: ttl } : {}),
        evidence: {
          requests,
          window_ms,
          rate_per_s: round2((requests * 1_000) / window_ms),
          baseline_per_s: baseline === null ? 0 : round2((baseline.level * 1_000) / window_ms),
          threshold: rank === BLOCK ? block : challenge,
          assets_ratio: round2(table.total(slot, ASSETS) / Math.max(1, table.total(slot, PAGES))),
          distinct_uas: distinct,
          distinct_routes: routes,
          humans_estimate: humans,
        },
      },
    ];
  }

  /** The subject's window as the people rule reads it (one reused object). */
  private window(table: WindowTable, slot: number, requests: number, mixed: boolean): PeopleWindow {
    const w = this.scratch;
    w.requests = requests;
    w.pages = table.total(slot, PAGES);
    w.assets = table.total(slot, ASSETS);
    w.failures = table.total(slot, FAILURES);
    w.clients = table.total(slot, CLIENTS);
    w.known = table.total(slot, KNOWN);
    w.mixed = mixed;
    return w;
  }
}

/** The table key is the summary's own subject string. */
function subjectOf(table: WindowTable, slot: number): Signal['subject'] {
  return table.keyOf(slot) as Signal['subject'];
}

export const volumetric: EngineDetectorFactory<VolumetricConfig> = {
  parseConfig: parseVolumetricConfig,
  create(config: VolumetricConfig, context: HostedDetectorContext): VolumetricDetector {
    return new VolumetricDetector(config, context);
  },
  lookbackMs(config: VolumetricConfig): number {
    return config.window_ms;
  },
};
