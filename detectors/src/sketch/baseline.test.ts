import test from 'ava';
import { RobustBaseline } from './baseline.js';

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

/** A baseline fed `samples` values of 100 ± 10 (uniform noise: mean absolute deviation 5). */
function steady(samples: number, options = { alpha: 0.05, warmup: 20 }): RobustBaseline {
  const next = random(3);
  const baseline = new RobustBaseline(options);
  for (let i = 0; i < samples; i++) baseline.observe(100 + (next() * 20 - 10));
  return baseline;
}

test('converges on a steady series', (t) => {
  const baseline = steady(500);
  t.is(baseline.samples, 500);
  t.true(baseline.ready);
  t.true(Math.abs(baseline.level - 100) < 3, `level ${baseline.level}`);
  t.true(baseline.deviation > 3.5 && baseline.deviation < 6.5, `deviation ${baseline.deviation}`);
  t.is(baseline.upper(3), baseline.level + 3 * baseline.deviation);
});

test('warm-up: the first samples are averaged, not anchored to the first one', (t) => {
  const baseline = new RobustBaseline({ alpha: 0.01, warmup: 5 });
  t.is(baseline.level, 0);
  t.false(baseline.ready);
  for (const x of [10, 20, 30, 40]) baseline.observe(x);
  t.is(baseline.level, 25);
  t.false(baseline.ready);
  baseline.observe(50);
  t.true(baseline.ready);
  t.is(baseline.level, 30);
});

test('a 30× spike moves the level by less than 2× after 5 samples', (t) => {
  const baseline = steady(300);
  const before = baseline.level;
  for (let i = 0; i < 5; i++) baseline.observe(30 * before);
  t.true(baseline.level < 2 * before, `level ${before.toFixed(1)} → ${baseline.level.toFixed(1)}`);
  // A plain EWMA with the same alpha would be at 100 + 2900 × (1 − 0.95^5) ≈ 760.
  t.true(baseline.upper(4) < 30 * before, 'the attack still stands out');
});

test('a lasting step up is absorbed, and a drop is followed at once', (t) => {
  const up = steady(300);
  for (let i = 0; i < 400; i++) up.observe(150);
  t.true(up.level > 140, `level after a lasting step to 150: ${up.level}`);
  const down = steady(300);
  for (let i = 0; i < 50; i++) down.observe(10);
  t.true(down.level < 25, `level after a drop to 10: ${down.level}`);
});

test('min_deviation floors the threshold and the clamp on a flat series', (t) => {
  const flat = new RobustBaseline({ alpha: 0.1, warmup: 5, min_deviation: 2 });
  for (let i = 0; i < 200; i++) flat.observe(100);
  t.is(flat.deviation, 0);
  t.is(flat.upper(4), 108);
  for (let i = 0; i < 300; i++) flat.observe(105); // within level + 4 × 2: never clamped away
  t.true(flat.level > 104.9, `level ${flat.level}`);
  const defaults = new RobustBaseline({ alpha: 0.1, warmup: 1 });
  defaults.observe(7);
  t.is(defaults.upper(2), 9, 'min_deviation defaults to 1');
});

test('options and samples are validated', (t) => {
  for (const alpha of [0, -0.1, 1.5, Number.NaN]) {
    t.throws(() => new RobustBaseline({ alpha, warmup: 1 }), { instanceOf: RangeError }, `alpha ${alpha}`);
  }
  for (const warmup of [-1, 1.5]) t.throws(() => new RobustBaseline({ alpha: 0.5, warmup }), { instanceOf: RangeError });
  t.throws(() => new RobustBaseline({ alpha: 0.5, warmup: 1, min_deviation: -1 }), { instanceOf: RangeError });
  const baseline = new RobustBaseline({ alpha: 1, warmup: 0 });
  t.throws(() => baseline.observe(Number.NaN), { instanceOf: RangeError });
  t.throws(() => baseline.observe(Number.POSITIVE_INFINITY), { instanceOf: RangeError });
  t.is(baseline.samples, 0);
  baseline.observe(3);
  baseline.observe(4);
  t.is(baseline.level, 4, 'alpha 1 follows the last sample');
});
