/**
 * One subject's pages over one window for `scraping`, as two tumbling segments
 * (engine/segment-window.ts):
 * - counters (requests, pages, assets) and the id range as window totals (previous + current
 *   segment) and current-segment totals: reading the window costs nothing;
 * - sketches (distinct page URLs, numeric ids and, for aggregates, IPs) as the previous and the
 *   current segment apart: one merge per summary, and the union is built only when a rule needs
 *   it (`distinctUnion`): 2 merges per summary instead of 4 (window + current); see scraping.ts
 *   for the measured cost.
 * The segment clock and the cooldown (used on the short window only) are SegmentedState's.
 *
 * The same class holds the short window (ids and IPs tracked) and the long one (neither: those
 * sketches stay null and cost a reference each).
 *
 * One object shape (every field set in the constructor): ~330 bytes with inline sketches, up to
 * ~2.4 KB with six dense ones (p = 8).
 */
import { SLOT, mergeSketch, segmentSlot, sketchBytes } from '../engine/segment-window.js';
import { SegmentedState } from '../engine/segmented-state.js';
import type { Summary } from '../engine/summary.js';
import type { HyperLogLog } from '../sketch/index.js';

/** Object header and number fields, roughly 8 bytes per field plus the header. */
const FIXED_BYTES = 240;

export class PageWindow extends SegmentedState {
  requests = 0;
  pages = 0;
  assets = 0;
  curRequests = 0;
  curPages = 0;
  curAssets = 0;
  /** Smallest and largest numeric page id in the window; −1 when none. */
  idMin = -1;
  idMax = -1;
  curIdMin = -1;
  curIdMax = -1;
  prevUrls: HyperLogLog | null = null;
  curUrls: HyperLogLog | null = null;
  prevIds: HyperLogLog | null = null;
  curIds: HyperLogLog | null = null;
  prevIps: HyperLogLog | null = null;
  curIps: HyperLogLog | null = null;
  /** Short window only: the subject was admitted to the long window (it may have left it since). */
  inLong = false;
  /**
   * sketchBytes of the three previous-segment sketches, kept as they change (rotation, late
   * partials), so `measure` after each summary reads only the current ones: the previous ones
   * are otherwise untouched, and reading them was three cache misses per summary.
   */
  private prevBytes = 3 * sketchBytes(null);

  constructor(
    seg: number,
    step_ms: number,
    private readonly withIds: boolean,
    private readonly withIps: boolean,
  ) {
    super(seg, step_ms);
    this.bytes = this.measure();
  }

  /** Folds a partial summary in; false when it was older than the window (refused). */
  fold(summary: Summary, segment_ms: number): boolean {
    const step = summary.step_ms;
    const seg = Math.floor(step / segment_ms);
    const slot = segmentSlot(this.seg, seg);
    if (slot === SLOT.tooOld) return false;
    if (slot === SLOT.next || slot === SLOT.reset) this.rotate(seg, slot === SLOT.reset);
    if (summary.last_ms > this.lastMs) this.lastMs = summary.last_ms;
    const ids = this.withIds ? summary.ids : null;
    const ips = this.withIps ? summary.ips : null;
    const idMin = summary.id_min;
    const idMax = summary.id_max;
    this.requests += summary.requests;
    this.pages += summary.pages;
    this.assets += summary.assets;
    if (step < this.firstMs) this.firstMs = step;
    if (idMin >= 0 && (this.idMin < 0 || idMin < this.idMin)) this.idMin = idMin;
    if (idMax > this.idMax) this.idMax = idMax;
    if (slot === SLOT.previous) {
      this.prevUrls = mergeSketch(this.prevUrls, summary.urls);
      this.prevIds = mergeSketch(this.prevIds, ids);
      this.prevIps = mergeSketch(this.prevIps, ips);
      this.measurePrevious();
      return true;
    }
    this.curRequests += summary.requests;
    this.curPages += summary.pages;
    this.curAssets += summary.assets;
    if (step < this.curFirstMs) this.curFirstMs = step;
    if (idMin >= 0 && (this.curIdMin < 0 || idMin < this.curIdMin)) this.curIdMin = idMin;
    if (idMax > this.curIdMax) this.curIdMax = idMax;
    this.curUrls = mergeSketch(this.curUrls, summary.urls);
    this.curIds = mergeSketch(this.curIds, ids);
    this.curIps = mergeSketch(this.curIps, ips);
    return true;
  }

  /**
   * Adds everything `other`'s window holds to this window's current segment: a subject entering
   * the long window brings its short window along, so the long window does not depend on which
   * partial summary happened to admit it (and two halves still add up to the whole).
   */
  absorb(other: PageWindow): void {
    if (other.lastMs > this.lastMs) this.lastMs = other.lastMs;
    if (other.firstMs < this.firstMs) this.firstMs = other.firstMs;
    if (other.firstMs < this.curFirstMs) this.curFirstMs = other.firstMs;
    this.requests += other.requests;
    this.pages += other.pages;
    this.assets += other.assets;
    this.curRequests += other.requests;
    this.curPages += other.pages;
    this.curAssets += other.assets;
    this.curUrls = mergeSketch(mergeSketch(this.curUrls, other.prevUrls), other.curUrls);
    if (this.withIds) {
      this.curIds = mergeSketch(mergeSketch(this.curIds, other.prevIds), other.curIds);
      if (other.idMin >= 0 && (this.idMin < 0 || other.idMin < this.idMin)) this.idMin = this.curIdMin = other.idMin;
      if (other.idMax > this.idMax) this.idMax = this.curIdMax = other.idMax;
    }
    if (this.withIps) this.curIps = mergeSketch(mergeSketch(this.curIps, other.prevIps), other.curIps);
  }

  measure(): number {
    return FIXED_BYTES + this.prevBytes + sketchBytes(this.curUrls) + sketchBytes(this.curIds) + sketchBytes(this.curIps);
  }

  private measurePrevious(): void {
    this.prevBytes = sketchBytes(this.prevUrls) + sketchBytes(this.prevIds) + sketchBytes(this.prevIps);
  }

  private rotate(seg: number, reset: boolean): void {
    const { prevUrls, prevIds, prevIps } = this;
    if (reset) {
      this.requests = this.pages = this.assets = 0;
      this.idMin = this.idMax = -1;
      this.curUrls?.clear();
      this.curIds?.clear();
      this.curIps?.clear();
    } else {
      this.requests = this.curRequests;
      this.pages = this.curPages;
      this.assets = this.curAssets;
      this.idMin = this.curIdMin;
      this.idMax = this.curIdMax;
      this.prevUrls = this.curUrls;
      this.prevIds = this.curIds;
      this.prevIps = this.curIps;
      this.curUrls = prevUrls;
      this.curIds = prevIds;
      this.curIps = prevIps;
    }
    // The previous segment's sketches become the new current ones, emptied: rotation allocates nothing.
    prevUrls?.clear();
    prevIds?.clear();
    prevIps?.clear();
    this.measurePrevious();
    this.curRequests = this.curPages = this.curAssets = 0;
    this.curIdMin = this.curIdMax = -1;
    this.rotateClock(seg, reset);
  }
}
