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
 *   bucket_share      = (low_score_under_load over the window) / (under_load over the window)
 *   challenge when bucket_rate_per_s > max_bucket_rate_per_s(kind) and
 *                  bucket_share ≥ min_bucket_share and, for ip subjects, the window is not
 *                  people's: browsers or the app with few failures of their own
 *                  (volumetric/people.ts) that render (assets, or assets loaded recently) or
 *                  are the app (app-stack user agents ≥ human_min_client_share)
 * The share keeps the limit on subjects that are the bot bucket, not on those that merely hold
 * some of it: Bot Management scores part of a mobile app's users under 30 (it cannot run its
 * JavaScript in an app) and a few browsers too, and a carrier NAT exit or an office carries
 * hundreds of them beside everyone else; its bucket rate is above any per-address limit, its
 * share is that of the misjudged people (Cloudflare's bot bucket is a share of requests too: it
 * limits the bucket's requests, never the address that also carries the humans). And an address
 * whose traffic looks like people's clients (a browser rendering its pages, the app mixing its
 * routes) is not the bot bucket whatever its score: a person misjudged by Bot Management loads a
 * page with its assets (a dozen requests in a second, over the per-address limit), and Bot
 * Management cannot run its JavaScript in an app (it scores part of the app's users low) while
 * the app cannot answer a challenge. What is limited is low-scored traffic that behaves like a
 * tool: no rendering, failures, no browser or app user agent. A bot wearing the app's identity
 * is left to the detectors that judge behaviour; the load is what this one sheds. Populations
 * (prefix, ASN, JA4, user agent) are limited only when their requests mostly do not name
 * people's clients (< population_max_client_share): a carrier /24 whose low-scored flood wears
 * browsers' user agents may carry people who have not come by yet.
 * Defaults: window 10 s; ip 1/s, prefix 5/s, asn 20/s, ja4 20/s (an ip therefore needs more than
 * 10 bot-bucket requests under load within 10 s). Only `challenge` is recommended, with a short
 * TTL hint (`ttl_ms`, 30 s, renewed every `reemit_ms` while load and rate last): the load is
 * transient, and the people who come to a limited network after it should not meet the limit.
 *
 * Score: 25 − min(5, floor(rate / limit) − 1): 25 just above the limit, 20 at ≥ 6× it.
 *
 * State: a subject is tracked from its first bot-bucket request under load (with a healthy
 * origin the detector holds nothing). Cooldown: while the load and the excess persist the
 * subject is signalled again every `reemit_ms`. Reconfigure keeps state unless a kind's window,
 * step or cap changes (that kind starts afresh).
 */
import type { SubjectKind } from '@botsieve/core';
import type { EngineDetectorFactory, HostedDetectorContext } from '../engine/detector.js';
import { round2 } from '../engine/evidence.js';
import type { KindTrackerFactory } from '../engine/kind-trackers.js';
import { NO_SIGNALS, type Signal } from '../engine/signal.js';
import { SummaryDetectorBase } from '../engine/summary-detector-base.js';
import type { Summary } from '../engine/summary.js';
import type { WindowTable } from '../engine/window-table.js';
import { WindowTracker } from '../engine/window-tracker.js';
import { parseLoadBucketConfig, type LoadBucketConfig, type LoadBucketKindConfig } from './config.js';
import { clientRequests, peopleClients, rendersStep, type PeopleWindow } from '../volumetric/people.js';
import { LOAD_BUCKET_DISCARD } from './metrics.js';

export const LOAD_BUCKET = 'load-bucket';

const BUCKET = 0;
const UNDER_LOAD = 1;
const REQUESTS = 2;
const CLIENTS = 3;
const POPULATION_COUNTERS = 4;
/** ip subjects only (the people rule): 404/410 and failed logins, requests of steps that rendered, app requests. */
const FAILURES = 4;
const RENDERED = 5;
const APP = 6;
const IP_COUNTERS = 7;
const CHALLENGE = 2;

/** Score for a bucket rate above its limit (see the file comment). */
export function loadBucketScore(rate_per_s: number, limit_per_s: number): number {
  return 25 - Math.min(5, Math.max(0, Math.floor(rate_per_s / limit_per_s) - 1));
}

class KindState extends WindowTracker<LoadBucketKindConfig, LoadBucketConfig> {
  limitPerS = 0;
  /** Bucket requests per window above which a subject is over the limit. */
  limitPerWindow = 0;
  private readonly window_ms: number;

  constructor(kind: SubjectKind, shape: string, kindConfig: LoadBucketKindConfig, config: LoadBucketConfig) {
    super(kind, shape, kindConfig, config, kind === 'ip' ? IP_COUNTERS : POPULATION_COUNTERS, false);
    this.window_ms = config.window_ms;
    this.retune(kindConfig);
  }

  retune(kindConfig: LoadBucketKindConfig): void {
    this.limitPerS = kindConfig.max_bucket_rate_per_s;
    this.limitPerWindow = (kindConfig.max_bucket_rate_per_s * this.window_ms) / 1_000;
  }
}

const KIND_STATES: KindTrackerFactory<LoadBucketConfig, LoadBucketKindConfig, KindState> = {
  shapeOf: (kind, config) => JSON.stringify([config.window_ms, config.step_ms, kind.max_tracked_subjects]),
  create: (kind, kindConfig, shape, config) => new KindState(kind, shape, kindConfig, config),
};

export class LoadBucketDetector extends SummaryDetectorBase<LoadBucketConfig, LoadBucketKindConfig, KindState> {
  private readonly scratch: PeopleWindow = { requests: 0, pages: 0, assets: 0, failures: 0, clients: 0, known: 0, mixed: false };

  constructor(config: LoadBucketConfig, context: HostedDetectorContext) {
    super(LOAD_BUCKET, config, context, KIND_STATES, { evicted: LOAD_BUCKET_DISCARD.stateEvicted, late: LOAD_BUCKET_DISCARD.summaryTooLate });
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
    table.add(slot, bucket, REQUESTS, s.requests);
    table.add(slot, bucket, CLIENTS, clientRequests(s));
    if (s.kind === 'ip') {
      table.add(slot, bucket, FAILURES, s.not_found + s.login_failures);
      table.add(slot, bucket, RENDERED, rendersStep(s, this.config) ? s.requests : 0);
      table.add(slot, bucket, APP, s.app_ua);
    }
    const at = table.noteMs(slot, s.last_ms);
    if (s.low_score_under_load === 0) return NO_SIGNALS;
    const bucketRequests = table.total(slot, BUCKET);
    if (bucketRequests <= state.limitPerWindow) return NO_SIGNALS;
    const underLoad = Math.max(bucketRequests, table.total(slot, UNDER_LOAD));
    if (bucketRequests < this.config.min_bucket_share * underLoad) return NO_SIGNALS;
    if (s.kind === 'ip' ? this.people(table, slot) : table.total(slot, CLIENTS) >= this.config.population_max_client_share * table.total(slot, REQUESTS)) return NO_SIGNALS;
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
        ttl_ms: this.config.ttl_ms,
        evidence: {
          bucket_requests: bucketRequests,
          window_ms,
          bucket_rate_per_s: round2(rate),
          limit_per_s: state.limitPerS,
          under_load_requests: underLoad,
          bucket_share: round2(bucketRequests / underLoad),
          client_share: round2(table.total(slot, CLIENTS) / Math.max(1, table.total(slot, REQUESTS))),
        },
      },
    ];
  }

  /** People's clients that render, or the app (see the file comment). */
  private people(table: WindowTable, slot: number): boolean {
    const w = this.scratch;
    w.requests = table.total(slot, REQUESTS);
    w.failures = table.total(slot, FAILURES);
    w.clients = table.total(slot, CLIENTS);
    if (!peopleClients(w, this.config)) return false;
    const share = this.config.human_min_client_share * w.requests;
    return table.total(slot, RENDERED) >= share || table.total(slot, APP) >= share;
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
