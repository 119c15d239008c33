import test from 'ava';
import { ManualClock } from '@botsieve/runtime';
import { Watermark } from './watermark.js';

const T0 = 1_700_000_000_000;

test('watermark = newest event time − allowed lateness; older events are late', (t) => {
  const clock = new ManualClock(T0);
  const watermark = new Watermark(2_000);
  t.is(watermark.now(), 0);
  t.false(watermark.isLate(0));
  t.true(watermark.observe(clock.now()));
  clock.advance(5_000);
  t.true(watermark.observe(clock.now()));
  t.is(watermark.current, T0 + 3_000);
  t.is(watermark.now(), T0 + 5_000);
  t.true(watermark.observe(T0 + 3_000), 'exactly at the watermark is on time');
  t.false(watermark.observe(T0 + 2_999), 'one ms before the watermark is late');
  t.true(watermark.observe(T0 + 4_000), 'out of order within the lateness is fine');
  t.is(watermark.now(), T0 + 5_000, 'event time never goes back');
  watermark.advanceTo(T0 + 1_000);
  t.is(watermark.current, T0 + 3_000, 'advanceTo never goes back either');
  watermark.advanceTo(T0 + 9_000);
  t.is(watermark.current, T0 + 7_000);
});

