import test from 'ava';
import { hash32 } from './hash.js';
import { RotatingBloom } from './rotating-bloom.js';

const key = (i: number): number => hash32(`198.51.${(i >> 8) & 255}.${i & 255}#${i}`);

test('a key is reported from when it was added until one to two periods later, never before', (t) => {
  const bloom = new RotatingBloom(1_000, 60_000);
  t.false(bloom.has(key(1)));
  bloom.add(key(1), 10_000);
  t.true(bloom.has(key(1)));
  bloom.advance(59_999);
  t.true(bloom.has(key(1)), 'same generation');
  bloom.advance(60_000);
  t.true(bloom.has(key(1)), 'previous generation');
  bloom.advance(120_000);
  t.false(bloom.has(key(1)), 'two periods on: forgotten');
});

test('a gap longer than a period forgets everything at once; time never goes back', (t) => {
  const bloom = new RotatingBloom(1_000, 1_000);
  bloom.add(key(1), 500);
  bloom.add(key(2), 1_500);
  bloom.advance(10_000);
  t.false(bloom.has(key(1)));
  t.false(bloom.has(key(2)));
  bloom.add(key(3), 10_100);
  bloom.advance(5_000);
  t.true(bloom.has(key(3)), 'an older time does not rotate');
});

test('false positives stay near 1 % at capacity, no false negatives', (t) => {
  const capacity = 20_000;
  const bloom = new RotatingBloom(capacity, 60_000);
  for (let i = 0; i < capacity; i++) bloom.add(key(i), 1_000);
  let missing = 0;
  for (let i = 0; i < capacity; i++) if (!bloom.has(key(i))) missing++;
  t.is(missing, 0);
  let false_positives = 0;
  const probes = 50_000;
  for (let i = capacity; i < capacity + probes; i++) if (bloom.has(key(i))) false_positives++;
  const rate = false_positives / probes;
  t.true(rate < 0.02, `false-positive rate ${rate}`);
  t.is(bloom.load, capacity);
  t.is(bloom.bytes, 2 * Math.ceil((capacity * 9.6) / 32) * 4);
});

test('memory is fixed whatever arrives (a spray fills it, it does not grow)', (t) => {
  const bloom = new RotatingBloom(1_000, 60_000);
  const bytes = bloom.bytes;
  for (let i = 0; i < 100_000; i++) bloom.add(key(i), 1_000 + i);
  t.is(bloom.bytes, bytes);
});
