/**
 * A KindTracker over one WindowTable: what `volumetric`, `l7-flood` and `load-bucket` keep per
 * kind of subject. The table is built from the kind's cap and the config's window and step
 * (which is why they are in the kind's shape); on flush it frees subjects whose window is empty
 * and whose last signal is `reemit_ms` old. A detector's tracker adds its own per-kind state and
 * thresholds (`retune`), and overrides `keys`, `bytes` or `sweep` (calling `super`) for it.
 * The per-summary path reads `table` and the subclass's fields only: nothing here is called per
 * summary.
 */
import type { SubjectKind } from '@botsieve/core';
import type { KindSettings, KindTracker } from './kind-trackers.js';
import { WindowTable } from './window-table.js';

/** What every kind config of a window detector has. */
export interface WindowKindSettings extends KindSettings {
  max_tracked_subjects: number;
}

/** What every window detector's config has. */
export interface WindowedConfig {
  window_ms: number;
  step_ms: number;
  reemit_ms: number;
}

export abstract class WindowTracker<K extends WindowKindSettings, C extends WindowedConfig> implements KindTracker<K, C> {
  readonly table: WindowTable;

  /** `releasesSlots`: the tracker keeps per-slot state of its own, cleared in `release`. */
  constructor(
    readonly kind: SubjectKind,
    readonly shape: string,
    kindConfig: K,
    config: C,
    counters: number,
    releasesSlots: boolean,
  ) {
    this.table = new WindowTable(kindConfig.max_tracked_subjects, config.window_ms / config.step_ms, counters, releasesSlots ? (slot) => this.release(slot) : null);
  }

  abstract retune(kindConfig: K): void;

  keys(): number {
    return this.table.size;
  }

  bytes(): number {
    return this.table.bytes();
  }

  takeEvictions(): number {
    return this.table.takeEvictions();
  }

  sweep(watermark_ms: number, config: C): void {
    this.table.sweep(Math.floor(watermark_ms / config.step_ms), watermark_ms, config.reemit_ms);
  }

  /** A slot is about to be reused or freed (only when constructed with `releasesSlots`). */
  protected release(_slot: number): void {}
}
