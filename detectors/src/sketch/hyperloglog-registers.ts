/**
 * Helpers shared by the HyperLogLog and its union estimate (hyperloglog-union.ts): the register
 * update of a dense sketch, and the size of the union of two sparse lists.
 */
/** Distinct values in two ascending lists of distinct values. */
export function unionSize(a: Uint32Array, aCount: number, b: Uint32Array, bCount: number): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < aCount && j < bCount) {
    const x = a[i]!;
    const y = b[j]!;
    if (x <= y) i++;
    if (y <= x) j++;
    n++;
  }
  return n + (aCount - i) + (bCount - j);
}

/** What a dense sketch of precision `p` does with one hash (the register update). */
export function addToRegisters(registers: Uint8Array, p: number, hash: number): void {
  const index = hash >>> (32 - p);
  const rest = hash << p; // the remaining 32 − p bits, at the top
  const rank = rest === 0 ? 33 - p : Math.clz32(rest) + 1;
  if (rank > registers[index]!) registers[index] = rank;
}
