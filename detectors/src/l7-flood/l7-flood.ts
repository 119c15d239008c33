/**
 * `l7-flood`: the attacking population inside a route spike, not everyone on the endpoint.
 *
 * Decision rule, evaluated on every partial summary (so the summary that completes the evidence
 * signals at once; the first mitigation must come within 3 s of the flood's start). Over the
 * newest k steps of the subject (k = 1 … window_ms / step_ms, ending at its newest step), with
 * S spiking-route requests, R requests, A assets, C cache-busting requests, the subject is part
 * of the flood when for some k:
 *   S ≥ min_requests(kind)  and  S / R ≥ min_spiking_share (0.8)  and  A / R ≤ max_assets_ratio (0.05)
 * (the smallest such k is the evidence). Shorter windows count because the engine flags a route
 * as spiking only once its rate jumped: the flood's first steps are not flagged, and over the
 * full 5 s they would dilute the share until ~3 s in; a human spread over 5 s never reaches
 * `min_requests` in fewer steps. Defaults: ip 20, prefix 60, asn 200, ja4 200 per window.
 * Aggregates (prefix, asn, ja4) must moreover be concentrated: spiking-route requests over the
 * window per distinct client IP ≥ min_requests_per_ip (10), OR a heavy hitter: at least
 * heavy_hitter_min_share (0.1, i.e. necessarily a top-10 position) of the kind's spiking-route
 * requests in a Space-Saving sketch halved every window. (The share is relative to what this
 * instance sees: the aggregation stage is partitioned by subject. In the first step of a spike
 * the sketch holds few subjects, so an early candidate is trivially "heavy"; candidates already
 * passed the share and assets tests, and aggregates get only a challenge unless near-pure.)
 * Distinct IPs are counted over the current and previous window (volumetric/epoch-distinct.ts).
 *
 * Action: `ip:` subjects → block. Aggregates aggregate humans (a mobile carrier's ASN, every
 * Chrome's JA4) → challenge, unless near-pure flood → block: S / R ≥ 0.95, A / R ≤ 0.01 and
 * C / R ≥ 0.5. Humans on the spiking route load assets and spread their requests, so they are
 * not flagged at all.
 *
 * Score: confidence c = (C / R + min(1, (S − min_requests) / (4 × min_requests))) / 2 in [0, 1];
 * block 10 − round(9c) (10…1), challenge 29 − round(9c) (29…20).
 *
 * Arrivals (`ip:` only, arrivals.ts; signals under `<id>/arrivals`, fused as a detector of their
 * own): the light members of a flood, 1–50 requests per address from pools of tens of thousands
 * of residential proxies that copy the shop's own visitors' client. An address new to the client
 * memory whose every request goes to one route that spiked meanwhile, with no asset, every page
 * a URL it never asked for before (each served, or cache-busting) or, on an API route, half its
 * calls cache-busting: challenged at its second such request, blocked from its fifth. When the
 * windowed rule signals a subject in the same call, the arrival signal is left out.
 *
 * What no per-address rule reaches: an address's first request (no verdict can precede it), so
 * floods of one request per address (the rotating share of a proxy pool, API floods of 1–3 calls
 * per address, each within milliseconds) stay out of reach on networks shared with humans, and
 * in replay a summary arrives when its step ends, so an address is covered from the step after
 * its second request (≈ 3 requests lost per address at 2 requests a second). Reaching those
 * needs enforcement per route, not per subject: a managed challenge at the edge on the spiking
 * route for clients without a clearance cookie (a rule the edge can run, not a verdict subject
 * here), or an edge Worker that checks a session before the origin call.
 *
 * State: a subject is tracked from its first summary with spiking-route requests (while nothing
 * spikes the detector holds nothing); its earlier partials of that step are not known.
 * Cooldown: re-signal on escalation or after `reemit_ms`. Reconfigure keeps state unless a
 * kind's window, step or caps change (that kind starts afresh).
 */
