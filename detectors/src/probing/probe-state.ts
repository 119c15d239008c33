/**
 * One subject's window for `probing`: two tumbling segments (window.ts): the plain fields cover
 * the previous and the current segment, `cur*` the current one; plus the cooldown.
 *
 * Distinct IPs are merged only from steps with probes: a summary's `ips` counts every IP of the
 * step, and on a big ASN most of them never probed. It stays an upper bound of the probing IPs.
 *
 * One object shape (every field set in the constructor); ~250 bytes with inline sketches.
 */
import type { Summary } from '../engine/summary.js';
import type { TrackedState } from '../scraping/state-table.js';
import { SLOT, mergeSketch, segmentSlot, sketchBytes } from '../scraping/window.js';
import type { HyperLogLog } from '../sketch/index.js';

/** Object header and number fields, roughly 8 bytes per field plus the header. */
const FIXED_BYTES = 180;

export class ProbeState implements TrackedState {
  bytes = 0;
  lastMs: number;
  seg: number;
  firstMs: number;
  curFirstMs: number;
  requests = 0;
  probes = 0;
  notFound = 0;
  clientErrors = 0;
  curRequests = 0;
  curProbes = 0;
  curNotFound = 0;
  curClientErrors = 0;
  ips: HyperLogLog | null = null;
  curIps: HyperLogLog | null = null;
  /** Rank and event time of the last signal (cooldown). */
  rank = 0;
  signalAt = Number.NEGATIVE_INFINITY;

  constructor(seg: number, step_ms: number) {
    this.lastMs = step_ms;
    this.seg = seg;
    this.firstMs = step_ms;
    this.curFirstMs = step_ms;
    this.bytes = this.measure();
  }

  /** Folds a partial summary in; false when it was older than the window (refused). */
  fold(summary: Summary, window_ms: number, aggregate: boolean): boolean {
    const step = summary.step_ms;
    const seg = Math.floor(step / window_ms);
    const slot = segmentSlot(this.seg, seg);
    if (slot === SLOT.tooOld) return false;
    if (slot === SLOT.next || slot === SLOT.reset) this.rotate(seg, slot === SLOT.reset);
    if (summary.last_ms > this.lastMs) this.lastMs = summary.last_ms;
    const ips = aggregate && summary.probes > 0 ? summary.ips : null;
    this.requests += summary.requests;
    this.probes += summary.probes;
    this.notFound += summary.not_found;
    this.clientErrors += summary.client_errors;
    if (step < this.firstMs) this.firstMs = step;
    this.ips = mergeSketch(this.ips, ips);
    if (slot !== SLOT.previous) {
      this.curRequests += summary.requests;
      this.curProbes += summary.probes;
      this.curNotFound += summary.not_found;
      this.curClientErrors += summary.client_errors;
      if (step < this.curFirstMs) this.curFirstMs = step;
      this.curIps = mergeSketch(this.curIps, ips);
    }
    return true;
  }

  /** Nothing left that could matter at `watermark_ms`: the window is past and the cooldown over. */
  expired(watermark_ms: number, window_ms: number, reemit_ms: number): boolean {
    return Math.floor(watermark_ms / window_ms) > this.seg + 1 && watermark_ms - this.signalAt >= reemit_ms;
  }

  measure(): number {
    return FIXED_BYTES + sketchBytes(this.ips) + sketchBytes(this.curIps);
  }

  private rotate(seg: number, reset: boolean): void {
    const old = this.ips;
    if (reset) {
      this.requests = this.probes = this.notFound = this.clientErrors = 0;
      this.firstMs = Number.POSITIVE_INFINITY;
      this.curIps?.clear();
    } else {
      this.requests = this.curRequests;
      this.probes = this.curProbes;
      this.notFound = this.curNotFound;
      this.clientErrors = this.curClientErrors;
      this.firstMs = this.curFirstMs;
      this.ips = this.curIps;
      this.curIps = old;
    }
    old?.clear();
    this.curRequests = this.curProbes = this.curNotFound = this.curClientErrors = 0;
    this.curFirstMs = Number.POSITIVE_INFINITY;
    this.seg = seg;
  }
}
