/**
 * A KindTracker that holds one kind's compiled rules and one StateTable of per-subject states:
 * what `credential-stuffing` and `probing` keep per kind of subject (`scraping` keeps a second,
 * long-window table and has its own tracker).
 *
 * Rules are compiled from the kind's config by the detector's rules class (numbers only on the
 * per-summary path); `aggregate` (every kind but `ip`) tells the rules whether distinct IPs
 * mean anything. Reconfigure compiles new rules and keeps the table when the shape is unchanged.
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

export class TableTracker<K extends TableKindSettings, R, S extends TrackedState> implements KindTracker<K> {
  readonly aggregate: boolean;
  rules: R;
  readonly table: StateTable<S>;

  constructor(
    readonly kind: SubjectKind,
    readonly shape: string,
    kindConfig: K,
    private readonly compile: RulesCompiler<K, R>,
  ) {
    this.aggregate = kind !== 'ip';
    this.rules = new compile(kindConfig, this.aggregate);
    this.table = new StateTable(kindConfig.max_tracked_subjects);
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