import type { SubjectKind } from '@botsieve/core';
import type { EngineDetectorFactory, HostedDetectorContext, StateSize } from '../engine/detector.js';
import { EpochDistinct } from '../engine/epoch-distinct.js';
import { round2 } from '../engine/evidence.js';
import type { KindTrackerFactory } from '../engine/kind-trackers.js';
import { NO_SIGNALS, type Signal } from '../engine/signal.js';
import { SummaryDetectorBase } from '../engine/summary-detector-base.js';
import type { Summary } from '../engine/summary.js';
import { WindowTracker } from '../engine/window-tracker.js';
import { SpaceSaving } from '../sketch/index.js';
import { ARRIVAL_BLOCK, Arrivals, type Arrival } from './arrivals.js';
import { parseL7FloodConfig, type L7FloodConfig, type L7FloodKindConfig } from './config.js';
import { L7_FLOOD_DISCARD } from './metrics.js';

export const L7_FLOOD = 'l7-flood';

const REQUESTS = 0;
const SPIKING = 1;
const ASSETS = 2;
const CACHE_BUSTING = 3;
const COUNTERS = 4;
const CHALLENGE = 2;
const BLOCK = 3;

/** Score for a flood member (see the file comment). */
export function l7FloodScore(rank: number, confidence: number): number {
  return (rank === BLOCK ? 10 : 29) - Math.round(9 * Math.min(1, Math.max(0, confidence)));
}

class KindState extends WindowTracker<L7FloodKindConfig, L7FloodConfig> {
  readonly aggregate: boolean;
  readonly ips: EpochDistinct | null;
  readonly hitters: SpaceSaving<string> | null;
  hitterEpoch = -1;
  minRequests = 0;
  minRequestsPerIp = 0;

  constructor(kind: SubjectKind, shape: string, kindConfig: L7FloodKindConfig, config: L7FloodConfig) {
    super(kind, shape, kindConfig, config, COUNTERS, kind !== 'ip');
    this.aggregate = kind !== 'ip';
    this.ips = this.aggregate ? new EpochDistinct(config.window_ms) : null;
    this.hitters = this.aggregate ? new SpaceSaving<string>(config.heavy_hitter_capacity) : null;
    this.retune(kindConfig);
  }

  retune(kindConfig: L7FloodKindConfig): void {
    this.minRequests = kindConfig.min_requests;
    this.minRequestsPerIp = kindConfig.min_requests_per_ip;
  }

  /** Heavy hitters decay before the window's sweep. */
  override sweep(watermark_ms: number, config: L7FloodConfig): void {
    this.decayHitters(Math.floor(watermark_ms / config.window_ms));
    super.sweep(watermark_ms, config);
  }

  /** Halves the heavy-hitter counts once per window (so the ranking follows the current spike). */
  private decayHitters(epoch: number): void {
    const hitters = this.hitters;
    if (hitters === null || epoch <= this.hitterEpoch) return;
    const gap = this.hitterEpoch < 0 ? 0 : epoch - this.hitterEpoch;
    this.hitterEpoch = epoch;
    if (gap === 0 || hitters.size === 0) return;
    const kept = gap > 20 ? [] : hitters.top(hitters.size);
    hitters.clear();
    const divisor = 2 ** gap;
    for (const hitter of kept) hitters.add(hitter.key, Math.floor(hitter.count / divisor));
  }

  /** 1-based position among the `limit` heaviest, 0 outside (evidence only: allocates). */
  rankOf(subject: string, limit: number): number {
    if (this.hitters === null) return 0;
    const top = this.hitters.top(limit);
    for (let i = 0; i < top.length; i++) if (top[i]!.key === subject) return i + 1;
    return 0;
  }

  override keys(): number {
    return super.keys() + (this.hitters?.size ?? 0);
  }

  override bytes(): number {
    return super.bytes() + (this.ips?.bytes() ?? 0) + (this.hitters?.bytes() ?? 0);
  }

  protected override release(slot: number): void {
    this.ips!.release(slot);
  }
}

const KIND_STATES: KindTrackerFactory<L7FloodConfig, L7FloodKindConfig, KindState> = {
  shapeOf: (kind, config) => JSON.stringify([config.window_ms, config.step_ms, kind.max_tracked_subjects, config.heavy_hitter_capacity]),
  create: (kind, kindConfig, shape, config) => new KindState(kind, shape, kindConfig, config),
};

