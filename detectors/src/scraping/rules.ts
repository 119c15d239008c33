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

export class ScrapingRules {
  readonly maxAssetsRatio: number;
  readonly coverage: Levels;
  readonly enumeration: Levels;
  readonly minIdDensity: number;
  readonly enumerationNeedsFewAssets: boolean;
  readonly distributed: Levels;
  readonly minDistinctIps: number;
  readonly maxRequestsPerIp: number;
  readonly lowAndSlow: Levels;
  /** Fewest pages in the short window that could reach any short-window rule. */
  readonly shortLowest: number;
  /** Fewest pages that could reach a rule on distinct URLs (coverage, distributed). */
  readonly urlsLowest: number;

  constructor(config: ScrapingSubjectConfig, aggregate: boolean) {
    this.maxAssetsRatio = config.max_assets_ratio;
    this.coverage = new Levels(config.coverage);
    this.enumeration = new Levels(config.enumeration);
    this.minIdDensity = config.min_id_density;
    this.enumerationNeedsFewAssets = config.enumeration_needs_few_assets;
    // The fleet rule needs distinct IPs: `ip:` subjects never have more than one.
    this.distributed = new Levels(aggregate ? config.distributed : { log: null, challenge: null, block: null });
    this.minDistinctIps = config.min_distinct_ips;
    this.maxRequestsPerIp = config.max_requests_per_ip;
    this.lowAndSlow = new Levels(config.low_and_slow);
    this.urlsLowest = Math.min(this.coverage.lowest, this.distributed.lowest);
    this.shortLowest = Math.min(this.urlsLowest, this.enumeration.lowest);
  }
}

/** Whether a kind keeps a long window: only when some low_and_slow threshold is set. */
function hasLongWindow(config: ScrapingSubjectConfig): boolean {
  const { log, challenge, block } = config.low_and_slow;
  return log !== null || challenge !== null || block !== null;
}

export class ScrapingTracker implements KindTracker<ScrapingSubjectConfig> {
  readonly aggregate: boolean;
  rules: ScrapingRules;
  readonly short: StateTable<PageWindow>;
  /** Null when no low_and_slow threshold is set. */
  readonly long: StateTable<PageWindow> | null;

  constructor(
    readonly kind: SubjectKind,
    readonly shape: string,
    config: ScrapingSubjectConfig,
  ) {
    this.aggregate = kind !== 'ip';
    this.rules = new ScrapingRules(config, this.aggregate);
    this.short = new StateTable(config.max_tracked_subjects);
    this.long = hasLongWindow(config) ? new StateTable(config.max_long_tracked_subjects) : null;
  }

  retune(config: ScrapingSubjectConfig): void {
    this.rules = new ScrapingRules(config, this.aggregate);
  }

  keys(): number {
    return this.short.size + (this.long?.size ?? 0);
  }

  bytes(): number {
    return this.short.bytes + (this.long?.bytes ?? 0);
  }

  takeEvictions(): number {
    return this.short.takeEvictions() + (this.long?.takeEvictions() ?? 0);
  }
}

export const SCRAPING_TRACKERS: KindTrackerFactory<ScrapingConfig, ScrapingSubjectConfig, ScrapingTracker> = {
  /**
   * A kind keeps its tables (and state) across a reconfigure only with the same windows and
   * caps, and its long window on or off alike.
   */
  shapeOf: (subject, config) => JSON.stringify([config.window_ms, config.long_window_ms, subject.max_tracked_subjects, hasLongWindow(subject) ? subject.max_long_tracked_subjects : null]),
  create: (kind, subject, shape) => new ScrapingTracker(kind, shape, subject),
};
