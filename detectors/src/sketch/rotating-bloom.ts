/**
 * A set of recently seen keys in fixed memory: two Bloom filters over event time. Keys are added
 * to the current generation; `has` looks in the current and the previous one; when event time
 * passes the end of the current generation's period, the previous one is cleared and the two
 * swap. So a key added at time t is reported until between `period_ms` and 2 × `period_ms`
 * after t, and never before it was added (no false negatives within that horizon).
 *
 * Why a Bloom filter and not a map: "has this address been seen before?" must hold under an IP
 * spray (every request from a new address), where a map grows by one entry per request. Memory
 * here is 2 × ⌈bits / 8⌉ bytes, whatever arrives. The price is false positives: with n keys in a
 * generation and k = 7 probes into m bits, the rate is about (1 − e^(−kn/m))^k, 1 % at
 * m = 9.6 n. Past the capacity the rate climbs (a spray makes more new addresses look known),
 * which the caller must treat as "no evidence", never as evidence against a client.
 *
 * Probes come from one 32-bit hash by double hashing (as CountMinSketch), mapped onto the bit
 * range by multiply-shift. Event time only, no timers.
 */

const PROBES = 7;
/** Bits per key for a 1 % false-positive rate at capacity with 7 probes. */
const BITS_PER_KEY = 9.6;

export class RotatingBloom {
  private current: Uint32Array;
  private previous: Uint32Array;
  private readonly bits: number;
  private readonly scale: number;
  /** End (exclusive) of the current generation's period; −Infinity before the first key. */
  private currentEnd = Number.NEGATIVE_INFINITY;
  /** Keys added to the current generation (duplicates included). */
  private added = 0;

  /**
   * @param capacity keys one generation holds at about 1 % false positives
   * @param period_ms event time one generation covers
   */
  constructor(
    capacity: number,
    private readonly period_ms: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`RotatingBloom capacity must be a positive integer, got ${capacity}`);
    if (!(period_ms > 0)) throw new RangeError(`RotatingBloom period_ms must be positive, got ${period_ms}`);
    const words = Math.ceil((capacity * BITS_PER_KEY) / 32);
    if (words > 2 ** 26) throw new RangeError(`RotatingBloom of capacity ${capacity} is too large`);
    this.bits = words * 32;
    this.scale = this.bits / 2 ** 32;
    this.current = new Uint32Array(words);
    this.previous = new Uint32Array(words);
  }

  /** Bytes held (both generations). */
  get bytes(): number {
    return this.current.byteLength + this.previous.byteLength;
  }

  /** Keys added to the current generation so far (its load). */
  get load(): number {
    return this.added;
  }

  /** Moves to the generation that holds `at_ms` (event time; never backwards). */
  advance(at_ms: number): void {
    if (at_ms < this.currentEnd) return;
    if (this.currentEnd === Number.NEGATIVE_INFINITY || at_ms >= this.currentEnd + this.period_ms) {
      // First key, or a gap of more than a whole period: both generations are out of the horizon.
      this.previous.fill(0);
      this.current.fill(0);
      this.currentEnd = (Math.floor(at_ms / this.period_ms) + 1) * this.period_ms;
    } else {
      const cleared = this.previous;
      cleared.fill(0);
      this.previous = this.current;
      this.current = cleared;
      this.currentEnd += this.period_ms;
    }
    this.added = 0;
  }

  /** Adds a key (a 32-bit hash) seen at `at_ms`. */
  add(hash: number, at_ms: number): void {
    this.advance(at_ms);
    const filter = this.current;
    const h2 = remix(hash);
    let g = hash >>> 0;
    for (let i = 0; i < PROBES; i++) {
      const bit = Math.floor(g * this.scale);
      filter[bit >>> 5] = (filter[bit >>> 5] as number) | (1 << (bit & 31));
      g = (g + h2) >>> 0;
    }
    this.added++;
  }

  /** Whether the key was added within the horizon (or is a false positive). */
  has(hash: number): boolean {
    return this.inFilter(this.current, hash) || this.inFilter(this.previous, hash);
  }

  private inFilter(filter: Uint32Array, hash: number): boolean {
    const h2 = remix(hash);
    let g = hash >>> 0;
    for (let i = 0; i < PROBES; i++) {
      const bit = Math.floor(g * this.scale);
      if (((filter[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return false;
      g = (g + h2) >>> 0;
    }
    return true;
  }
}

/** A second, odd hash from the first (murmur3's finaliser), for double hashing. */
function remix(hash: number): number {
  let h = hash ^ 0x9e3779b9;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h | 1) >>> 0;
}
