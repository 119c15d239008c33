/**
 * `load-bucket`: a load-adaptive limit on the bot bucket (Cloudflare-style). While an origin is
 * healthy, harmless low-score traffic is let be; while it is under load (latency or 5xx share
 * above its baseline, flagged by the engine per event), every subject's share of the bot bucket
 * (Bot Management score below 30, or without Bot Management an automation user agent; verified
 * bots never) is limited.
 *
 * Decision rule, evaluated on each partial summary that carries bot-bucket requests under load
 * (`low_score_under_load` > 0), so nothing is decided once the load is gone:
 *   bucket_rate_per_s = (low_score_under_load over the window) × 1000 / window_ms
 *   challenge when bucket_rate_per_s > max_bucket_rate_per_s(kind)
 * Defaults: window 10 s; ip 1/s, prefix 5/s, asn 20/s, ja4 20/s (an ip therefore needs more than
 * 10 bot-bucket requests under load within 10 s). Only `challenge` is recommended: the load is
 * transient and fusion decides the (short) TTL.
 *
 * Score: 25 − min(5, floor(rate / limit) − 1): 25 just above the limit, 20 at ≥ 6× it.
 *
 * State: a subject is tracked from its first bot-bucket request under load (with a healthy
 * origin the detector holds nothing). Cooldown: while the load and the excess persist the
 * subject is signalled again every `reemit_ms`. Reconfigure keeps state unless a kind's window,
 * step or cap changes (that kind starts afresh).
 */
import type { SubjectKind } from '@botsieve/core';
import type { HostedDetectorContext } from '../detector-context.js';
import type { EngineDetectorFactory, StateSize, SummaryDetector } from '../engine/detector.js';
import { KindTrackers, type KindTracker, type KindTrackerFactory } from '../engine/kind-trackers.js';
import { NO_SIGNALS, type Signal } from '../engine/signal.js';
import type { Summary } from '../engine/summary.js';
import { WindowTable } from '../engine/window-table.js';
import { parseLoadBucketConfig, type LoadBucketConfig, type LoadBucketKindConfig } from './config.js';
import { LOAD_BUCKET_DISCARD } from './metrics.js';

export const LOAD_BUCKET = 'load-bucket';

const BUCKET = 0;
const UNDER_LOAD = 1;
const COUNTERS = 2;
const CHALLENGE = 2;

/** Score for a bucket rate above its limit (see the file comment). */
export function loadBucketScore(rate_per_s: number, limit_per_s: number): number {
  return 25 - Math.min(5, Math.max(0, Math.floor(rate_per_s / limit_per_s) - 1));
}

class KindState implements KindTracker<LoadBucketKindConfig> {
  readonly table: WindowTable;
  limitPerS = 0;
  /** Bucket requests per window above which a subject is over the limit. */
  limitPerWindow = 0;

  constructor(
    readonly kind: SubjectKind,
    readonly shape: string,
    kindConfig: LoadBucketKindConfig,
    private readonly window_ms: number,
    step_ms: number,
  ) {
    this.table = new WindowTable(kindConfig.max_tracked_subjects, window_ms / step_ms, COUNTERS);
    this.retune(kindConfig);
  }

  retune(kindConfig: LoadBucketKindConfig): void {
    this.limitPerS = kindConfig.max_bucket_rate_per_s;
    this.limitPerWindow = (kindConfig.max_bucket_rate_per_s * this.window_ms) / 1_000;
  }

  keys(): number {
    return this.table.size;
  }

  bytes(): number {
    return this.table.bytes();
  }

  takeEvictions(): number {
    return this.table.takeEvictions();
  }
}

const KIND_STATES: KindTrackerFactory<LoadBucketConfig, LoadBucketKindConfig, KindState> = {
  shapeOf: (kind, config) => JSON.stringify([config.window_ms, config.step_ms, kind.max_tracked_subjects]),
  create: (kind, kindConfig, shape, config) => new KindState(kind, shape, kindConfig, config.window_ms, config.step_ms),
};

const round2 = (x: number): number => Math.round(x * 100) / 100;

export class LoadBucketDetector implements SummaryDetector {
  readonly id: string;
  readonly input = 'summaries' as const;
  private config!: LoadBucketConfig;
  private readonly kinds = new KindTrackers(KIND_STATES);

  constructor(
    config: LoadBucketConfig,
    private readonly context: HostedDetectorContext,
  ) {
    this.id = context.id ?? LOAD_BUCKET;
    this.reconfigure(config);
    context.logger.debug({ detector: this.id, kinds: this.kinds.kinds() }, 'load-bucket ready');
  }

  reconfigure(raw: unknown): void {
    const config = raw as LoadBucketConfig;
    this.config = config;
    this.kinds.reconfigure(config);
  }

  summary(s: Summary): Signal[] {
    const state = this.kinds.byKind[s.kind];
    if (state === null || (s.under_load === 0 && s.low_score_under_load === 0)) return NO_SIGNALS;
    const table = state.table;
    // Healthy origin or no bot-bucket traffic: one field test (and a Map miss under load).
    if (s.low_score_under_load === 0 && table.find(s.subject) < 0) return NO_SIGNALS;
    const bucket = Math.floor(s.step_ms / this.config.step_ms);
    const slot = table.slotFor(s.subject, bucket);
    if (slot < 0) {
      this.kinds.late += 1;
      return NO_SIGNALS;
    }
    table.add(slot, bucket, BUCKET, s.low_score_under_load);
    table.add(slot, bucket, UNDER_LOAD, s.under_load);
    const at = table.noteMs(slot, s.last_ms);
    if (s.low_score_under_load === 0) return NO_SIGNALS;
    const bucketRequests = table.total(slot, BUCKET);
    if (bucketRequests <= state.limitPerWindow) return NO_SIGNALS;
    if (!table.shouldSignal(slot, CHALLENGE, at, this.config.reemit_ms)) return NO_SIGNALS;
    table.setSignal(slot, CHALLENGE, at);
    const window_ms = this.config.window_ms;
    const rate = (bucketRequests * 1_000) / window_ms;
    return [
      {
        subject: s.subject,
        at,
        detector: this.id,
        score: loadBucketScore(rate, state.limitPerS),
        action: 'challenge',
        evidence: {
          bucket_requests: bucketRequests,
          window_ms,
          bucket_rate_per_s: round2(rate),
          limit_per_s: state.limitPerS,
          under_load_requests: table.total(slot, UNDER_LOAD),
        },
      },
    ];
  }

  flush(watermark_ms: number): Signal[] {
    const watermarkBucket = Math.floor(watermark_ms / this.config.step_ms);
    for (const state of this.kinds.all) state.table.sweep(watermarkBucket, watermark_ms, this.config.reemit_ms);
    this.kinds.reportDiscards(this.context.metrics, LOAD_BUCKET_DISCARD.stateEvicted, LOAD_BUCKET_DISCARD.summaryTooLate);
    return NO_SIGNALS;
  }

  stateSize(): StateSize {
    return this.kinds.stateSize();
  }

  /** Tracked subjects of a kind (tests, debugging). */
  trackedSubjects(kind: SubjectKind): number {
    return this.kinds.byKind[kind]?.table.size ?? 0;
  }
}

export const loadBucket: EngineDetectorFactory<LoadBucketConfig> = {
  parseConfig: parseLoadBucketConfig,
  create(config: LoadBucketConfig, context: HostedDetectorContext): LoadBucketDetector {
    return new LoadBucketDetector(config, context);
  },
  lookbackMs(config: LoadBucketConfig): number {
    return config.window_ms;
  },
};
