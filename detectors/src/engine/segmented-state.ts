/**
 * What every per-subject state over two tumbling segments (segment-window.ts) keeps besides its
 * counters: the segment clock (current segment, oldest step of the window and of the current
 * segment, newest event time) and the cooldown. Subclasses (`ProbeState`, `PageWindow`,
 * `LoginState`) hold their counters and sketches, fold summaries in and rotate them.
 *
 * Invariants:
 * - `firstMs` is the oldest step in the window (previous + current segment), `curFirstMs` the
 *   oldest in the current segment; both are +Infinity while what they cover is empty.
 * - One object shape per subclass: these fields are set first, in this constructor.
 * - The per-summary code that reads and writes these fields stays in each subclass's `fold`, so
 *   its property accesses see one class; the methods here run once per segment per subject
 *   (`rotateClock`) or in sweeps (`expiredAt`), where three classes sharing them cost nothing
 *   measurable.
 */
import type { TrackedState } from './state-table.js';

export abstract class SegmentedState implements TrackedState {
  /** Approximate bytes held (the owner keeps it current with `measure`). */
  bytes = 0;
  /** Newest event time folded in. */
  lastMs: number;
  /** The current segment: floor(step_ms / segment_ms). */
  seg: number;
  firstMs: number;
  curFirstMs: number;
  /** Rank and event time of the last signal (cooldown). */
  rank = 0;
  signalAt = Number.NEGATIVE_INFINITY;

  /** A state whose first summary is the step at `step_ms`, of segment `seg`. */
  constructor(seg: number, step_ms: number) {
    this.lastMs = step_ms;
    this.seg = seg;
    this.firstMs = step_ms;
    this.curFirstMs = step_ms;
  }

  /** Approximate bytes held now (object, counters and sketches). */
  abstract measure(): number;

  /**
   * Moves the clock to the newer segment `seg`: the current segment becomes the previous one, or
   * with `reset` (two or more segments ahead) the whole window is older than it. Subclasses call
   * it after moving their counters (which read `curFirstMs` no more).
   */
  protected rotateClock(seg: number, reset: boolean): void {
    this.firstMs = reset ? Number.POSITIVE_INFINITY : this.curFirstMs;
    this.curFirstMs = Number.POSITIVE_INFINITY;
    this.seg = seg;
  }

  /** At `watermark_ms` the window (of `segment_ms` segments) is past and the cooldown is over. */
  expiredAt(watermark_ms: number, segment_ms: number, reemit_ms: number): boolean {
    return Math.floor(watermark_ms / segment_ms) > this.seg + 1 && watermark_ms - this.signalAt >= reemit_ms;
  }
}
