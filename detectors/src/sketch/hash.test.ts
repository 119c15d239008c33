import test from 'ava';
import { hash32, hashNumber } from './hash.js';

/** Reference murmur3_x86_32 over bytes, written from the algorithm's description (not shared with hash.ts). */
function murmur3(bytes: Uint8Array, seed: number): number {
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
  let h = seed | 0;
  const blocks = bytes.length >> 2;
  for (let i = 0; i < blocks; i++) {
    let k = bytes[4 * i]! | (bytes[4 * i + 1]! << 8) | (bytes[4 * i + 2]! << 16) | (bytes[4 * i + 3]! << 24);
    k = Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
    h = (Math.imul(rotl(h ^ k, 13), 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const tail = blocks * 4;
  switch (bytes.length & 3) {
    case 3:
      k ^= bytes[tail + 2]! << 16;
    // falls through
    case 2:
      k ^= bytes[tail + 1]! << 8;
    // falls through
    case 1:
      k ^= bytes[tail]!;
      h ^= Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const ascii = (text: string) => new TextEncoder().encode(text);

/** Sum over buckets of (observed − expected)² / expected. */
function chiSquare(counts: number[], total: number): number {
  const expected = total / counts.length;
  return counts.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
}

function ipv4(i: number): string {
  return `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
}

test('the reference murmur3 matches the published test vectors', (t) => {
  t.is(murmur3(ascii(''), 0), 0);
  t.is(murmur3(ascii(''), 1), 0x514e28b7);
  t.is(murmur3(new Uint8Array(4), 0), 0x2362f9de);
  t.is(murmur3(ascii('aaaa'), 0x9747b28c), 0x5a97808a);
  t.is(murmur3(ascii('a'), 0x9747b28c), 0x7fa09ea6);
  t.is(murmur3(ascii('Hello, world!'), 0x9747b28c), 0x24884cba);
});

test('hashNumber is murmur3_x86_32 of the 8-byte little-endian integer', (t) => {
  const values = [0, 1, -1, 255, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 12_345_678_901, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
  for (const value of values) {
    for (const seed of [0, 42]) {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigInt64(0, BigInt(value), true);
      t.is(hashNumber(value, seed), murmur3(bytes, seed), `value ${value}, seed ${seed}`);
    }
  }
});

test('pinned values: sketches on the wire and in golden files depend on them', (t) => {
  t.is(hash32(''), 2_872_998_923);
  t.is(hash32('192.0.2.1'), 3_416_344_119);
  t.is(hash32('Mozilla/5.0 (X11; Linux x86_64; rv:128.0)'), 958_813_524);
  t.is(hash32('192.0.2.1', 7), 4_060_490_865);
  t.is(hashNumber(123_456), 379_378_780);
});

test('results are uint32, deterministic, and differ between close inputs', (t) => {
  const seen = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const h = hash32(ipv4(i));
    t.true(Number.isInteger(h) && h >= 0 && h <= 0xffffffff);
    t.is(h, hash32(ipv4(i)));
    seen.add(h);
  }
  // 10,000 values in 2^32: a collision is possible (p ≈ 1 %) but two would mean a weak hash.
  t.true(seen.size >= 9_999, `${10_000 - seen.size} collisions`);
  t.not(hash32('ab'), hash32('ba'));
  t.not(hash32('\u00e9'), hash32('e\u0301'), 'code units, not normalised text');
  t.not(hash32('x', 0), hash32('x', 1));
  t.not(hashNumber(0), hashNumber(2 ** 32), 'the high word counts');
});

test('top bits, low bits and the HyperLogLog rank are uniformly spread', (t) => {
  const n = 100_000;
  const sources: [string, (i: number) => number][] = [
    ['hash32 of sequential IPv4 strings', (i) => hash32(ipv4(i))],
    ['hash32 of /url/<i>', (i) => hash32(`/products/${i}?ref=home`)],
    ['hashNumber of sequential ids', (i) => hashNumber(i)],
    ['hashNumber of ids spaced by 2^32', (i) => hashNumber(i * 2 ** 32)],
  ];
  // χ² with 255 degrees of freedom: mean 255, standard deviation √510 ≈ 22.6. Within 255 ± 6σ
  // for a random-looking hash; FNV-1a without the finaliser scores 1,259 (top byte of IPv4
  // strings), and a bare multiply (i × 0x9e3779b1) scores 1: too regular to be random.
  const [lowBound, bound] = [120, 390];
  for (const [name, hash] of sources) {
    const top = new Array<number>(256).fill(0);
    const low = new Array<number>(256).fill(0);
    const ranks = new Array<number>(8).fill(0);
    for (let i = 0; i < n; i++) {
      const h = hash(i);
      top[h >>> 24]!++;
      low[h & 255]!++;
      const rank = Math.clz32(h << 8);
      if (rank < ranks.length) ranks[rank]!++;
    }
    for (const [bits, counts] of [['top', top], ['low', low]] as const) {
      const chi = chiSquare(counts, n);
      t.true(chi > lowBound && chi < bound, `${name}: ${bits} byte χ² ${chi.toFixed(0)}`);
    }
    // P(rank = r) = 2^−(r+1): each share within 5 standard deviations of a binomial.
    for (let r = 0; r < ranks.length; r++) {
      const p = 2 ** -(r + 1);
      const sd = Math.sqrt(n * p * (1 - p));
      t.true(Math.abs(ranks[r]! - n * p) < 5 * sd, `${name}: rank ${r} seen ${ranks[r]} times, expected ${n * p}`);
    }
  }
});

test('avalanche: changing one character flips each output bit about half the time', (t) => {
  const trials = 4_000;
  const flips = new Array<number>(32).fill(0);
  for (let i = 0; i < trials; i++) {
    const base = `session-${i}-abcdefghij`;
    const position = i % base.length;
    const changed = base.slice(0, position) + String.fromCharCode(base.charCodeAt(position) ^ 1) + base.slice(position + 1);
    const diff = hash32(base) ^ hash32(changed);
    for (let bit = 0; bit < 32; bit++) if ((diff >>> bit) & 1) flips[bit]!++;
  }
  // Binomial(4000, 0.5): sd ≈ 32, so 0.5 ± 0.06 is about ±7.5 sd.
  for (let bit = 0; bit < 32; bit++) {
    const share = flips[bit]! / trials;
    t.true(share > 0.44 && share < 0.56, `bit ${bit} flipped in ${(share * 100).toFixed(1)} % of trials`);
  }
});
