import test from 'ava';
import { BoundedMap } from './bounded-map.js';

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

test('evicts the least recently used and counts evictions', (t) => {
  const map = new BoundedMap<string, number>(3);
  map.set('a', 1);
  map.set('b', 2);
  map.set('c', 3);
  t.is(map.get('a'), 1); // a is now the most recent: b is the oldest
  map.set('d', 4);
  t.false(map.has('b'));
  t.deepEqual([...map.keys()], ['c', 'a', 'd']);
  t.is(map.evictions, 1);
  t.is(map.peek('c'), 3); // peek leaves c the oldest
  map.set('e', 5);
  t.false(map.has('c'));
  t.is(map.evictions, 2);
  map.set('a', 10); // an update touches, never evicts
  t.is(map.evictions, 2);
  t.deepEqual([...map.entries()], [['d', 4], ['e', 5], ['a', 10]]);
  t.deepEqual([...map.values()], [4, 5, 10]);
  t.is(map.size, 3);
  t.is(map.capacity, 3);
});

test('delete frees room without counting an eviction; clear keeps the count', (t) => {
  const map = new BoundedMap<number, string>(2);
  map.set(1, 'one');
  map.set(2, 'two');
  t.true(map.delete(1));
  t.false(map.delete(1));
  map.set(3, 'three');
  t.is(map.evictions, 0);
  t.deepEqual([...map.keys()], [2, 3]);
  map.set(4, 'four');
  t.is(map.evictions, 1);
  map.clear();
  t.is(map.size, 0);
  t.deepEqual([...map.keys()], []);
  t.is(map.evictions, 1);
  map.set(5, 'five');
  map.set(6, 'six');
  map.set(7, 'seven');
  t.deepEqual([...map.keys()], [6, 7]);
  t.is(map.evictions, 2);
});

test('undefined values are entries; missing keys are not', (t) => {
  const map = new BoundedMap<string, number | undefined>(2);
  map.set('x', undefined);
  t.true(map.has('x'));
  t.is(map.get('missing'), undefined);
  t.is(map.size, 1);
  map.set('y', 1);
  t.is(map.get('x'), undefined); // touches x
  map.set('z', 2);
  t.deepEqual([...map.keys()], ['x', 'z']);
});

test('behaves exactly like a reference LRU over a long random sequence (get and getHashed)', (t) => {
  const next = random(11);
  const capacity = 8;
  const map = new BoundedMap<number, number>(capacity);
  let model: [number, number][] = []; // least → most recently used
  let evictions = 0;
  const find = (key: number) => model.findIndex(([k]) => k === key);
  for (let step = 0; step < 20_000; step++) {
    const key = Math.floor(next() * 20);
    const roll = next();
    const at = find(key);
    if (roll < 0.35) {
      // getHashed with a hash that collides often: its cache must never answer for another key.
      const value = step % 2 === 0 ? map.get(key) : map.getHashed(key, key % 3);
      t.is(value, at < 0 ? undefined : model[at]![1]);
      if (at >= 0) model.push(model.splice(at, 1)[0]!);
    } else if (roll < 0.45) {
      t.is(map.peek(key), at < 0 ? undefined : model[at]![1]);
    } else if (roll < 0.85) {
      map.set(key, step);
      if (at >= 0) model.splice(at, 1);
      else if (model.length >= capacity) {
        model.shift();
        evictions++;
      }
      model.push([key, step]);
    } else if (roll < 0.995) {
      t.is(map.delete(key), at >= 0);
      if (at >= 0) model.splice(at, 1);
    } else {
      map.clear();
      model = [];
    }
    t.is(map.has(key), find(key) >= 0);
    t.is(map.size, model.length);
    t.is(map.evictions, evictions);
    t.deepEqual([...map.entries()], model, `step ${step}`);
  }
});

test('a sweep may delete entries while iterating', (t) => {
  const map = new BoundedMap<number, number>(100);
  for (let i = 0; i < 100; i++) map.set(i, i);
  const visited: number[] = [];
  for (const [key, value] of map.entries()) {
    visited.push(key);
    if (value % 3 !== 0) map.delete(key);
  }
  t.deepEqual(visited, Array.from({ length: 100 }, (_, i) => i));
  t.deepEqual([...map.keys()], Array.from({ length: 34 }, (_, i) => i * 3));
  // Deleting the entry after the current one is also tolerated: it is not visited.
  const seen: number[] = [];
  for (const key of map.keys()) {
    seen.push(key);
    map.delete(key + 3);
  }
  t.deepEqual(seen, [0, 6, 12, 18, 24, 30, 36, 42, 48, 54, 60, 66, 72, 78, 84, 90, 96]);
});

test('memory stays at the cap under a spray of new keys', (t) => {
  const map = new BoundedMap<string, number>(1_000);
  for (let i = 0; i < 100_000; i++) map.set(`198.51.${i >> 8}.${i & 255}`, i);
  t.is(map.size, 1_000);
  t.is(map.evictions, 99_000);
  const keys = [...map.keys()];
  t.is(keys[0], `198.51.${99_000 >> 8}.${99_000 & 255}`);
  t.is(keys.length, 1_000);
});

test('capacity must be a positive integer', (t) => {
  for (const bad of [0, -1, 1.5, Number.NaN]) t.throws(() => new BoundedMap(bad), { instanceOf: RangeError });
});
