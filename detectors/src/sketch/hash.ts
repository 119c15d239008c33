/**
 * Fast non-cryptographic 32-bit hashes for the sketches (HyperLogLog, Count-Min, Space-Saving
 * keys). Memory bound: none held; both functions are allocation-free.
 *
 * - `hash32(string)`: FNV-1a over the UTF-16 code units (one multiply per unit, no UTF-8
 *   encoding and no allocation), the length folded in, then murmur3's `fmix32` finaliser. FNV-1a
 *   alone mixes upward only: bit k of its state depends on bits <= k of the input, so its low
 *   bits are weak (bit 0 is the parity of the units' bit 0) and Count-Min takes indexes from
 *   them. `fmix32` gives full avalanche; the tests check the spread of the top bits (HyperLogLog's
 *   register index), the low bits and the rank HyperLogLog reads from the rest.
 * - `hashNumber(integer)`: murmur3_x86_32 of the 8-byte little-endian two's complement form of
 *   the integer (exact for ids up to 2^53, negative integers included). Fractions are dropped.
 *
 * Stability: verdicts, rollups and golden testdata carry sketches built from these values, so
 * the outputs are part of the wire format. `hash.test.ts` pins a few of them: changing the
 * functions means changing those pins on purpose and regenerating the golden files.
 *
 * Everything is 32-bit integer arithmetic (`Math.imul`, shifts) so V8 keeps it in int32
 * registers; every result is returned as uint32 (`>>> 0`).
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SEED_MIX = 0x9e3779b1; // golden ratio: spreads small seeds (0, 1, 2, …) over all bits
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const TWO_POW_32 = 4294967296;

/** murmur3's 32-bit finaliser: every input bit affects every output bit with p ≈ 1/2. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One murmur3 block: mixes a 32-bit word `k` into the state `h`. */
function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * Hash of a string's UTF-16 code units, as a uint32. Equal strings hash equal; `seed` selects an
 * independent-looking function (Count-Min rows, a second opinion in tests).
 */
export function hash32(value: string, seed = 0): number {
  let h = FNV_OFFSET ^ Math.imul(seed, SEED_MIX);
  const length = value.length;
  for (let i = 0; i < length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  // Folding the length in separates strings whose FNV states meet (rare, but free to avoid).
  return fmix32(h ^ length);
}

/**
 * Hash of an integer (ids up to 2^53, negative ones as two's complement), as a uint32. This is
 * murmur3_x86_32 of the integer's 8 little-endian bytes with `seed`: two 32-bit blocks, no
 * allocation. Non-integers are truncated toward −∞ in the high word and toward 0 in the low
 * word, so pass integers.
 */
export function hashNumber(value: number, seed = 0): number {
  const lo = value >>> 0; // ToUint32: the value modulo 2^32, exact for every integer up to 2^53
  const hi = Math.floor(value / TWO_POW_32) >>> 0; // floor, so −1 → 0xffffffff like two's complement
  let h = mixBlock(seed | 0, lo);
  h = mixBlock(h, hi);
  return fmix32(h ^ 8);
}
