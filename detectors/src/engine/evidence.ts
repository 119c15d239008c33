/**
 * Rounding of the numbers detectors put in evidence, so goldens stay stable and readable: one
 * definition per precision for every detector.
 */

/** Rates and ratios of the windowed detectors (`volumetric`, `l7-flood`, `load-bucket`): 2 decimals. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Ratios and decayed counts of the level-based detectors: 3 decimals. */
export function round3(x: number): number {
  return Math.round(x * 1_000) / 1_000;
}
