import test from 'ava';
import { SubjectTable } from './subject-table.js';

test('counts slide bucket by bucket; out-of-order requests count while inside the window', (t) => {
  const table = new SubjectTable<string>(10, 3);
  const slot = table.count('a', 100);
  table.count('a', 101);
  table.count('a', 102);
  t.is(table.total(slot), 3);
  t.is(table.count('a', 100), slot, 'bucket 100 is still in the window [100, 102]');
  t.is(table.total(slot), 4);
  table.count('a', 103); // bucket 100 (2 requests) leaves the window
  t.is(table.total(slot), 3);
  t.is(table.count('a', 100), -1, 'older than the window: not counted');
  t.is(table.total(slot), 3);
  table.count('a', 200);
  t.is(table.total(slot), 1, 'a jump past the window clears it');
});

test('when full, the least recently seen subject is evicted', (t) => {
  const table = new SubjectTable<string>(3, 1);
  table.count('a', 1);
  table.count('b', 1);
  table.count('c', 1);
  table.count('a', 2); // a is now the most recent
  table.count('d', 2); // evicts b
  t.is(table.size, 3);
  t.is(table.evictions, 1);
  const again = table.count('b', 2);
  t.is(table.total(again), 1, 'b starts over');
  t.is(table.evictions, 2, 'c was evicted for it');
});

test('sweep releases idle subjects whose verdict expired, and keeps those in cooldown', (t) => {
  const table = new SubjectTable<number>(100, 10);
  for (let key = 0; key < 50; key++) table.count(key, 5);
  const cooling = table.count(7, 5);
  table.setVerdict(cooling, 3, 100_000);
  table.count(99, 30); // still live at the watermark below
  table.sweep(25, 25_000);
  t.is(table.size, 2);
  table.sweep(25, 100_000);
  t.is(table.size, 1);
  t.is(table.keyOf(table.count(99, 30)), 99);
});

test('grows by doubling up to the cap and reuses released slots', (t) => {
  const table = new SubjectTable<number>(5_000, 2);
  const before = table.bytes();
  for (let key = 0; key < 5_000; key++) table.count(key, 1);
  t.true(table.bytes() > before);
  table.sweep(10, 10_000);
  t.is(table.size, 0);
  const grown = table.bytes();
  for (let key = 0; key < 5_000; key++) table.count(key + 10_000, 20);
  t.is(table.size, 5_000);
  t.is(table.bytes(), grown + 5_000 * 80, 'no new slots: only the index entries');
});
