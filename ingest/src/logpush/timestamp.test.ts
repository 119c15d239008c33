import test from 'ava';
import { parseTimestampMs } from './timestamp.js';

const MS = Date.UTC(2026, 10, 1, 12, 0, 0, 123); // 2026-11-01T12:00:00.123Z

test('unixnano integers (timestamp_format unixnano)', (t) => {
  t.is(parseTimestampMs(1_793_534_400_123_456_789), MS);
  t.is(parseTimestampMs('1793534400123456789'), MS);
});

test('unix seconds (timestamp_format unix)', (t) => {
  t.is(parseTimestampMs(1_793_534_400), MS - 123);
  t.is(parseTimestampMs('1793534400'), MS - 123);
});

test('milliseconds and microseconds are told apart by magnitude', (t) => {
  t.is(parseTimestampMs(MS), MS);
  t.is(parseTimestampMs(MS * 1_000 + 456), MS);
});

test('rfc3339 (second precision)', (t) => {
  t.is(parseTimestampMs('2026-11-01T12:00:00Z'), MS - 123);
});

test('rfc3339ms', (t) => {
  t.is(parseTimestampMs('2026-11-01T12:00:00.123Z'), MS);
});

test('rfc3339ns truncates to the millisecond', (t) => {
  t.is(parseTimestampMs('2026-11-01T12:00:00.123999999Z'), MS);
  t.is(parseTimestampMs('2026-11-01T12:00:00.123456789Z'), MS);
});

test('rfc3339 with short fractions, offsets and lower-case separators', (t) => {
  t.is(parseTimestampMs('2026-11-01T12:00:00.1Z'), MS - 23);
  t.is(parseTimestampMs('2026-11-01T12:00:00.12Z'), MS - 3);
  t.is(parseTimestampMs('2026-11-01T14:00:00.123+02:00'), MS);
  t.is(parseTimestampMs('2026-11-01T07:30:00.123-04:30'), MS);
  t.is(parseTimestampMs('2026-11-01t12:00:00.123z'), MS);
});

test('invalid timestamps are NaN', (t) => {
  for (const value of [
    '', 'yesterday', '2026-13-01T12:00:00Z', '2026-02-30T12:00:00Z', '2026-11-01T24:00:00Z', '2026-11-01T12:00:00',
    '2026-11-01T12:00:00.Z', '2026-11-01T12:00:00Zjunk', '2026-11-01 12:00', '1969-12-31T23:59:59Z', -5, 0, Number.NaN,
    Number.POSITIVE_INFINITY, null, true, {}, [], '12ab', '1e9',
  ]) {
    t.true(Number.isNaN(parseTimestampMs(value)), `expected NaN for ${JSON.stringify(value)}`);
  }
});

test('leap years', (t) => {
  t.is(parseTimestampMs('2028-02-29T00:00:00Z'), Date.UTC(2028, 1, 29));
  t.true(Number.isNaN(parseTimestampMs('2027-02-29T00:00:00Z')));
});
