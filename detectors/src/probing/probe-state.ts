/**
 * One subject's window for `probing`: two tumbling segments (engine/segment-window.ts): the
 * plain fields cover the previous and the current segment, `cur*` the current one; the segment
 * clock and the cooldown are SegmentedState's.
 *
 * Distinct IPs are merged only from steps with probes: a summary's `ips` counts every IP of the
 * step, and on a big ASN most of them never probed. It stays an upper bound of the probing IPs.
 *
 * One object shape (every field set in the constructor); ~250 bytes with inline sketches.
 */
import { SLOT, mergeSketch, segmentSlot, sketchBytes } from '../engine/segment-window.js';
import { SegmentedState } from '../engine/segmented-state.js';
import type { Summary } from '../engine/summary.js';
import type { HyperLogLog } from '../sketch/index.js';

/** Object header and number fields, roughly 8 bytes per field plus the header. */
const FIXED_BYTES = 180;

export class ProbeState extends SegmentedState {
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

  constructor(seg: number, step_ms: number) {
    super(seg, step_ms);
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

  measure(): number {
    return FIXED_BYTES + sketchBytes(this.ips) + sketchBytes(this.curIps);
  }

  private rotate(seg: number, reset: boolean): void {
    const old = this.ips;
    if (reset) {
      this.requests = this.probes = this.notFound = this.clientErrors = 0;
      this.curIps?.clear();
    } else {
      this.requests = this.curRequests;
      this.probes = this.curProbes;
      this.notFound = this.curNotFound;
      this.clientErrors = this.curClientErrors;
      this.ips = this.curIps;
      this.curIps = old;
    }
    old?.clear();
    this.curRequests = this.curProbes = this.curNotFound = this.curClientErrors = 0;
    this.rotateClock(seg, reset);
  }
}