export class L7FloodDetector extends SummaryDetectorBase<L7FloodConfig, L7FloodKindConfig, KindState> {
  /** Arrivals (light flood members, `ip:` only); null when disabled. */
  private arrivals: Arrivals | null = null;
  /** Detector name of the arrivals' signals (fused as a detector of their own). */
  private readonly arrivalsId: string;

  constructor(config: L7FloodConfig, context: HostedDetectorContext) {
    super(L7_FLOOD, config, context, KIND_STATES, { evicted: L7_FLOOD_DISCARD.stateEvicted, late: L7_FLOOD_DISCARD.summaryTooLate });
    this.arrivalsId = `${this.id}/arrivals`;
    this.configureArrivals(config);
  }

  override reconfigure(config: L7FloodConfig): void {
    super.reconfigure(config);
    this.configureArrivals(config);
  }

  /** Arrivals follow `ip:` subjects only: off with them; their state is kept across new thresholds. */
  private configureArrivals(config: L7FloodConfig): void {
    if (!config.arrivals.enabled || !config.subjects.ip.enabled) this.arrivals = null;
    else if (this.arrivals === null) this.arrivals = new Arrivals(config.arrivals);
    else this.arrivals.reconfigure(config.arrivals);
  }

  summary(s: Summary): Signal[] {
    const state = this.kinds.byKind[s.kind];
    if (state === null || s.requests <= 0) return NO_SIGNALS;
    const arrival = s.kind === 'ip' && this.arrivals !== null ? this.arrivals.observe(s) : null;
    const found = this.window(state, s);
    if (found.length > 0 || arrival === null) return found;
    return this.arrivalSignal(s.subject, arrival, s.last_ms);
  }

  /** The windowed rule (see the file comment). */
  private window(state: KindState, s: Summary): Signal[] {
    const table = state.table;
    // Only subjects touching a spiking route are tracked: in calm traffic this is one Map miss.
    if (s.spiking_route === 0 && table.find(s.subject) < 0) return NO_SIGNALS;
    const bucket = Math.floor(s.step_ms / this.config.step_ms);
    const slot = table.slotFor(s.subject, bucket);
    if (slot < 0) {
      this.kinds.late += 1;
      return NO_SIGNALS;
    }
    table.add(slot, bucket, REQUESTS, s.requests);
    table.add(slot, bucket, SPIKING, s.spiking_route);
    table.add(slot, bucket, ASSETS, s.assets);
    table.add(slot, bucket, CACHE_BUSTING, s.cache_busting);
    state.ips?.add(slot, s.step_ms, s.ips);
    if (s.spiking_route > 0) state.hitters?.add(s.subject, s.spiking_route);
    const at = table.noteMs(slot, s.last_ms);
    if (table.total(slot, SPIKING) < state.minRequests) return NO_SIGNALS;
    return this.evaluate(state, slot, at);
  }

  override flush(watermark_ms: number): Signal[] {
    if (this.arrivals !== null) {
      this.arrivals.sweep(watermark_ms);
      const evicted = this.arrivals.takeEvictions();
      if (evicted > 0) this.metrics.discarded(L7_FLOOD_DISCARD.stateEvicted, evicted);
    }
    return super.flush(watermark_ms);
  }

  override stateSize(): StateSize {
    const size = super.stateSize();
    if (this.arrivals === null) return size;
    return { keys: size.keys + this.arrivals.size, bytes: size.bytes + this.arrivals.bytes() };
  }

  /** Arrivals followed right now (tests, debugging). */
  trackedArrivals(): number {
    return this.arrivals?.size ?? 0;
  }

  /** An arrival that qualifies: signalled on escalation or once its last signal is `reemit_ms` old. */
  private arrivalSignal(subject: Signal['subject'], a: Arrival, at: number): Signal[] {
    const rank = this.arrivals!.rankOf(a);
    if (rank < a.rank || (rank === a.rank && at - a.signalledAt < this.config.reemit_ms)) return NO_SIGNALS;
    a.rank = rank;
    a.signalledAt = at;
    const block = rank === ARRIVAL_BLOCK;
    const arrivals = this.config.arrivals;
    const busting = a.busting / a.requests;
    const confidence = (busting + Math.min(1, (a.requests - arrivals.min_requests) / arrivals.block_min_requests)) / 2;
    const evidence: Record<string, number> = {
      requests: a.requests,
      spiking_requests: a.spiking,
      span_ms: a.lastMs - a.firstMs,
      assets_ratio: 0,
      cache_busting_ratio: round2(busting),
      referer_ratio: round2(a.referers / a.requests),
    };
    if (a.pages > 0) evidence.distinct_urls = a.distinctUrls;
    return [{ subject, at, detector: this.arrivalsId, score: l7FloodScore(block ? BLOCK : CHALLENGE, confidence), action: block ? 'block' : 'challenge', evidence }];
  }

