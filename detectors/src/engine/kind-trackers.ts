/**
 * The per-kind state of a summary detector: one tracker per enabled kind of subject (`ip`,
 * `prefix`, `asn`, `ja4`, `ua`), each holding that kind's tables and compiled thresholds. Shared
 * by the six summary detectors, which keep only what their trackers hold and how they judge.
 *
 * Invariants:
 * - `byKind[kind]` is null exactly when the kind is disabled; `all` lists the others in
 *   SUBJECT_KINDS order (flush, stateSize and the discards walk it).
 * - Reconfigure keeps a kind's tracker, and so its state, only when the tracker's `shape` (the
 *   settings its tables were built with: caps, window and step lengths…) is unchanged; then the
 *   tracker takes the new thresholds (`retune`). Any other change starts the kind afresh.
 * - Discards are plain counters on the per-summary path (`late`, the tables' evictions) and
 *   reported as deltas on flush, so the hot path never touches a metric.
 * - A tracker frees its own expired state on flush (`sweep`): it knows its tables and what makes
 *   their entries expire; the detector only says when.
 */
import { SUBJECT_KINDS, type ComponentMetrics, type SubjectKind } from '@botsieve/core';
import type { StateSize } from './detector.js';


/** What every per-kind config has (the rest is the detector's own). */
export interface KindSettings {
  enabled: boolean;
}

/** A summary detector's config: its per-kind settings under `subjects`. */
export interface KindedConfig<K extends KindSettings> {
  readonly subjects: Readonly<Record<SubjectKind, K>>;
}

/** One kind's state in a summary detector whose config is `C`. */
export interface KindTracker<K extends KindSettings, C = unknown> {
  readonly kind: SubjectKind;
  /** The settings the tracker's tables were built with, as a string (compared on reconfigure). */
  readonly shape: string;
  /** Takes the thresholds of `kindConfig`, whose shape is this tracker's; the state is kept. */
  retune(kindConfig: K): void;
  /** Tracked keys (subjects, and routes or sketch keys where the detector keeps them). */
  keys(): number;
  /** Approximate bytes held. */
  bytes(): number;
  /** Subjects evicted because a table was full, since the last call. */
  takeEvictions(): number;
  /** Event time reached `watermark_ms` (on flush): frees the state that expired under `config`. */
  sweep(watermark_ms: number, config: C): void;
}

/** How a detector makes its trackers (a module constant: reconfigure builds no closures). */
export interface KindTrackerFactory<C extends KindedConfig<K>, K extends KindSettings, T extends KindTracker<K, C>> {
  /** The settings a kind's tables are built with under `config`, as a string (JSON of them). */
  shapeOf(kindConfig: K, config: C): string;
  create(kind: SubjectKind, kindConfig: K, shape: string, config: C): T;
}

export class KindTrackers<C extends KindedConfig<K>, K extends KindSettings, T extends KindTracker<K, C>> {
  /** The tracker of each kind, null when the kind is disabled (one property read per summary). */
  readonly byKind: Record<SubjectKind, T | null> = { ip: null, prefix: null, asn: null, ja4: null, ua: null };
  /** The enabled kinds' trackers, in SUBJECT_KINDS order. */
  all: readonly T[] = [];
  /** Partial summaries refused as too old (any kind) since the last `reportDiscards`. */
  late = 0;

  constructor(private readonly factory: KindTrackerFactory<C, K, T>) {}

  /**
   * Applies a config's per-kind settings: a disabled kind drops its tracker; an enabled kind
   * keeps its tracker when its shape is unchanged (and retunes it), else gets a new one.
   */
  reconfigure(config: C): void {
    for (const kind of SUBJECT_KINDS) {
      const kindConfig = config.subjects[kind];
      const old = this.byKind[kind];
      if (!kindConfig.enabled) {
        this.byKind[kind] = null;
        continue;
      }
      const shape = this.factory.shapeOf(kindConfig, config);
      if (old !== null && old.shape === shape) old.retune(kindConfig);
      else this.byKind[kind] = this.factory.create(kind, kindConfig, shape, config);
    }
    this.all = SUBJECT_KINDS.map((kind) => this.byKind[kind]).filter((tracker): tracker is T => tracker !== null);
  }

  /** The enabled kinds (logs). */
  kinds(): SubjectKind[] {
    return this.all.map((tracker) => tracker.kind);
  }

  /** Every enabled kind frees its expired state (on flush). */
  sweep(watermark_ms: number, config: C): void {
    for (const tracker of this.all) tracker.sweep(watermark_ms, config);
  }

  stateSize(): StateSize {
    let keys = 0;
    let bytes = 0;
    for (const tracker of this.all) {
      keys += tracker.keys();
      bytes += tracker.bytes();
    }
    return { keys, bytes };
  }

  /** Reports the evictions and late summaries since the last call as `discarded` deltas (on flush). */
  reportDiscards(metrics: ComponentMetrics, evictedReason: string, lateReason: string): void {
    let evicted = 0;
    for (const tracker of this.all) evicted += tracker.takeEvictions();
    if (evicted > 0) metrics.discarded(evictedReason, evicted);
    if (this.late > 0) metrics.discarded(lateReason, this.late);
    this.late = 0;
  }
}
