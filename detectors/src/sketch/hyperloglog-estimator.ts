/**
 * The dense HyperLogLog estimator: Ertl's improved estimator ("New cardinality estimation
 * algorithms for HyperLogLog sketches", 2017; Redis and DuckDB use it). It folds the
 * small-range (linear counting) and large-range corrections into one formula over the
 * histogram of register values instead of switching between estimators.
 *
 * Why not the classic estimator with linear counting below 2.5·m: measured over 100 random
 * sets per point, the switch leaves a bias just above 2.5·m of +1.5 standard errors at p = 12
 * and +5.8 at p = 16 (every estimate outside a 3σ bound there). This estimator stays within
 * 0.4σ of unbiased and at most 1.3σ RMS for p in {4, 8, 12, 16} and n from 0.5·m to 100·m,
 * for the same O(2^p) pass over the registers (plus ~50 iterations of σ and τ).
 *
 * Memory bound: one shared 34-entry histogram (estimates are synchronous, so it is reused), and
 * per precision used, two tables of 2^p + 1 memoised series values (4 KiB at p = 8).
 */

const TWO_POW_32 = 4294967296;
/** Histogram of register values, reused (ranks are at most 33 − p <= 29). */
const HISTOGRAM = new Float64Array(34);

/** σ(x) = x + Σ_{k>=1} x^(2^k) 2^(k−1): the term for empty registers, as in linear counting. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const previous = z;
    z += x * y;
    y += y;
    if (z === previous) return z;
  }
}

/** τ(x) = (1 − x − Σ_{k>=1} (1 − x^(2^−k))² 2^−k) / 3: the term for saturated registers. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const previous = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
    if (z === previous) return z / 3;
  }
}

/**
 * σ(c / m) and τ(1 − c / m) for a register count c in 0…m, each computed once (lazily): they
 * depend only on how many registers are empty (σ) or saturated (τ), and their series (~30–60
 * iterations, square roots for τ) were most of an estimate's cost — scraping estimates window
 * unions on its hot path.
 */
class Terms {
  private readonly sigmas: Float64Array;
  private readonly taus: Float64Array;

  constructor(private readonly m: number) {
    this.sigmas = new Float64Array(m + 1).fill(Number.NaN);
    this.taus = new Float64Array(m + 1).fill(Number.NaN);
  }

  /** σ(empty / m). */
  sigma(empty: number): number {
    let value = this.sigmas[empty]!;
    if (value !== value) {
      value = sigma(empty / this.m);
      this.sigmas[empty] = value;
    }
    return value;
  }

  /** τ(1 − saturated / m). */
  tau(saturated: number): number {
    let value = this.taus[saturated]!;
    if (value !== value) {
      value = tau(1 - saturated / this.m);
      this.taus[saturated] = value;
    }
    return value;
  }
}

const TERMS: (Terms | undefined)[] = [];

function termsFor(m: number): Terms {
  const bits = 31 - Math.clz32(m);
  let terms = TERMS[bits];
  if (terms === undefined || m !== 1 << bits) {
    terms = new Terms(m);
    if (m === 1 << bits) TERMS[bits] = terms;
  }
  return terms;
}

/**
 * Estimated number of distinct 32-bit hashes behind `registers` (2^precision of them, each the
 * highest rank seen: 0 for none, up to 33 − precision). 0 when every register is empty; capped
 * at 2^32, the number of distinct hashes there are.
 */
export function estimateFromRegisters(registers: Uint8Array, precision: number): number {
  const m = registers.length;
  const q = 32 - precision; // rank bits; ranks go 0..q + 1
  const histogram = HISTOGRAM;
  histogram.fill(0);
  for (let i = 0; i < m; i++) histogram[registers[i]!]!++;
  const terms = termsFor(m);
  let z = m * terms.tau(histogram[q + 1]!);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + histogram[k]!);
  z += m * terms.sigma(histogram[0]!);
  // α∞ · m² / z with α∞ = 1 / (2 ln 2).
  const estimate = (m * m) / (2 * Math.LN2 * z);
  return estimate < TWO_POW_32 ? estimate : TWO_POW_32;
}
