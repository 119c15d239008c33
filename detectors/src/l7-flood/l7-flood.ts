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
 * State: a subject is tracked from its first summary with spiking-route requests (while nothing
 * spikes the detector holds nothing); its earlier partials of that step are not known.
 * Cooldown: re-signal on escalation or after `reemit_ms`. Reconfigure keeps state unless a
 * kind's window, step or caps change (that kind starts afresh).
 */
import type { SubjectKind } from '@botsieve/core';
import type { HostedDetectorContext } from '../detector-context.js';
import type { EngineDetectorFactory, StateSize, SummaryDetector } from '../engine/detector.js';
import { EpochDistinct } from '../engine/epoch-distinct.js';
import { KindTrackers, type KindTracker, type KindTrackerFactory } from '../engine/kind-trackers.js';
import { NO_SIGNALS, type Signal } from '../engine/signal.js';
import type { Summary } from '../engine/summary.js';
import { WindowTable } from '../engine/window-table.js';
import { SpaceSaving } from '../sketch/index.js';
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

class KindState implements KindTracker<L7FloodKindConfig> {
  readonly table: WindowTable;
  readonly aggregate: boolean;
  readonly ips: EpochDistinct | null;
  readonly hitters: SpaceSaving<string> | null;
  hitterEpoch = -1;
  minRequests = 0;
  minRequestsPerIp = 0;

  constructor(
    readonly kind: SubjectKind,
    readonly shape: string,
    kindConfig: L7FloodKindConfig,
    config: L7FloodConfig,
  ) {
    this.aggregate = kind !== 'ip';
    this.ips = this.aggregate ? new EpochDistinct(config.window_ms) : null;
    this.hitters = this.aggregate ? new SpaceSaving<string>(config.heavy_hitter_capacity) : null;
    const ips = this.ips;
    this.table = new WindowTable(kindConfig.max_tracked_subjects, config.window_ms / config.step_ms, COUNTERS, ips === null ? null : (slot) => ips.release(slot));
    this.retune(kindConfig);
  }

  retune(kindConfig: L7FloodKindConfig): void {
    this.minRequests = kindConfig.min_requests;
    this.minRequestsPerIp = kindConfig.min_requests_per_ip;
  }

  /** Halves the heavy-hitter counts once per window (so the ranking follows the current spike). */
  decayHitters(epoch: number): void {
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

  keys(): number {
    return this.table.size + (this.hitters?.size ?? 0);
  }

  bytes(): number {
    return this.table.bytes() + (this.ips?.bytes() ?? 0) + (this.hitters?.bytes() ?? 0);
  }

  takeEvictions(): number {
    return this.table.takeEvictions();
  }
}

const KIND_STATES: KindTrackerFactory<L7FloodConfig, L7FloodKindConfig, KindState> = {
  shapeOf: (kind, config) => JSON.stringify([config.window_ms, config.step_ms, kind.max_tracked_subjects, config.heavy_hitter_capacity]),
  create: (kind, kindConfig, shape, config) => new KindState(kind, shape, kindConfig, config),
};

const round2 = (x: number): number => Math.round(x * 100) / 100;

export class L7FloodDetector implements SummaryDetector {
  readonly id: string;
  readonly input = 'summaries' as const;
  private config!: L7FloodConfig;
  private readonly kinds = new KindTrackers(KIND_STATES);

  constructor(
    config: L7FloodConfig,
    private readonly context: HostedDetectorContext,
  ) {
    this.id = context.id ?? L7_FLOOD;
    this.reconfigure(config);
    context.logger.debug({ detector: this.id, kinds: this.kinds.kinds() }, 'l7-flood ready');
  }

  reconfigure(raw: unknown): void {
    const config = raw as L7FloodConfig;
    this.config = config;
    this.kinds.reconfigure(config);
  }

  summary(s: Summary): Signal[] {
    const state = this.kinds.byKind[s.kind];
    if (state === null || s.requests <= 0) return NO_SIGNALS;
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

  flush(watermark_ms: number): Signal[] {
    const watermarkBucket = Math.floor(watermark_ms / this.config.step_ms);
    const epoch = Math.floor(watermark_ms / this.config.window_ms);
    for (const state of this.kinds.all) {
      state.decayHitters(epoch);
      state.table.sweep(watermarkBucket, watermark_ms, this.config.reemit_ms);
    }
    this.kinds.reportDiscards(this.context.metrics, L7_FLOOD_DISCARD.stateEvicted, L7_FLOOD_DISCARD.summaryTooLate);
    return NO_SIGNALS;
  }

  stateSize(): StateSize {
    return this.kinds.stateSize();
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
    if (!table.shouldSignal(slot, rank, at, c.reemit_ms)) return NO_SIGNALS;
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
    return [{ subject, at, detector: this.id, score: l7FloodScore(rank, confidence), action: rank === BLOCK ? 'block' : 'challenge', evidence }];
  }
}

export const l7Flood: EngineDetectorFactory<L7FloodConfig> = {
  parseConfig: parseL7FloodConfig,
  create(config: L7FloodConfig, context: HostedDetectorContext): L7FloodDetector {
    return new L7FloodDetector(config, context);
  },
  lookbackMs(config: L7FloodConfig): number {
    return config.window_ms;
  },
};
