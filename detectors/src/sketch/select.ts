/**
 * The k-th smallest of `values[from, to)` (0-based k within the range), rearranging that range
 * in place: Hoare's selection (quickselect) with a median-of-three pivot, O(n) on average. The
 * value returned is the one a full ascending sort would put at `from + k`, so a nearest-rank
 * quantile read this way is exactly the sorted one. Values must not be NaN.
 *
 * Why: route-baselines read one quantile of up to 4,096 window counts per kind per second, and
 * the two sorts it did for that were 3.3 % of bench:detect's CPU profile.
 */
export function selectKth(values: Float64Array, from: number, to: number, k: number): number {
  let lo = from;
  let hi = to - 1;
  const target = from + k;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three to `lo`: sorted lo/mid/hi, then the median swapped to lo.
    if (values[mid]! < values[lo]!) swap(values, mid, lo);
    if (values[hi]! < values[lo]!) swap(values, hi, lo);
    if (values[hi]! < values[mid]!) swap(values, hi, mid);
    swap(values, lo, mid);
    const pivot = values[lo]!;
    let i = lo;
    let j = hi + 1;
    for (;;) {
      do i++;
      while (i <= hi && values[i]! < pivot);
      do j--;
      while (values[j]! > pivot);
      if (i >= j) break;
      swap(values, i, j);
    }
    swap(values, lo, j);
    // values[j] is the pivot in its sorted place: everything before ≤ it, everything after ≥ it.
    if (j === target) return values[j]!;
    if (j > target) hi = j - 1;
    else lo = j + 1;
  }
  return values[target]!;
}

function swap(values: Float64Array, a: number, b: number): void {
  const t = values[a]!;
  values[a] = values[b]!;
  values[b] = t;
}
