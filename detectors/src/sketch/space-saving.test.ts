import test from 'ava';
import { SpaceSaving } from './space-saving.js';

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

/**
 * 200,000 events: 10 planted keys with 3 % each, the rest Zipf-like (1 / rank) over 50,000
 * background keys, shuffled together. Returns the stream and the exact counts.
 */
function plantedStream(seed: number): { stream: string[]; exact: Map<string, number> } {
  const next = random(seed);
  const background = 50_000;
  const cumulative: number[] = [];
  let sum = 0;
  for (let rank = 1; rank <= background; rank++) cumulative.push((sum += 1 / rank));
  const stream: string[] = [];
  const exact = new Map<string, number>();
  for (let i = 0; i < 200_000; i++) {
    let key: string;
    const roll = next();
    if (roll < 0.3) key = `planted-${Math.floor(roll / 0.03)}`;
    else {
      const target = next() * sum;
      let low = 0;
      let high = background - 1;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (cumulative[mid]! < target) low = mid + 1;
        else high = mid;
      }
      key = `background-${low}`;
    }
    stream.push(key);
    exact.set(key, (exact.get(key) ?? 0) + 1);
  }
  return { stream, exact };
}

test('finds the planted heavy hitters in a Zipf-like stream, with honest bounds', (t) => {
  const capacity = 100;
  const { stream, exact } = plantedStream(7);
  const top = new SpaceSaving<string>(capacity);
  for (const key of stream) top.add(key);
  t.is(top.total, stream.length);
  t.is(top.size, capacity);

  const truth = [...exact.entries()].sort((a, b) => b[1] - a[1]);
  const expected = new Set(truth.slice(0, 12).map(([key]) => key));
  for (let j = 0; j < 10; j++) t.true(expected.has(`planted-${j}`), 'the stream is built so that the planted keys are in the true top 12');

  const found = top.top(12);
  t.is(found.length, 12);
  t.deepEqual(new Set(found.map((hitter) => hitter.key)), expected);
  for (let i = 1; i < found.length; i++) t.true(found[i - 1]!.count >= found[i]!.count, 'by count, descending');
  for (const { key, count, error } of top.top(capacity)) {
    const real = exact.get(key)!;
    t.true(count >= real && count - error <= real, `${key}: true ${real} outside [${count - error}, ${count}]`);
    t.is(top.estimate(key), count);
  }
  // The Space-Saving guarantee: every key above N / capacity is tracked.
  for (const [key, count] of exact) {
    if (count > stream.length / capacity) t.true(top.estimate(key) >= count, `${key} (${count}) must be tracked`);
  }
  t.is(top.estimate('never seen'), 0);
});

test('weighted adds and ties', (t) => {
  const top = new SpaceSaving<number>(3);
  top.add(1, 10);
  top.add(2, 5);
  top.add(3, 5);
  top.add(2, 0); // no-op
  t.deepEqual(top.top(10), [
    { key: 1, count: 10, error: 0 },
    { key: 2, count: 5, error: 0 },
    { key: 3, count: 5, error: 0 },
  ]);
  top.add(4); // evicts 2 or 3 (count 5): 4 inherits 5 as its error
  t.is(top.size, 3);
  t.deepEqual(top.top(1), [{ key: 1, count: 10, error: 0 }]);
  const newcomer = top.top(3).find((hitter) => hitter.key === 4)!;
  t.deepEqual(newcomer, { key: 4, count: 6, error: 5 });
  t.is(top.total, 21);
  t.deepEqual(top.top(0), []);
  t.throws(() => top.add(1, -1), { instanceOf: RangeError });
  t.throws(() => top.add(1, Number.NaN), { instanceOf: RangeError });
  t.throws(() => new SpaceSaving(0), { instanceOf: RangeError });
});

test('two keys evicting each other forever keep the memory bounded and the counts right', (t) => {
  const capacity = 50;
  const top = new SpaceSaving<string>(capacity);
  for (let i = 0; i < capacity - 1; i++) top.add(`heavy-${i}`, 1_000_000);
  const bytesBefore = top.bytes();
  for (let i = 0; i < 100_000; i++) top.add(i % 2 === 0 ? 'ua-a' : 'ua-b');
  t.is(top.size, capacity);
  t.is(top.total, (capacity - 1) * 1_000_000 + 100_000);
  t.is(top.estimate('ua-a') + top.estimate('ua-b'), 100_000, 'the churn slot holds the last one, with the whole churn as count');
  t.is(top.estimate('ua-a'), 0, 'ua-b came last and took the slot');
  t.true(top.bytes() <= bytesBefore + capacity * 48, `bytes ${bytesBefore} → ${top.bytes()}`);
  for (let i = 0; i < capacity - 1; i++) t.is(top.estimate(`heavy-${i}`), 1_000_000);

  // A spray of distinct keys: each leaves an evicted key behind in the index until it is rebuilt.
  for (let i = 0; i < 10_000; i++) top.add(`spray-${i}`);
  t.true(top.bytes() <= bytesBefore + capacity * 48, `bytes after a spray ${top.bytes()}`);
  t.is(top.estimate('spray-9999'), 110_000, 'the last one holds the churn slot');
  t.is(top.estimate('spray-9998'), 0);
  t.is(top.estimate('ua-b'), 0);
  t.is(top.size, capacity);
});

test('capacity 1, NaN keys, clear', (t) => {
  const one = new SpaceSaving<string>(1);
  one.add('a');
  one.add('b');
  one.add('b');
  t.deepEqual(one.top(5), [{ key: 'b', count: 3, error: 1 }]);
  const numbers = new SpaceSaving<number>(4);
  numbers.add(Number.NaN);
  numbers.add(Number.NaN);
  t.is(numbers.estimate(Number.NaN), 2);
  t.is(numbers.size, 1);
  numbers.clear();
  t.is(numbers.size, 0);
  t.is(numbers.total, 0);
  t.is(numbers.estimate(Number.NaN), 0);
  numbers.add(5);
  t.deepEqual(numbers.top(5), [{ key: 5, count: 1, error: 0 }]);
});
