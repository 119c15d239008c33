import test from 'ava';
import { decayFactor } from './decay.js';

const close = (a: number, b: number) => Math.abs(a - b) < 1e-12;

test('halves every half-life', (t) => {
  t.is(decayFactor(0, 1_000), 1);
  t.true(close(decayFactor(1_000, 1_000), 0.5));
  t.true(close(decayFactor(3_000, 1_000), 0.125));
  t.true(close(decayFactor(250, 1_000), 2 ** -0.25));
  t.true(decayFactor(1e9, 1) === 0 || decayFactor(1e9, 1) < 1e-300);
});

test('decaying in steps equals decaying once', (t) => {
  const steps = [13, 170, 1, 999, 4_000];
  const product = steps.reduce((factor, step) => factor * decayFactor(step, 750), 1);
  t.true(close(product, decayFactor(steps.reduce((a, b) => a + b), 750)));
});

test('no growth for zero, negative or unknown elapsed time', (t) => {
  t.is(decayFactor(-5_000, 1_000), 1);
  t.is(decayFactor(Number.NaN, 1_000), 1);
  t.is(decayFactor(5_000, Number.POSITIVE_INFINITY), 1);
});

test('the half-life must be positive', (t) => {
  for (const half of [0, -1, Number.NaN]) t.throws(() => decayFactor(10, half), { instanceOf: RangeError });
});
