/**
 * Micro-benchmark of the sketches' hot paths: `node bench/dist/sketch-bench.js` (`npm run bench:sketch`).
 *
 * Prints the median ns/op of 7 timed runs (after a warm-up run) for each case, beside
 * baselines: `new Set().add` of the same strings (what a tiny exact distinct counter would
 * cost), and the plain-Map LRU ("delete + set on touch") that `BoundedMap` replaces. Then bytes
 * per instance for a 1-value HyperLogLog against a 1-value Set.
 *
 * Numbers are for comparison on one machine, not absolute: V8 caches a string's own hash in
 * the string, so `Set.add` of a string seen before skips hashing, while `hash32` always reads
 * the 40 characters.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BoundedMap, CountMinSketch, decayFactor, hash32, HyperLogLog, SpaceSaving } from '@botsieve/detectors/internals';

const RUNS = 7;
const KEYS = 4_096; // a power of two: `i & MASK` picks a key
const MASK = KEYS - 1;

/** Accumulates results so the optimiser cannot drop the work. */
let sink = 0;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** Runs `body(ops)` (which performs `ops` operations) once to warm up, then RUNS times. */
function bench(name: string, ops: number, body: (ops: number) => void): void {
  body(ops);
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    body(ops);
    samples.push(Number(process.hrtime.bigint() - start) / ops);
  }
  console.log(`${name.padEnd(64)} ${median(samples).toFixed(1).padStart(9)} ns/op`);
}

/** Distinct 40-character strings (user-agent-like). */
const strings: string[] = [];
for (let i = 0; i < KEYS; i++) {
  const text = `Mozilla/5.0 (X11; Linux) session=${String(i).padStart(7, '0')}`;
  if (text.length !== 40) throw new Error(`bench string of ${text.length} characters`);
  strings.push(text);
}
const hashes = new Uint32Array(KEYS);
for (let i = 0; i < KEYS; i++) hashes[i] = hash32(strings[i]!);

console.log(`node ${process.version}, ${RUNS} runs per case, median\n`);

console.log('hashing');
bench('hash32, 40-character string', 2_000_000, (ops) => {
  for (let i = 0; i < ops; i++) sink ^= hash32(strings[i & MASK]!);
});

console.log('\ndistinct counting: 3 values per instance (one subject, one step)');
bench('new HyperLogLog() + 3 × add(hash32(s))  [inline, per add]', 1_000_000, (ops) => {
  for (let i = 0; i < ops; i += 3) {
    const hll = new HyperLogLog();
    hll.add(hash32(strings[i & MASK]!));
    hll.add(hash32(strings[(i + 1) & MASK]!));
    hll.add(hash32(strings[(i + 2) & MASK]!));
    sink += hll.estimate();
  }
});
bench('new Set() + 3 × add(s)                   [baseline, per add]', 1_000_000, (ops) => {
  for (let i = 0; i < ops; i += 3) {
    const set = new Set<string>();
    set.add(strings[i & MASK]!);
    set.add(strings[(i + 1) & MASK]!);
    set.add(strings[(i + 2) & MASK]!);
    sink += set.size;
  }
});
const inline = new HyperLogLog();
for (let i = 0; i < 3; i++) inline.add(hashes[i]!);
bench('HyperLogLog.add, sparse (inline, 3 values, hash given)', 10_000_000, (ops) => {
  for (let i = 0; i < ops; i++) inline.add(hashes[i % 3]!);
});
const small = new Set<string>(strings.slice(0, 3));
bench('Set.add, 3 strings already in it          [baseline]', 10_000_000, (ops) => {
  for (let i = 0; i < ops; i++) small.add(strings[i % 3]!);
});
const sparse = new HyperLogLog(12);
for (let i = 0; i < 1_000; i++) sparse.add(hashes[i]!);
bench('HyperLogLog.add, sparse (sorted array, 1,000 values, p = 12)', 5_000_000, (ops) => {
  for (let i = 0; i < ops; i++) sparse.add(hashes[i % 1_000]!);
});
const dense = new HyperLogLog(8);
for (let i = 0; i < KEYS; i++) dense.add(hashes[i]!);
bench('HyperLogLog.add, dense (p = 8)', 10_000_000, (ops) => {
  for (let i = 0; i < ops; i++) dense.add(hashes[i & MASK]! ^ i);
});
bench('HyperLogLog.estimate, dense (p = 8)', 200_000, (ops) => {
  for (let i = 0; i < ops; i++) sink += dense.estimate();
});

