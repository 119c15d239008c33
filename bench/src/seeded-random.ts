/** Deterministic pseudo-random numbers (mulberry32), so every run of a benchmark measures the same work. */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  random(): number;
  pick<T>(items: readonly T[]): T;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export function seededRandom(initial: number): SeededRandom {
  let seed = initial;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    random,
    pick: <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T,
    int: (n: number): number => Math.floor(random() * n),
  };
}
