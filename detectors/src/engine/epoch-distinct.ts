/**
 * Distinct counts per slot over roughly one window, from the summaries' HyperLogLogs (distinct
 * user agents for `volumetric`, distinct IPs for `l7-flood`). Sketches do not subtract, so a
 * sliding distinct count is approximated by tumbling epochs of one window: each slot merges the
 * summaries of its current epoch into one sketch and remembers the previous epoch's estimate;
 * `estimate` is the larger of the two. It covers between one and two windows of history.
 *
 * Memory: one HyperLogLog per slot (created on the slot's first sketch, then cleared and reused
 * at each epoch change, so rotation allocates nothing): ~80 bytes while it holds ≤ 3 values,
 * at most 2^p + ~180 bytes. Per summary: one merge.
 *
 * A partial summary of the previous epoch arriving after the epoch changed cannot be merged into
 * the remembered estimate; it is dropped (its counters still count in the window table).
 */
import type { HyperLogLog } from '../sketch/index.js';

export class EpochDistinct {
  private sketches: (HyperLogLog | null)[] = [];
  private epochs = new Float64Array(0);
  private previous = new Float64Array(0);

  constructor(private readonly epoch_ms: number) {}

  /** Folds one summary's sketch into `slot` (step start `step_ms`); null sketches only move the epoch. */
  add(slot: number, step_ms: number, sketch: HyperLogLog | null): void {
    if (slot >= this.epochs.length) this.grow(slot);
    const epoch = Math.floor(step_ms / this.epoch_ms);
    let mine = this.sketches[slot] ?? null;
    const current = this.epochs[slot]!;
    if (mine === null) {
      this.epochs[slot] = epoch;
      this.previous[slot] = 0;
    } else if (epoch > current) {
      this.previous[slot] = epoch === current + 1 ? mine.estimate() : 0;
      this.epochs[slot] = epoch;
      mine.clear();
    } else if (epoch < current) {
      return;
    }
    if (sketch === null) return;
    if (mine === null) {
      mine = sketch.clone();
      this.sketches[slot] = mine;
    } else {
      mine.merge(sketch);
    }
  }

  /** Distinct values of the current or the previous epoch, whichever is larger (0 when none). */
  estimate(slot: number): number {
    const mine = this.sketches[slot] ?? null;
    if (mine === null) return 0;
    const current = mine.estimate();
    const previous = this.previous[slot]!;
    return current > previous ? current : previous;
  }

  /** Forgets a slot (released by its table). */
  release(slot: number): void {
    if (slot < this.sketches.length) this.sketches[slot] = null;
  }

  bytes(): number {
    let bytes = this.epochs.length * 16 + this.sketches.length * 8;
    for (const sketch of this.sketches) if (sketch !== null && sketch !== undefined) bytes += sketch.bytes();
    return bytes;
  }

  private grow(slot: number): void {
    const size = Math.max(1_024, this.epochs.length * 2, slot + 1);
    const epochs = new Float64Array(size);
    epochs.set(this.epochs);
    const previous = new Float64Array(size);
    previous.set(this.previous);
    this.epochs = epochs;
    this.previous = previous;
  }
}
