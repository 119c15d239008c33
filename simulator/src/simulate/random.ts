/**
 * Deterministic randomness for the traffic simulator: xoshiro128** seeded through splitmix32,
 * never Math.random, so a seed always produces the same bytes.
 *
 * Each population draws from its own stream (`derive(name)`), so changing one population's
 * parameters does not reshuffle every other population's traffic: a diff between two runs shows
 * the change, not noise. xoshiro128** (128-bit state) costs a few integer operations per draw;
 * mulberry32 would be as fast, but its 32-bit state makes every seed a point on one 2^32 cycle,
 * so the streams derived per population could overlap.
 */

/** splitmix32: turns any 32-bit seed (even 0) into well-mixed state words. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** A stable number in [0, 1) for a text: per-actor choices that must not draw from any stream. */
export function hashUnit(text: string): number {
  return fnv1a(text) / 4_294_967_296;
}

/** FNV-1a of a label, to derive independent streams by name. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const HEX = '0123456789abcdef';

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private readonly seed: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    let state = this.seed;
    let word: number;
    [state, word] = splitmix32(state);
    this.a = word;
    [state, word] = splitmix32(state);
    this.b = word;
    [state, word] = splitmix32(state);
    this.c = word;
    [state, word] = splitmix32(state);
    this.d = word;
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  /** An independent stream named `label` (same seed and label → same stream). */
  derive(label: string): Random {
    return new Random(Math.imul(this.seed ^ fnv1a(label), 0x9e3779b1) ^ fnv1a(`${label}#`));
  }

  /** Next 32-bit unsigned integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 4_294_967_296;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /** Integer uniform in [low, high] (both included). */
  int(low: number, high: number): number {
    return low + Math.floor(this.float() * (high - low + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** Picks by weight: `[[weight, value], …]`. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [weight] of choices) total += weight;
    let point = this.float() * total;
    for (const [weight, value] of choices) {
      point -= weight;
      if (point < 0) return value;
    }
    return (choices[choices.length - 1] as readonly [number, T])[1];
  }

  /** Standard normal (Box–Muller; one of the pair is discarded to keep the object's shape fixed). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Lognormal by its median and the sigma of its logarithm: think times, latencies, sizes. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with the given mean: gaps of a Poisson process. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /** `count` lower-case hex digits. */
  hex(count: number): string {
    let out = '';
    for (let i = 0; i < count; i++) out += HEX[this.uint32() & 15];
    return out;
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const held = out[i] as T;
      out[i] = out[j] as T;
      out[j] = held;
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Zipf over ranks 1…n: a few products get most views (shop analytics typically show s ≈ 1, the
 * top 1% of products drawing ~20–30% of product views). Sampled by binary search over the CDF.
 */
export class Zipf {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    exponent: number,
  ) {
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let rank = 1; rank <= n; rank++) {
      sum += 1 / rank ** exponent;
      this.cdf[rank - 1] = sum;
    }
    for (let i = 0; i < n; i++) this.cdf[i] = (this.cdf[i] as number) / sum;
  }

  /** A rank in 0…n−1 (0 = most popular). */
  sample(random: Random): number {
    const point = random.float();
    let low = 0;
    let high = this.n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.cdf[middle] as number) < point) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
