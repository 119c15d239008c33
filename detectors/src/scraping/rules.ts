/**
 * `scraping`'s thresholds per kind of subject, compiled once from the config (numbers only on
 * the per-summary path), and the trackers that hold each kind's tables.
 */
import type { SubjectKind } from '@botsieve/core';
import type { KindTracker, KindTrackerFactory } from '../engine/kind-trackers.js';
import { Levels } from '../engine/levels.js';
import { StateTable } from '../engine/state-table.js';
import type { ScrapingConfig, ScrapingSubjectConfig } from './config.js';
import type { PageWindow } from './page-window.js';
import type { Presence } from './presence.js';

const OFF = { log: null, challenge: null, block: null };

export class ScrapingRules {
  readonly maxAssetsRatio: number;
  readonly coverage: Levels;
  readonly enumeration: Levels;
  readonly minIdDensity: number;
  readonly enumerationNeedsFewAssets: boolean;
  /** Per-address rules (`ip:` only; off on aggregates). */
  readonly barePages: Levels;
  readonly walk: Levels;
  readonly cadence: Levels;
  /** Population rules (aggregates only; off on `ip:`). */
  readonly distributed: Levels;
  readonly apiFleet: Levels;
  readonly minDistinctIps: number;
  readonly maxPagesPerIp: number;
  readonly maxRequestsPerIp: number;
  readonly lowAndSlow: Levels;
  /** Aggregates: event time the detector must have watched before any rule acts. */
  readonly minWatchedMs: number;
  /** Fewest pages in the short window that could reach any short-window page rule. */
  readonly shortLowest: number;
  /** Fewest pages that could reach a rule on distinct URLs (coverage, distributed, cadence). */
  readonly urlsLowest: number;
  /** Fewest pages in the long window that could reach a long-window rule (low_and_slow, bare_pages). */
  readonly longLowest: number;

  constructor(config: ScrapingSubjectConfig, aggregate: boolean) {
    this.maxAssetsRatio = config.max_assets_ratio;
    this.coverage = new Levels(config.coverage);
    this.enumeration = new Levels(config.enumeration);
    this.minIdDensity = config.min_id_density;
    this.enumerationNeedsFewAssets = config.enumeration_needs_few_assets;
    // A session's shape is an address's: on aggregates many clients mix. Fleets need distinct
    // IPs: `ip:` subjects never have more than one.
    this.barePages = new Levels(aggregate ? OFF : config.bare_pages);
    this.walk = new Levels(aggregate ? OFF : config.walk);
    this.cadence = new Levels(aggregate ? OFF : config.cadence);
    this.distributed = new Levels(aggregate ? config.distributed : OFF);
    this.apiFleet = new Levels(aggregate ? config.api_fleet : OFF);
    this.minDistinctIps = config.min_distinct_ips;
    this.maxPagesPerIp = config.max_pages_per_ip;
    this.maxRequestsPerIp = config.max_requests_per_ip ?? Number.POSITIVE_INFINITY;
    this.lowAndSlow = new Levels(config.low_and_slow);
    this.minWatchedMs = config.min_watched_ms;
    this.urlsLowest = Math.min(this.coverage.lowest, this.distributed.lowest, this.cadence.lowest);
    this.shortLowest = Math.min(this.urlsLowest, this.enumeration.lowest, this.walk.lowest);
    this.longLowest = Math.min(this.lowAndSlow.lowest, this.barePages.lowest);
  }
}

/** Whether a kind keeps a long window: only when a long-window rule (low_and_slow, bare_pages) is set. */
function hasLongWindow(config: ScrapingSubjectConfig, aggregate: boolean): boolean {
  const set = (levels: { log: number | null; challenge: number | null; block: number | null }): boolean => levels.log !== null || levels.challenge !== null || levels.block !== null;
  return set(config.low_and_slow) || (!aggregate && set(config.bare_pages));
}

export class ScrapingTracker implements KindTracker<ScrapingSubjectConfig, ScrapingConfig> {
  readonly aggregate: boolean;
  rules: ScrapingRules;
  readonly short: StateTable<PageWindow>;
  /** Null when no long-window rule is set. */
  readonly long: StateTable<PageWindow> | null;
  /** Aggregates only: subjects with human evidence (presence.ts). */
  readonly presence: StateTable<Presence> | null;
  /** What the sweep in progress reads (set by `sweep`); the predicates are made once, so a flush allocates nothing. */
  private watermark = 0;
  private sweepConfig: ScrapingConfig | null = null;
  private readonly shortExpired = (s: PageWindow): boolean => s.expiredAt(this.watermark, this.sweepConfig!.window_ms, this.sweepConfig!.reemit_ms);
  private readonly longExpired = (s: PageWindow): boolean => s.expiredAt(this.watermark, this.sweepConfig!.long_window_ms, 0);
  private readonly presenceExpired = (p: Presence): boolean => this.watermark - p.lastMs > this.sweepConfig!.presence.memory_ms;

  constructor(
    readonly kind: SubjectKind,
    readonly shape: string,
    config: ScrapingSubjectConfig,
    max_presence: number,
  ) {
    this.aggregate = kind !== 'ip';
    this.rules = new ScrapingRules(config, this.aggregate);
    this.short = new StateTable(config.max_tracked_subjects);
    this.long = hasLongWindow(config, this.aggregate) ? new StateTable(config.max_long_tracked_subjects) : null;
    this.presence = this.aggregate ? new StateTable(max_presence) : null;
  }

  retune(config: ScrapingSubjectConfig): void {
    this.rules = new ScrapingRules(config, this.aggregate);
  }

  keys(): number {
    return this.short.size + (this.long?.size ?? 0) + (this.presence?.size ?? 0);
  }

  bytes(): number {
    return this.short.bytes + (this.long?.bytes ?? 0) + (this.presence?.bytes ?? 0);
  }

  takeEvictions(): number {
    return this.short.takeEvictions() + (this.long?.takeEvictions() ?? 0) + (this.presence?.takeEvictions() ?? 0);
  }

  sweep(watermark_ms: number, config: ScrapingConfig): void {
    this.watermark = watermark_ms;
    this.sweepConfig = config;
    this.short.sweep(this.shortExpired);
    this.long?.sweep(this.longExpired);
    this.presence?.sweep(this.presenceExpired);
    this.sweepConfig = null;
  }
}

export const SCRAPING_TRACKERS: KindTrackerFactory<ScrapingConfig, ScrapingSubjectConfig, ScrapingTracker> = {
  /**
   * A kind keeps its tables (and state) across a reconfigure only with the same windows and
   * caps, its long window on or off alike, and the same presence cap.
   */
  shapeOf: (subject, config) =>
    JSON.stringify([config.window_ms, config.long_window_ms, subject.max_tracked_subjects, hasLongWindow(subject, false) ? subject.max_long_tracked_subjects : null, config.presence.max_subjects]),
  create: (kind, subject, shape, config) => new ScrapingTracker(kind, shape, subject, config.presence.max_subjects),
};
