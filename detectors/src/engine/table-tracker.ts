/**
 * A KindTracker that holds one kind's compiled rules and one StateTable of per-subject states:
 * what `credential-stuffing` and `probing` keep per kind of subject (`scraping` keeps a second,
 * long-window table and has its own tracker).
 *
 * Rules are compiled from the kind's config by the detector's rules class (numbers only on the
 * per-summary path); `aggregate` (every kind but `ip`) tells the rules whether distinct IPs
 * mean anything. Reconfigure compiles new rules and keeps the table when the shape is unchanged.
 * On flush the table frees, from the least recently used, the states `expired` says are over.
 */
import type { SubjectKind } from '@botsieve/core';
import type { KindSettings, KindTracker } from './kind-trackers.js';
import { StateTable, type TrackedState } from './state-table.js';

/** What every kind config of a table-tracking detector has. */
export interface TableKindSettings extends KindSettings {
  max_tracked_subjects: number;
}

/** A detector's rules class: compiles one kind's thresholds. */
export type RulesCompiler<K, R> = new (kindConfig: K, aggregate: boolean) => R;

/** Whether a state is over at `watermark_ms` under the detector's `config` (a module function). */
export type Expiry<S, C> = (state: S, watermark_ms: number, config: C) => boolean;

export class TableTracker<K extends TableKindSettings, R, S extends TrackedState, C> implements KindTracker<K, C> {
  readonly aggregate: boolean;
  rules: R;
  readonly table: StateTable<S>;
  /** What the sweep in progress asks `expired` (set by `sweep`, read by `isExpired`). */
  private watermark = 0;
  private sweepConfig: C | null = null;
  /** Made once: the table's sweep calls it per state, so a flush allocates nothing. */
  private readonly isExpired = (state: S): boolean => this.expired(state, this.watermark, this.sweepConfig!);

  constructor(
    readonly kind: SubjectKind,
    readonly shape: string,
    kindConfig: K,
    private readonly compile: RulesCompiler<K, R>,
    private readonly expired: Expiry<S, C>,
  ) {
    this.aggregate = kind !== 'ip';
    this.rules = new compile(kindConfig, this.aggregate);
    this.table = new StateTable(kindConfig.max_tracked_subjects);
  }

  sweep(watermark_ms: number, config: C): void {
    this.watermark = watermark_ms;
    this.sweepConfig = config;
    this.table.sweep(this.isExpired);
    this.sweepConfig = null;
  }

  retune(kindConfig: K): void {
    this.rules = new this.compile(kindConfig, this.aggregate);
  }

  keys(): number {
    return this.table.size;
  }

  bytes(): number {
    return this.table.bytes;
  }

  takeEvictions(): number {
    return this.table.takeEvictions();
  }
}
