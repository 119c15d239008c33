/**
 * Tumbling two-segment windows over partial summaries, shared by the summary detectors
 * `scraping`, `credential-stuffing` and `probing` (their per-subject states build on
 * segmented-state.ts).
 *
 * Sketches do not subtract, so a sliding distinct count is approximated by segments of one
 * window length: per subject the previous and the current segment. A subject is judged on both,
 * i.e. on between one and two windows of history: anything within one window of each other is
 * always judged together (a rule stated "N within window_ms" never misses), at the price of
 * sometimes counting up to two windows. Two representations, same semantics:
 * - window + current: a running aggregate of both segments and one of the current segment
 *   (reading is free, each summary is added twice; credential-stuffing and probing, whose
 *   state exists only for subjects with logins or probes and is read on most of its summaries);
 * - previous + current apart, the union built only when read (`distinctUnion`): each summary
 *   is added once (scraping's sketches, updated for every page-fetching subject, rarely read).
 * When a newer segment starts, the current segment becomes the previous one (or the window) and
 * the old sketch objects are cleared and reused: rotation allocates nothing.
 *
 * Additive and order-free: a partial summary goes to the segment of its `step_ms` (every partial
 * of one step has the same), so two halves of a step, in any order, give the state of the whole.
 * One for the previous segment that arrives after the rotation adds to the previous segment
 * only; one older than that is refused (it would be outside every window) and counted.
 */
import type { HyperLogLog } from '../sketch/index.js';
import { unionEstimate } from '../sketch/hyperloglog-union.js';

/** Where a summary of segment `seg` goes, for a window whose current segment is `current`. */
export const SLOT = {
  /** Older than the previous segment: refused. */
  tooOld: 0,
  /** The previous segment: adds to `window` only. */
  previous: 1,
  /** The current segment: adds to `window` and `current`. */
  current: 2,
  /** The next segment: rotate once, then add to both. */
  next: 3,
  /** Two or more segments ahead: everything is older than the window; reset, then add to both. */
  reset: 4,
} as const;

export function segmentSlot(current: number, seg: number): number {
  if (seg === current) return SLOT.current;
  if (seg > current) return seg === current + 1 ? SLOT.next : SLOT.reset;
  return seg === current - 1 ? SLOT.previous : SLOT.tooOld;
}

/** `into` ∪ `from`; clones `from` when `into` is null (the first sketch of a segment). */
export function mergeSketch(into: HyperLogLog | null, from: HyperLogLog | null): HyperLogLog | null {
  if (from === null) return into;
  if (into === null) return from.clone();
  into.merge(from);
  return into;
}

/**
 * Rounded distinct count of `a ∪ b` (either may be null), at most `cap`: an estimate never
 * exceeds what was counted (distinct URLs ≤ pages), so a gate on the count is exact. `scratch`
 * is one sketch reused by the caller (the union is built only when a rule needs it).
 */
export function distinctUnion(a: HyperLogLog | null, b: HyperLogLog | null, scratch: HyperLogLog, cap: number): number {
  let estimate = 0;
  if (a === null) estimate = b === null ? 0 : b.estimate();
  else if (b === null) estimate = a.estimate();
  else if (a.precision === b.precision) estimate = unionEstimate(a, b);
  else if (scratch.precision !== a.precision) {
    const union = a.clone(); // summaries built with another precision: correct, if not free
    union.merge(b);
    estimate = union.estimate();
  } else {
    scratch.clear();
    scratch.merge(a);
    scratch.merge(b);
    estimate = scratch.estimate();
  }
  return Math.min(cap, Math.round(estimate));
}

/** Rounded distinct count of a sketch (0 when none). */
export function distinct(sketch: HyperLogLog | null): number {
  return sketch === null ? 0 : Math.round(sketch.estimate());
}

/** Bytes of a sketch slot: the reference, plus the sketch when present. */
export function sketchBytes(sketch: HyperLogLog | null): number {
  return sketch === null ? 8 : 8 + sketch.bytes();
}
