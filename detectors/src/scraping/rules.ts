/**
 * `scraping`'s thresholds per kind of subject, compiled once from the config (numbers only on
 * the per-summary path), and the trackers that hold each kind's tables.
 */
import type { SummaryKind } from '../engine/summary.js';
import type { ScrapingConfig, ScrapingSubjectConfig } from './config.js';
import { Levels } from './levels.js';
import type { PageWindow } from './page-window.js';
import { StateTable } from './state-table.js';

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

export class ScrapingTracker {
  readonly aggregate: boolean;
  rules: ScrapingRules;
  readonly short: StateTable<PageWindow>;
  /** Null when no low_and_slow threshold is set. */
  readonly long: StateTable<PageWindow> | null;

  constructor(readonly kind: SummaryKind, config: ScrapingSubjectConfig) {
    this.aggregate = kind !== 'ip';
    this.rules = new ScrapingRules(config, this.aggregate);
    this.short = new StateTable(config.max_tracked_subjects);
    this.long = Number.isFinite(this.rules.lowAndSlow.lowest) ? new StateTable(config.max_long_tracked_subjects) : null;
  }

  /** Whether `config` can keep this tracker's tables (same caps, long window on or off alike). */
  fits(config: ScrapingSubjectConfig): boolean {
    const next = new ScrapingRules(config, this.aggregate);
    return (
      this.short.capacity === config.max_tracked_subjects &&
      (this.long === null) === !Number.isFinite(next.lowAndSlow.lowest) &&
      (this.long === null || this.long.capacity === config.max_long_tracked_subjects)
    );
  }
}

export type Trackers = Record<SummaryKind, ScrapingTracker | null>;
const KINDS: readonly SummaryKind[] = ['ip', 'prefix', 'asn', 'ja4', 'ua'];

/** Trackers for `config`, keeping a previous kind's tables (and state) when they still fit. */
export function buildTrackers(config: ScrapingConfig, previous: Trackers | null): Trackers {
  const out: Trackers = { ip: null, prefix: null, asn: null, ja4: null, ua: null };
  for (const kind of KINDS) {
    const subject = config.subjects[kind];
    if (!subject.enabled) continue;
    const kept = previous?.[kind] ?? null;
    if (kept !== null && kept.fits(subject)) {
      kept.rules = new ScrapingRules(subject, kept.aggregate);
      out[kind] = kept;
    } else {
      out[kind] = new ScrapingTracker(kind, subject);
    }
  }
  return out;
}