  /** Tracked subjects of a kind (tests, debugging). */
  trackedSubjects(kind: SubjectKind): number {
    return this.kinds.byKind[kind]?.table.size ?? 0;
  }

  private evaluate(state: KindState, slot: number, at: number): Signal[] {
    const c = this.config;
    const table = state.table;
    const last = table.lastBucketOf(slot);
    let spiking = 0;
    let requests = 0;
    let assets = 0;
    let busting = 0;
    let steps = 0;
    for (let k = 0; k < table.buckets; k++) {
      const b = last - k;
      spiking += table.bucketValue(slot, b, SPIKING);
      requests += table.bucketValue(slot, b, REQUESTS);
      assets += table.bucketValue(slot, b, ASSETS);
      busting += table.bucketValue(slot, b, CACHE_BUSTING);
      if (spiking >= state.minRequests && spiking >= c.min_spiking_share * requests && assets <= c.max_assets_ratio * requests) {
        steps = k + 1;
        break;
      }
    }
    if (steps === 0) return NO_SIGNALS;
    let requestsPerIp = 0;
    let rank = BLOCK;
    if (state.aggregate) {
      const windowSpiking = table.total(slot, SPIKING);
      requestsPerIp = windowSpiking / Math.max(1, state.ips!.estimate(slot));
      const hitters = state.hitters!;
      const heavy = hitters.estimate(table.keyOf(slot)) >= c.heavy_hitter_min_share * hitters.total;
      if (requestsPerIp < state.minRequestsPerIp && !heavy) return NO_SIGNALS;
      const nearPure = spiking >= c.block_min_spiking_share * requests && assets <= c.block_max_assets_ratio * requests && busting >= c.block_min_cache_busting_ratio * requests;
      rank = nearPure ? BLOCK : CHALLENGE;
    }
    if (!table.shouldSignal(slot, rank, at, state.kind === 'prefix' ? Math.min(c.reemit_ms, c.prefix_ttl_ms / 2) : c.reemit_ms)) return NO_SIGNALS;
    table.setSignal(slot, rank, at);
    const subject = table.keyOf(slot) as Signal['subject'];
    const cacheBustingRatio = busting / requests;
    const confidence = (cacheBustingRatio + Math.min(1, (spiking - state.minRequests) / (4 * state.minRequests))) / 2;
    const evidence: Record<string, number> = {
      spiking_requests: spiking,
      window_ms: steps * c.step_ms,
      spiking_share: round2(spiking / requests),
      assets_ratio: round2(assets / requests),
      cache_busting_ratio: round2(cacheBustingRatio),
    };
    if (state.aggregate) {
      evidence.requests_per_ip = round2(requestsPerIp);
      evidence.heavy_hitter_rank = state.rankOf(subject, c.heavy_hitter_top);
    }
    const signal: Signal = { subject, at, detector: this.id, score: l7FloodScore(rank, confidence), action: rank === BLOCK ? 'block' : 'challenge', evidence };
    if (state.kind === 'prefix') signal.ttl_ms = c.prefix_ttl_ms;
    return [signal];
  }
}

export const l7Flood: EngineDetectorFactory<L7FloodConfig> = {
  parseConfig: parseL7FloodConfig,
  create(config: L7FloodConfig, context: HostedDetectorContext): L7FloodDetector {
    return new L7FloodDetector(config, context);
  },
  lookbackMs(config: L7FloodConfig): number {
    // Arrivals are followed until idle_ms without a request: a rebuilt partition needs that much.
    return config.arrivals.enabled ? Math.max(config.window_ms, config.arrivals.idle_ms) : config.window_ms;
  },
};
