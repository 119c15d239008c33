/**
 * `request-rate`: requests per subject over a sliding event-time window; a subject whose count
 * reaches a threshold gets a verdict at the event that reached it.
 *
 * Pure: no I/O, no timers, no wall clock. Decisions use the event's own timestamp, so replay,
 * tests and production decide the same; `flush(watermark)` only frees state.
 *
 * Score (Cloudflare's scale, 1 = certainly automated), from how far the count is past the
 * threshold of the action it reached:
 * - block:     10 at `block_requests`, then 10 × block / requests (2× → 5, ≥ 10× → 1): 10…1
 * - challenge: 29 at `challenge_requests`, falling linearly to 20 just below `block_requests`
 * - log:       40 at `log_requests`, falling linearly to 30 just below `challenge_requests`
 * Integers only, so goldens are stable.
 *
 * Cooldown: per subject the last verdict's action and expiry are kept; a new verdict is issued
 * only when the action escalates or the active one expires within `reemit_before_expiry_ms`.
 */
import type { ComponentMetrics, Detector, DetectorFactory, Logger, RequestEvent, SubjectKey, SubjectKind, Verdict, VerdictAction } from '@botsieve/core';
import { NO_VERDICTS, type HostedDetectorContext } from '../detector-context.js';
import { verdictId } from '../verdict-id.js';
import { parseRequestRateConfig, type RequestRateConfig, type SubjectConfig } from './config.js';
import { REQUEST_RATE_DISCARD } from './metrics.js';
import { SubjectTable } from './subject-table.js';

export const REQUEST_RATE = 'request-rate';

/** Action by rank (0 = nothing). Same order as core's ACTION_RANK. */
const ACTION_BY_RANK: readonly (VerdictAction | null)[] = [null, 'log', 'challenge', 'block'];

/** One kind of subject: its table and thresholds (log = Infinity when disabled). */
class SubjectTracker<K extends string | number> {
  readonly table: SubjectTable<K>;
  readonly log: number;
  readonly challenge: number;
  readonly block: number;
  /** Smallest count that can decide anything: the fast path skips everything below it. */
  readonly lowest: number;
  reportedEvictions = 0;

  constructor(
    readonly kind: SubjectKind,
    config: SubjectConfig,
    buckets: number,
  ) {
    this.table = new SubjectTable<K>(config.max_tracked_subjects, buckets);
    this.log = config.log_requests ?? Number.POSITIVE_INFINITY;
    this.challenge = config.challenge_requests;
    this.block = config.block_requests;
    this.lowest = Math.min(this.log, this.challenge);
  }

  rank(requests: number): number {
    if (requests >= this.block) return 3;
    if (requests >= this.challenge) return 2;
    return requests >= this.log ? 1 : 0;
  }

  threshold(rank: number): number {
    return rank === 3 ? this.block : rank === 2 ? this.challenge : this.log;
  }
}

/** Score for `requests` that reached `rank` (see the file comment). */
export function requestRateScore(rank: number, requests: number, thresholds: { log: number; challenge: number; block: number }): number {
  if (rank === 3) return Math.min(10, Math.max(1, Math.round((10 * thresholds.block) / requests)));
  if (rank === 2) return 29 - Math.floor((10 * (requests - thresholds.challenge)) / (thresholds.block - thresholds.challenge));
  return 40 - Math.floor((11 * (requests - thresholds.log)) / (thresholds.challenge - thresholds.log));
}

export class RequestRateDetector implements Detector {
  readonly id: string;
  private readonly bucket_ms: number;
  private readonly window_ms: number;
  private readonly ttl_ms: number;
  private readonly reemit_ms: number;
  private readonly ip: SubjectTracker<string> | null;
  private readonly prefix: SubjectTracker<string> | null;
  private readonly asn: SubjectTracker<number> | null;
  private readonly ja4: SubjectTracker<string> | null;
  private readonly trackers: SubjectTracker<string | number>[];
  private readonly metrics: ComponentMetrics;
  private readonly logger: Logger;

