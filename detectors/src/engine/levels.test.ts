import test from 'ava';
import { z } from 'zod';
import { Levels, levelsSchema, shouldSignal } from './levels.js';

test('ranks and score bands: block 10…1, challenge 29…20, log 49…30, integers', (t) => {
  const levels = new Levels({ log: 10, challenge: 20, block: 40 });
  t.deepEqual([9, 10, 19, 20, 39, 40, 400].map((x) => levels.rank(x)), [0, 1, 1, 2, 2, 3, 3]);
  t.deepEqual([10, 15, 19.9].map((x) => levels.score(1, x)), [49, 39, 30]);
  t.deepEqual([20, 30, 39.9].map((x) => levels.score(2, x)), [29, 24, 20]);
  t.deepEqual([40, 80, 400, 4_000].map((x) => levels.score(3, x)), [10, 5, 1, 1]);
  for (let x = 10; x < 40; x += 0.5) {
    const score = levels.score(levels.rank(x), x);
    t.true(Number.isInteger(score) && score >= 20 && score <= 49, `${x} → ${score}`);
  }
});

test('levels that are off: the next one set bounds the band; none set never ranks', (t) => {
  const probes = new Levels({ log: 1, challenge: null, block: 3 });
  t.deepEqual([1, 2, 3].map((x) => probes.rank(x)), [1, 1, 3]);
  t.deepEqual([1, 2].map((x) => probes.score(1, x)), [49, 39]);
  const aggregate = new Levels({ log: 20, challenge: 50, block: null });
  t.deepEqual([50, 75, 100, 1_000].map((x) => aggregate.score(2, x)), [29, 24, 20, 20]);
  const never = new Levels({ log: null, challenge: null, block: null });
  t.is(never.rank(1e9), 0);
  t.is(never.lowest, Number.POSITIVE_INFINITY);
});

test('schema: defaults, nulls, and thresholds that must rise', (t) => {
  const schema = z.strictObject({ x: levelsSchema('Things per window', { log: 5, challenge: 10, block: null }) });
  t.deepEqual(schema.parse({}).x, { log: 5, challenge: 10, block: null });
  t.deepEqual(schema.parse({ x: { block: 11 } }).x, { log: 5, challenge: 10, block: 11 });
  t.deepEqual(schema.parse({ x: { log: null, challenge: 3 } }).x, { log: null, challenge: 3, block: null });
  t.false(schema.safeParse({ x: { block: 10 } }).success);
  t.false(schema.safeParse({ x: { log: 0 } }).success);
  t.false(schema.safeParse({ x: { warn: 1 } }).success);
});

test('cooldown: escalation at once, the same or a lower action only after reemit_ms', (t) => {
  t.true(shouldSignal(1, 0, Number.NEGATIVE_INFINITY, 0, 60_000));
  t.false(shouldSignal(0, 0, Number.NEGATIVE_INFINITY, 0, 60_000));
  t.true(shouldSignal(3, 2, 1_000, 1_001, 60_000));
  t.false(shouldSignal(2, 2, 1_000, 60_999, 60_000));
  t.true(shouldSignal(2, 2, 1_000, 61_000, 60_000));
  t.false(shouldSignal(1, 3, 1_000, 30_000, 60_000));
});
