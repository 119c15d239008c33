import test from 'ava';
import { backoffDelay, parseRetryAfter, REDELIVERY_BACKOFF, type BackoffPolicy } from './retry.js';

const sink: BackoffPolicy = { base_ms: 100, max_ms: 30_000, jitter: 'equal' };

test('the delay doubles per attempt up to the cap', (t) => {
  const fixed = { ...sink, jitter: 'none' } as const;
  t.deepEqual([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, fixed)), [100, 200, 400, 800]);
  t.is(backoffDelay(9, fixed), 30_000);
  t.is(backoffDelay(10_000, fixed), 30_000, 'a huge attempt number neither overflows nor passes the cap');
  t.is(backoffDelay(-3, fixed), 100, 'a negative attempt counts as the first');
});

test('equal jitter spreads the delay over [½, 1) of it, from the random source given', (t) => {
  t.is(backoffDelay(2, sink, () => 0), 200);
  t.is(backoffDelay(2, sink, () => 0.5), 300);
  t.true(backoffDelay(2, sink, () => 0.999_999) < 400);
  t.is(backoffDelay(30, sink, () => 0), 15_000);
});

test('no jitter never reads the random source', (t) => {
  const random = () => {
    throw new Error('read');
  };
  t.deepEqual([0, 1, 5, 6, 16, 40].map((attempt) => backoffDelay(attempt, REDELIVERY_BACKOFF, random)), [200, 400, 6_400, 10_000, 10_000, 10_000]);
});

test('retry-after in seconds, rounded up to whole ms', (t) => {
  t.is(parseRetryAfter('1', 0), 1_000);
  t.is(parseRetryAfter('0', 0), 0);
  t.is(parseRetryAfter('1.0004', 0), 1_001);
  t.is(parseRetryAfter('-5', 0), 0);
});

test('retry-after as an HTTP date counts from the clock given', (t) => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
  t.is(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now), 30_000);
  t.is(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0, 'a date in the past: no wait');
});

test('retry-after absent or unreadable is undefined', (t) => {
  for (const value of [undefined, null, '', 'soon']) t.is(parseRetryAfter(value, 0), undefined, String(value));
});
