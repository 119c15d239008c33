/**
 * One subject's login history for `credential-stuffing`: the short window as two tumbling
 * segments (engine/segment-window.ts: `attempts`/`failures`/`ips` cover the previous and the
 * current segment, `cur*` the current one), the long window as exponentially decayed counters
 * plus distinct IPs over two segments of one half-life; the short window's segment clock and the
 * cooldown are SegmentedState's.
 *
 * Decayed counters are anchored at `longRef`, the newest step folded in: a newer step decays them
 * first (value × 2^(−Δ/half-life)), an older (late) partial adds its decayed share. Every partial
 * of one step is anchored at the same `step_ms`, so halves and wholes agree up to float rounding.
 *
 * `loginIps`/`curLoginIps` (aggregates) count only the IPs of steps in which the subject did
 * nothing but log in (requests = logins): a lower bound of the addresses behind its logins that
 * one busy address among many (a brute forcer in a cloud full of scrapers) cannot inflate, where
 * `ips` counts every IP of every step with a login (an upper bound). `errors` counts, in those
 * steps too, the attempts answered with an error rather than refused (5xx, 429: an origin
 * swamped by a flood): unsuccessful, though not failed.
 *
 * One object shape (every field set in the constructor); ~300 bytes with inline sketches.
 */
import { SLOT, mergeSketch, segmentSlot, sketchBytes } from '../engine/segment-window.js';
import { SegmentedState } from '../engine/segmented-state.js';
import type { Summary } from '../engine/summary.js';
import { decayFactor, type HyperLogLog } from '../sketch/index.js';
import type { CredentialStuffingConfig } from './config.js';

/** Object header and number fields, measured roughly as 8 bytes per field plus the header. */
const FIXED_BYTES = 200;
/** Below this many decayed attempts a subject's long history is forgotten (it can no longer matter). */
const FORGET_BELOW = 1;

export class LoginState extends SegmentedState {
  attempts = 0;
  failures = 0;
  curAttempts = 0;
  curFailures = 0;
  errors = 0;
  curErrors = 0;
  ips: HyperLogLog | null = null;
  curIps: HyperLogLog | null = null;
  loginIps: HyperLogLog | null = null;
  curLoginIps: HyperLogLog | null = null;
  longRef: number;
  longAttempts = 0;
  longFailures = 0;
  longSeg: number;
  longIps: HyperLogLog | null = null;
  longCurIps: HyperLogLog | null = null;

  constructor(seg: number, longSeg: number, step_ms: number) {
    super(seg, step_ms);
    this.longRef = step_ms;
    this.longSeg = longSeg;
    this.bytes = this.measure();
  }

  /** Folds a partial summary in; false when it was too old for the short window. */
  fold(summary: Summary, window_ms: number, half_life_ms: number, aggregate: boolean): boolean {
    const step = summary.step_ms;
    const attempts = summary.logins;
    const failures = summary.login_failures;
    if (summary.last_ms > this.lastMs) this.lastMs = summary.last_ms;
    const seg = Math.floor(step / window_ms);
    const slot = segmentSlot(this.seg, seg);
    if (slot === SLOT.next || slot === SLOT.reset) this.rotate(seg, slot === SLOT.reset);
    if (slot !== SLOT.tooOld) {
      this.attempts += attempts;
      this.failures += failures;
      if (step < this.firstMs) this.firstMs = step;
      const loginOnly = aggregate && summary.requests === attempts;
      const errors = loginOnly ? summary.server_errors + Math.max(0, summary.client_errors - failures) : 0;
      this.errors += errors;
      if (aggregate) this.ips = mergeSketch(this.ips, summary.ips);
      if (loginOnly) this.loginIps = mergeSketch(this.loginIps, summary.ips);
      if (slot !== SLOT.previous) {
        this.curAttempts += attempts;
        this.curFailures += failures;
        this.curErrors += errors;
        if (step < this.curFirstMs) this.curFirstMs = step;
        if (aggregate) this.curIps = mergeSketch(this.curIps, summary.ips);
        if (loginOnly) this.curLoginIps = mergeSketch(this.curLoginIps, summary.ips);
      }
    }
    if (step >= this.longRef) {
      const keep = decayFactor(step - this.longRef, half_life_ms);
      this.longAttempts = this.longAttempts * keep + attempts;
      this.longFailures = this.longFailures * keep + failures;
      this.longRef = step;
    } else {
      const keep = decayFactor(this.longRef - step, half_life_ms);
      this.longAttempts += attempts * keep;
      this.longFailures += failures * keep;
    }
    if (aggregate) this.foldLongIps(Math.floor(step / half_life_ms), summary.ips);
    return slot !== SLOT.tooOld;
  }

  /** Nothing left that could matter at `watermark_ms` (short window past, long history faded, cooldown over). */
  expired(watermark_ms: number, config: CredentialStuffingConfig): boolean {
    if (!this.expiredAt(watermark_ms, config.window_ms, config.reemit_ms)) return false;
    if (Math.floor(watermark_ms / config.long_half_life_ms) <= this.longSeg + 1) return false;
    return this.longAttempts * decayFactor(watermark_ms - this.longRef, config.long_half_life_ms) < FORGET_BELOW;
  }

  measure(): number {
    return FIXED_BYTES + sketchBytes(this.ips) + sketchBytes(this.curIps) + sketchBytes(this.loginIps) + sketchBytes(this.curLoginIps) + sketchBytes(this.longIps) + sketchBytes(this.longCurIps);
  }

  private rotate(seg: number, reset: boolean): void {
    const old = this.ips;
    const oldLogin = this.loginIps;
    if (reset) {
      this.attempts = 0;
      this.failures = 0;
      this.errors = 0;
      this.curIps?.clear();
      this.curLoginIps?.clear();
    } else {
      this.attempts = this.curAttempts;
      this.failures = this.curFailures;
      this.errors = this.curErrors;
      this.ips = this.curIps;
      this.curIps = old;
      this.loginIps = this.curLoginIps;
      this.curLoginIps = oldLogin;
    }
    old?.clear();
    oldLogin?.clear();
    this.curAttempts = 0;
    this.curFailures = 0;
    this.curErrors = 0;
    this.rotateClock(seg, reset);
  }

  private foldLongIps(seg: number, ips: HyperLogLog | null): void {
    const slot = segmentSlot(this.longSeg, seg);
    if (slot === SLOT.tooOld) return;
    if (slot === SLOT.next || slot === SLOT.reset) {
      const old = this.longIps;
      if (slot === SLOT.reset) this.longCurIps?.clear();
      else {
        this.longIps = this.longCurIps;
        this.longCurIps = old;
      }
      old?.clear();
      this.longSeg = seg;
    }
    this.longIps = mergeSketch(this.longIps, ips);
    if (slot !== SLOT.previous) this.longCurIps = mergeSketch(this.longCurIps, ips);
  }
}