  constructor(config: RequestRateConfig, context: HostedDetectorContext) {
    this.id = context.id ?? REQUEST_RATE;
    this.bucket_ms = config.bucket_ms;
    this.window_ms = config.window_ms;
    this.ttl_ms = config.ttl_ms;
    this.reemit_ms = config.reemit_before_expiry_ms;
    const buckets = config.window_ms / config.bucket_ms;
    const { subjects } = config;
    this.ip = subjects.ip.enabled ? new SubjectTracker<string>('ip', subjects.ip, buckets) : null;
    this.prefix = subjects.prefix.enabled ? new SubjectTracker<string>('prefix', subjects.prefix, buckets) : null;
    this.asn = subjects.asn.enabled ? new SubjectTracker<number>('asn', subjects.asn, buckets) : null;
    this.ja4 = subjects.ja4.enabled ? new SubjectTracker<string>('ja4', subjects.ja4, buckets) : null;
    this.trackers = [this.ip, this.prefix, this.asn, this.ja4].filter((t) => t !== null) as SubjectTracker<string | number>[];
    this.metrics = context.metrics;
    this.logger = context.logger;
    this.logger.debug({ detector: this.id, window_ms: config.window_ms, kinds: this.trackers.map((t) => t.kind) }, 'request-rate ready');
  }

  process(event: RequestEvent): Verdict[] {
    const ts = event.timestamp_ms;
    const bucket = Math.floor(ts / this.bucket_ms);
    let out: Verdict[] | null = null;
    if (this.ip !== null && typeof event.ip === 'string' && event.ip !== '') out = this.observe(this.ip, event.ip, ts, bucket, out);
    if (this.prefix !== null && typeof event.prefix === 'string' && event.prefix !== '') out = this.observe(this.prefix, event.prefix, ts, bucket, out);
    if (this.asn !== null && typeof event.asn === 'number' && event.asn !== 0) out = this.observe(this.asn, event.asn, ts, bucket, out);
    if (this.ja4 !== null && typeof event.ja4 === 'string' && event.ja4 !== '') out = this.observe(this.ja4, event.ja4, ts, bucket, out);
    return out ?? NO_VERDICTS;
  }

  flush(watermark_ms: number): Verdict[] {
    const watermarkBucket = Math.floor(watermark_ms / this.bucket_ms);
    for (const tracker of this.trackers) {
      tracker.table.sweep(watermarkBucket, watermark_ms);
      const evicted = tracker.table.evictions - tracker.reportedEvictions;
      if (evicted > 0) {
        this.metrics.discarded(REQUEST_RATE_DISCARD.stateEvicted, evicted);
        tracker.reportedEvictions = tracker.table.evictions;
      }
    }
    return NO_VERDICTS;
  }

  stateSize(): { keys: number; bytes: number } {
    let keys = 0;
    let bytes = 0;
    for (const tracker of this.trackers) {
      keys += tracker.table.size;
      bytes += tracker.table.bytes();
    }
    return { keys, bytes };
  }

  /** Tracked subjects per kind (tests, debugging). */
  trackedSubjects(kind: SubjectKind): number {
    return this.trackers.find((t) => t.kind === kind)?.table.size ?? 0;
  }

  private observe<K extends string | number>(tracker: SubjectTracker<K>, key: K, ts: number, bucket: number, out: Verdict[] | null): Verdict[] | null {
    const table = tracker.table;
    const slot = table.count(key, bucket);
    if (slot < 0) return out;
    const requests = table.total(slot);
    if (requests < tracker.lowest) return out;
    const rank = tracker.rank(requests);
    if (rank <= table.activeRank(slot, ts) && ts < table.verdictExpiresAt(slot) - this.reemit_ms) return out;
    table.setVerdict(slot, rank, ts + this.ttl_ms);
    const verdict = this.verdict(tracker, key, rank, requests, ts);
    if (out === null) return [verdict];
    out.push(verdict);
    return out;
  }

  private verdict<K extends string | number>(tracker: SubjectTracker<K>, key: K, rank: number, requests: number, ts: number): Verdict {
    const subject = `${tracker.kind}:${key}` as SubjectKey;
    const action = ACTION_BY_RANK[rank] as VerdictAction;
    const score = requestRateScore(rank, requests, tracker);
    return {
      id: verdictId(subject, ts, action, [this.id]),
      subject,
      action,
      score,
      ttl_ms: this.ttl_ms,
      decided_at: ts,
      detectors: [
        {
          id: this.id,
          score,
          evidence: { requests, window_ms: this.window_ms, threshold: tracker.threshold(rank), rate_per_s: (requests * 1_000) / this.window_ms },
        },
      ],
    };
  }
}

export const requestRate: DetectorFactory<RequestRateConfig> = {
  parseConfig: parseRequestRateConfig,
  create(config: RequestRateConfig, context: HostedDetectorContext): RequestRateDetector {
    return new RequestRateDetector(config, context);
  },
};
