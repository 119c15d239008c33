/**
 * Robust adaptive baseline: the "recent normal" of one series (requests per second on a route,
 * logins per minute on a host), so a detector can ask "is this sample far above normal?" with
 * `upper(k)`. Memory bound: four numbers (~64 bytes per instance); no history is kept.
 *
 * - level: exponentially weighted moving average (EWMA) of the samples, weight `alpha`.
 * - deviation: EWMA of |sample − level| (mean absolute deviation, computed against the level
 *   before the sample): cheaper than a variance and less dominated by one outlier.
 * - Warm-up: while 1 / n > alpha, the weight of the n-th sample is 1 / n, so level and deviation
 *   are plain running means of the first samples instead of being anchored to the first one
 *   (a plain EWMA with alpha = 0.05 still carries 36 % of its first sample after 20 samples).
 * - Winsorizing: once `ready`, a sample above `upper(4)` is clamped to it before both updates.
 *   An attack then lifts the baseline by at most alpha × 4 deviations per sample (and the
 *   deviation by alpha × 3 of itself), so it takes many samples to become "normal", while a
 *   genuine step up is still absorbed over time. Samples below the level are not clamped: a
 *   drop in traffic is never an attack on the baseline, and the baseline follows it.
 *
 * The clamp uses the deviation floored at `min_deviation`, like `upper()`: on a perfectly flat
 * series the deviation decays to 0, and an unfloored clamp would pin the level forever.
 */

export interface RobustBaselineOptions {
  /** EWMA weight of a new sample, 0 < alpha <= 1 (about 2 / alpha samples of memory). */
  alpha: number;
  /** Samples before `ready` (and before winsorizing starts). */
  warmup: number;
  /** Floor for the deviation in `upper()` and in the clamp (default 1), in the series' units. */
  min_deviation?: number;
}

/** Samples above level + WINSOR_K × deviation are clamped to it once the baseline is ready. */
const WINSOR_K = 4;

export class RobustBaseline {
  private readonly alpha: number;
  private readonly warmup: number;
  private readonly minDeviation: number;
  private mean = 0;
  private spread = 0;
  private count = 0;

  constructor(options: RobustBaselineOptions) {
    const { alpha, warmup, min_deviation = 1 } = options;
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`RobustBaseline alpha must be in (0, 1], got ${alpha}`);
    if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`RobustBaseline warmup must be a non-negative integer, got ${warmup}`);
    if (!(min_deviation >= 0 && min_deviation < Infinity)) {
      throw new RangeError(`RobustBaseline min_deviation must be a non-negative finite number, got ${min_deviation}`);
    }
    this.alpha = alpha;
    this.warmup = warmup;
    this.minDeviation = min_deviation;
  }

  /** EWMA of the samples (0 before the first). */
  get level(): number {
    return this.mean;
  }

  /** EWMA of the absolute deviation from the level (0 before the second sample). */
  get deviation(): number {
    return this.spread;
  }

  /** Samples observed. */
  get samples(): number {
    return this.count;
  }

  /** True once `warmup` samples were observed. */
  get ready(): boolean {
    return this.count >= this.warmup;
  }

  /** Folds a sample in. RangeError when it is not a finite number (it would poison the state forever). */
  observe(x: number): void {
    if (!Number.isFinite(x)) throw new RangeError(`RobustBaseline sample must be a finite number, got ${x}`);
    if (this.count >= this.warmup && this.count > 0) {
      const ceiling = this.upper(WINSOR_K);
      if (x > ceiling) x = ceiling;
    }
    this.count++;
    if (this.count === 1) {
      this.mean = x;
      return;
    }
    const weight = Math.max(this.alpha, 1 / this.count);
    // The deviation's running mean starts at the second sample (the first has none).
    const spreadWeight = Math.max(this.alpha, 1 / (this.count - 1));
    const distance = Math.abs(x - this.mean);
    this.mean += weight * (x - this.mean);
    this.spread += spreadWeight * (distance - this.spread);
  }

  /** level + k × max(deviation, min_deviation): the alert threshold k deviations above normal. */
  upper(k: number): number {
    return this.mean + k * Math.max(this.spread, this.minDeviation);
  }
}
