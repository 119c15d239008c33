import test from 'ava';
import { EpochDistinct } from './epoch-distinct.js';
import { distinct } from '../test-support/summary-fixtures.js';
import { WindowTable } from './window-table.js';

test('windows slide step by step; partials of an older step inside the window still add', (t) => {
  const table = new WindowTable(10, 3, 2);
  const a = table.slotFor('ip:a', 100);
  table.add(a, 100, 0, 5);
  table.add(table.slotFor('ip:a', 102), 102, 0, 7);
  t.is(table.total(a, 0), 12);
  t.is(table.slotFor('ip:a', 101), a, 'step 101 is inside [100, 102]');
  table.add(a, 101, 1, 4);
  t.is(table.total(a, 1), 4);
  table.slotFor('ip:a', 103); // step 100 (5 requests) leaves the window
  t.is(table.total(a, 0), 7);
  t.is(table.bucketValue(a, 102, 0), 7);
  t.is(table.bucketValue(a, 100, 0), 0);
  t.is(table.slotFor('ip:a', 100), -1, 'older than the window');
  t.is(table.totalEndingAt(a, 102, 0), 7, 'a flush-time view of a closed step');
  t.is(table.totalEndingAt(a, 105, 0), 0);
  table.slotFor('ip:a', 200);
  t.is(table.total(a, 0) + table.total(a, 1), 0, 'a jump past the window clears it');
});

test('slotFor after find never answers with a slot released or reused since', (t) => {
  const table = new WindowTable(1, 3, 1);
  const a = table.slotFor('ip:a', 1);
  t.is(table.find('ip:a'), a);
  t.is(table.slotFor('ip:a', 1), a, 'the slot find answered');
  t.false(table.created);
  t.is(table.find('ip:a'), a);
  t.is(table.slotFor('ip:b', 1), a, 'full: ip:a evicted, its slot reused');
  t.true(table.created);
  t.is(table.slotFor('ip:a', 1), a, 'ip:a again: a new subject (ip:b evicted), not the stale slot of find');
  t.true(table.created);
  t.is(table.keyOf(a), 'ip:a');
  t.is(table.find('ip:x'), -1);
  t.is(table.slotFor('ip:a', 1), a);
  t.false(table.created);
});

test('when full the least recently seen subject is evicted and its slot released', (t) => {
  const released: number[] = [];
  const table = new WindowTable(3, 2, 1, (slot) => released.push(slot));
  const a = table.slotFor('ip:a', 1);
  table.slotFor('ip:b', 1);
  table.slotFor('ip:c', 1);
  table.slotFor('ip:a', 2);
  t.true(table.created === false);
  table.slotFor('ip:d', 2); // evicts b
  t.true(table.created);
  t.is(table.size, 3);
  t.is(table.evictions, 1);
  t.is(table.find('ip:b'), -1);
  t.is(table.find('ip:a'), a);
  t.deepEqual(released, [1]);
});

test('sweep frees empty windows but keeps a subject in its cooldown', (t) => {
  const table = new WindowTable(10, 2, 1);
  const a = table.slotFor('ip:a', 10);
  table.slotFor('ip:b', 10);
  table.setSignal(a, 3, 10_500);
  t.true(table.shouldSignal(a, 3, 20_000, 5_000));
  t.false(table.shouldSignal(a, 3, 12_000, 5_000));
  t.false(table.shouldSignal(a, 2, 12_000, 5_000));
  t.true(table.shouldSignal(a, 4, 12_000, 5_000), 'escalation');
  table.sweep(12, 12_000, 5_000);
  t.is(table.size, 1, 'b released, a kept for its cooldown');
  table.sweep(16, 16_000, 5_000);
  t.is(table.size, 0);
});

test('epoch distinct: the larger of the current and the previous window, with no growth across epochs', (t) => {
  const uas = new EpochDistinct(10_000);
  uas.add(0, 0, distinct(['a', 'b', 'c']));
  uas.add(0, 5_000, distinct(['c', 'd']));
  t.is(uas.estimate(0), 4);
  uas.add(0, 10_000, distinct(['a']));
  t.is(uas.estimate(0), 4, 'the previous epoch still counts');
  uas.add(0, 2_000, distinct(['z', 'y', 'x', 'w', 'v']));
  t.is(uas.estimate(0), 4, 'a late partial of the previous epoch is dropped');
  uas.add(0, 20_000, null);
  t.is(uas.estimate(0), 1);
  uas.add(0, 40_000, distinct(['q']));
  t.is(uas.estimate(0), 1, 'a gap of more than one epoch forgets the previous one');
  uas.release(0);
  t.is(uas.estimate(0), 0);
});