console.log('\nBoundedMap, capacity 100,000 (full)');
const capacity = 100_000;
const ips: string[] = [];
for (let i = 0; i < 2 * capacity; i++) ips.push(`198.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`);
const lru = new BoundedMap<string, number>(capacity);
const map = new Map<string, number>();
for (let i = 0; i < capacity; i++) {
  lru.set(ips[i]!, i);
  map.set(ips[i]!, i);
}
/** The plain-Map LRU: touch = delete + set; evict = delete the first key of a new iterator. */
function mapTouch(key: string): number | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}
function mapSet(key: string, value: number): void {
  if (!map.delete(key) && map.size >= capacity) for (const oldest of map.keys()) {
    map.delete(oldest);
    break;
  }
  map.set(key, value);
}
bench('BoundedMap.get, hit, random keys', 2_000_000, (ops) => {
  for (let i = 0; i < ops; i++) sink += lru.get(ips[(i * 7_919) % capacity]!) ?? 0;
});
bench('Map.get alone (no recency), random keys       [baseline]', 2_000_000, (ops) => {
  for (let i = 0; i < ops; i++) sink += map.get(ips[(i * 7_919) % capacity]!) ?? 0;
});
bench('plain-Map LRU get, hit, random keys           [reference]', 2_000_000, (ops) => {
  for (let i = 0; i < ops; i++) sink += mapTouch(ips[(i * 7_919) % capacity]!) ?? 0;
});
bench('BoundedMap.get, two hot keys alternating', 2_000_000, (ops) => {
  for (let i = 0; i < ops; i++) sink += lru.get(ips[capacity - 1 - (i & 1)]!) ?? 0;
});
bench('plain-Map LRU get, two hot keys alternating   [reference]', 20_000, (ops) => {
  for (let i = 0; i < ops; i++) sink += mapTouch(ips[capacity - 1 - (i & 1)]!) ?? 0;
});
bench('BoundedMap.set, existing key (update)', 2_000_000, (ops) => {
  for (let i = 0; i < ops; i++) lru.set(ips[(i * 7_919) % capacity]!, i);
});
let next = capacity;
bench('BoundedMap.set, new key evicting the oldest (IP spray)', 1_000_000, (ops) => {
  for (let i = 0; i < ops; i++) lru.set(ips[next++ % ips.length]!, i);
});
next = capacity;
bench('plain-Map LRU set, new key evicting the oldest [reference]', 10_000, (ops) => {
  for (let i = 0; i < ops; i++) mapSet(ips[next++ % ips.length]!, i);
});

console.log('\nother sketches');
const countMin = new CountMinSketch(2_719, 5);
bench('CountMinSketch.add, 2719 × 5', 5_000_000, (ops) => {
  for (let i = 0; i < ops; i++) countMin.add(hashes[i & MASK]!);
});
bench('CountMinSketch.estimate, 2719 × 5', 5_000_000, (ops) => {
  for (let i = 0; i < ops; i++) sink += countMin.estimate(hashes[i & MASK]!);
});
const zipf: string[] = [];
for (let i = 0; i < KEYS; i++) zipf.push(strings[Math.floor(KEYS / (1 + ((i * 2_654_435_761) % KEYS))) & MASK]!);
for (const size of [1_000, 10_000]) {
  const top = new SpaceSaving<string>(size);
  bench(`SpaceSaving.add, capacity ${size}, Zipf-like keys`, 2_000_000, (ops) => {
    for (let i = 0; i < ops; i++) top.add(zipf[i & MASK]!);
  });
  const churn = new SpaceSaving<string>(size);
  for (let i = 0; i < size - 1; i++) churn.add(`heavy-${i}`, 1e9);
  bench(`SpaceSaving.add, capacity ${size}, two keys evicting each other`, 1_000_000, (ops) => {
    for (let i = 0; i < ops; i++) churn.add(strings[i & 1]!);
  });
}
bench('decayFactor', 5_000_000, (ops) => {
  for (let i = 0; i < ops; i++) sink += decayFactor(i & 0xffff, 30_000);
});

console.log('\nheap bytes per instance holding 1 value (100,000 instances)');
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function bytesPerInstance(make: (i: number) => unknown): number {
  const keep: unknown[] = new Array(100_000);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < keep.length; i++) keep[i] = make(i);
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / keep.length;
  sink += keep.length;
  return bytes;
}
const hllBytes = bytesPerInstance((i) => {
  const hll = new HyperLogLog();
  hll.add(hashes[i & MASK]!);
  return hll;
});
const setBytes = bytesPerInstance((i) => new Set<string>().add(strings[i & MASK]!));
console.log(`${'HyperLogLog (inline)'.padEnd(64)} ${hllBytes.toFixed(0).padStart(9)} bytes`);
console.log(`${'Set of one string (the string itself shared)'.padEnd(64)} ${setBytes.toFixed(0).padStart(9)} bytes`);
console.log(`\n(sink ${sink === 0 ? 0 : 1})`);
