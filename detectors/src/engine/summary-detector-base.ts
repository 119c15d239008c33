/**
 * What every summary detector is besides its decision logic: its id, its config (typed: the
 * engine hands `reconfigure` what the factory parsed), its per-kind trackers, the flush that
 * frees expired state and reports discards, and its state size. A detector extends this and
 * writes `summary()`, its trackers and how it judges; it overrides `flush`, `stateSize` or
 * `reconfigure` (calling `super`) only for state it keeps outside its trackers.
 *
 * One level of inheritance, off the hot path: `summary()` is the detector's own method and reads
 * `this.config` and `this.kinds` as plain fields set in this constructor (one hidden class per
 * detector, no hook called per summary); the base's methods run on flush and reconfigure only.
 *
 * Subclass fields are defined after this constructor returns (ES2022 class fields), so this
 * constructor calls nothing a subclass overrides; a subclass sets up its own state after `super`.
 */
import type { ComponentMetrics, Logger } from '@botsieve/core';
import type { HostedDetectorContext, StateSize, SummaryDetector } from './detector.js';
import { KindTrackers, type KindedConfig, type KindSettings, type KindTracker, type KindTrackerFactory } from './kind-trackers.js';
import { NO_SIGNALS, type Signal } from './signal.js';
import type { Summary } from './summary.js';

/** The discard reasons (metric label values) a summary detector reports on flush. */
export interface SummaryDiscards {
  /** Subjects evicted because a kind's table was full. */
  readonly evicted: string;
  /** Partial summaries refused as too old for their subject's window. */
  readonly late: string;
}

export abstract class SummaryDetectorBase<C extends KindedConfig<K>, K extends KindSettings, T extends KindTracker<K, C>> implements SummaryDetector<C> {
  readonly id: string;
  readonly input = 'summaries' as const;
  protected config: C;
  protected readonly kinds: KindTrackers<C, K, T>;
  protected readonly logger: Logger;
  protected readonly metrics: ComponentMetrics;
  private readonly discards: SummaryDiscards;

  constructor(type: string, config: C, context: HostedDetectorContext, trackers: KindTrackerFactory<C, K, T>, discards: SummaryDiscards) {
    this.id = context.id ?? type;
    this.config = config;
    this.kinds = new KindTrackers(trackers);
    this.kinds.reconfigure(config);
    this.logger = context.logger;
    this.metrics = context.metrics;
    this.discards = discards;
    context.logger.debug({ detector: this.id, kinds: this.kinds.kinds() }, `${type} ready`);
  }

  abstract summary(summary: Summary): Signal[];

  /** Frees what expired in every kind and reports the discards since the last flush; signals nothing. */
  flush(watermark_ms: number): Signal[] {
    this.kinds.sweep(watermark_ms, this.config);
    this.kinds.reportDiscards(this.metrics, this.discards.evicted, this.discards.late);
    return NO_SIGNALS;
  }

  stateSize(): StateSize {
    return this.kinds.stateSize();
  }

  /** New thresholds keep each kind's state; a kind whose shape changed starts afresh (KindTrackers). */
  reconfigure(config: C): void {
    this.config = config;
    this.kinds.reconfigure(config);
  }
}
