import test from 'ava';
import { CountMinSketch } from './count-min.js';
import { hash32 } from './hash.js';

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), state | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** `events` keys drawn from `keys` with a Zipf-like (1 / rank) skew, and their exact counts. */
function zipfStream(keys: number, events: number, seed: number): { stream: string[]; exact: Map<string, number> } {
  const next = random(seed);
  const cumulative: number[] = [];
  let sum = 0;
  for (let rank = 1; rank <= keys; rank++) cumulative.push((sum += 1 / rank));
  const stream: string[] = [];
  const exact = new Map<string, number>();
  for (let i = 0; i < events; i++) {
    const target = next() * sum;
    let low = 0;
    let high = keys - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    const key = `route-${low}`;
    stream.push(key);
    exact.set(key, (exact.get(key) ?? 0) + 1);
  }
  return { stream, exact };
}

test('never underestimates, and overestimates within ε·N for nearly every key', (t) => {
  const width = 272; // ε = e / 272 ≈ 1 %
  const depth = 4; // δ = e^−4 ≈ 1.8 %
  const { stream, exact } = zipfStream(5_000, 50_000, 1);
  const sketch = new CountMinSketch(width, depth);
  for (const key of stream) sketch.add(hash32(key));
  t.is(sketch.total, stream.length);
  let withinBound = 0;
  let overestimated = 0;
  for (const [key, count] of exact) {
    const estimate = sketch.estimate(hash32(key));
    t.true(estimate >= count, `${key}: estimate ${estimate} below the true ${count}`);
    if (estimate - count <= (Math.E / width) * stream.length) withinBound++;
    if (estimate > count) overestimated++;
  }
  t.true(withinBound / exact.size >= 0.95, `${withinBound} of ${exact.size} keys within ε·N`);
  t.true(overestimated > 0, 'a sketch this small must collide somewhere (else the test proves nothing)');
  t.is(sketch.estimate(hash32('never added')) <= (Math.E / width) * stream.length, true);
});

test('weighted adds, and an empty sketch estimates 0', (t) => {
  const sketch = new CountMinSketch(1_000, 5);
  t.is(sketch.estimate(hash32('a')), 0);
  sketch.add(hash32('a'), 40);
  sketch.add(hash32('a'));
  sketch.add(hash32('b'), 0);
  t.is(sketch.estimate(hash32('a')), 41);
  t.is(sketch.total, 41);
  t.throws(() => sketch.add(hash32('a'), -1), { instanceOf: RangeError });
  t.throws(() => sketch.add(hash32('a'), 1.5), { instanceOf: RangeError });
});

test('merge equals the sketch of both streams; shapes must match', (t) => {
  const { stream } = zipfStream(2_000, 20_000, 2);
  const whole = new CountMinSketch(128, 3);
  const first = new CountMinSketch(128, 3);
  const second = new CountMinSketch(128, 3);
  stream.forEach((key, i) => {
    whole.add(hash32(key));
    (i % 3 === 0 ? first : second).add(hash32(key));
  });
  first.merge(second);
  t.is(first.total, whole.total);
  for (let i = 0; i < 2_000; i++) t.is(first.estimate(hash32(`route-${i}`)), whole.estimate(hash32(`route-${i}`)));
  t.throws(() => first.merge(new CountMinSketch(128, 4)), { instanceOf: RangeError });
  t.throws(() => first.merge(new CountMinSketch(127, 3)), { instanceOf: RangeError });
});

test('counters saturate instead of wrapping around', (t) => {
  const sketch = new CountMinSketch(16, 2);
  sketch.add(7, 0xffffffff);
  sketch.add(7, 5);
  t.is(sketch.estimate(7), 0xffffffff);
  const other = new CountMinSketch(16, 2);
  other.add(7, 0xfffffff0);
  other.merge(sketch);
  t.is(other.estimate(7), 0xffffffff);
});

test('every row is used: a key spreads over distinct cells', (t) => {
  // With depth rows of width 1 every key hits the same cells; with a wide sketch two keys
  // sharing all cells in 4 rows would mean the rows are not independent.
  const sketch = new CountMinSketch(1_024, 4);
  for (let i = 0; i < 200; i++) sketch.add(hash32(`k${i}`));
  let exact = 0;
  for (let i = 0; i < 200; i++) if (sketch.estimate(hash32(`k${i}`)) === 1) exact++;
  t.true(exact >= 195, `${exact} of 200 keys estimated exactly`);
});

test('clear, bytes and shape validation', (t) => {
  const sketch = new CountMinSketch(100, 4);
  sketch.add(hash32('a'), 3);
  sketch.clear();
  t.is(sketch.estimate(hash32('a')), 0);
  t.is(sketch.total, 0);
  t.true(sketch.bytes() >= 100 * 4 * 4);
  t.true(sketch.bytes() < 100 * 4 * 4 + 1_024);
  for (const [width, depth] of [[0, 4], [4, 0], [1.5, 2], [2, Number.NaN], [2 ** 20, 2 ** 10]] as const) {
    t.throws(() => new CountMinSketch(width, depth), { instanceOf: RangeError }, `${width} × ${depth}`);
  }
});
