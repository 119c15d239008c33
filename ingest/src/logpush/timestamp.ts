/**
 * Event time from a Logpush timestamp field, for every `timestamp_format` a job can use:
 *
 * | format      | example                              |
 * |-------------|--------------------------------------|
 * | `unixnano`  | `1793534400123456789` (JSON integer) |
 * | `unix`      | `1793534400` (JSON integer)          |
 * | `rfc3339`   | `"2026-11-01T12:00:00Z"`             |
 * | `rfc3339ms` | `"2026-11-01T12:00:00.123Z"`         |
 * | `rfc3339ns` | `"2026-11-01T12:00:00.123456789Z"`   |
 *
 * Integers are told apart by magnitude (seconds < 1e11 ≤ milliseconds < 1e14 ≤ microseconds
 * < 1e17 ≤ nanoseconds): every timestamp between 1973 and 5138 lands in its own band. A unixnano
 * integer does not fit a double exactly, but the error (≤ 256 ns) is far below a millisecond.
 * Integers sent as digit strings are accepted too. RFC 3339 text is parsed by hand (no Date.parse,
 * whose handling of more than three fraction digits is implementation-defined) and may carry a
 * numeric offset. The result is truncated to whole milliseconds; NaN means invalid.
 */

/** 10000-01-01T00:00:00Z: anything later is a corrupt field, not a timestamp. */
const MAX_MS = 253_402_300_800_000;
const CHAR_0 = 48;

export function parseTimestampMs(value: unknown): number {
  if (typeof value === 'number') return fromNumber(value);
  if (typeof value === 'string') {
    const length = value.length;
    if (length === 0) return NaN;
    // Dates start `YYYY-`; a digit string of other shape is a Unix integer.
    if (length >= 20 && value.charCodeAt(4) === 45) return fromRfc3339(value);
    return isDigits(value) ? fromNumber(Number(value)) : NaN;
  }
  return NaN;
}

function fromNumber(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return NaN;
  let ms: number;
  if (value < 1e11) ms = value * 1_000;
  else if (value < 1e14) ms = value;
  else if (value < 1e17) ms = value / 1_000;
  else ms = value / 1_000_000;
  ms = Math.floor(ms);
  return ms > 0 && ms < MAX_MS ? ms : NaN;
}

function isDigits(text: string): boolean {
  if (text.length > 20) return false;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - CHAR_0;
    if (digit < 0 || digit > 9) return false;
  }
  return true;
}

/** `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t`, `z` and a space separator are accepted. */
function fromRfc3339(text: string): number {
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return NaN;
  const separator = text.charCodeAt(10);
  if (text.charCodeAt(7) !== 45 || (separator !== 84 && separator !== 116 && separator !== 32)) return NaN;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return NaN;

  let i = 19;
  let millis = 0;
  if (text.charCodeAt(i) === 46) {
    i++;
    const fractionStart = i;
    while (i < text.length) {
      const digit = text.charCodeAt(i) - CHAR_0;
      if (digit < 0 || digit > 9) break;
      // Truncate to milliseconds: only the first three digits count.
      if (i - fractionStart < 3) millis = millis * 10 + digit;
      i++;
    }
    const fractionDigits = i - fractionStart;
    if (fractionDigits === 0) return NaN;
    if (fractionDigits === 1) millis *= 100;
    else if (fractionDigits === 2) millis *= 10;
  }

  let offsetMinutes = 0;
  const zone = text.charCodeAt(i);
  if (zone === 90 || zone === 122) {
    i++;
  } else if (zone === 43 || zone === 45) {
    const offsetHours = digits(text, i + 1, 2);
    const offsetMins = digits(text, i + 4, 2);
    if (offsetHours < 0 || offsetHours > 23 || offsetMins < 0 || offsetMins > 59 || text.charCodeAt(i + 3) !== 58) return NaN;
    offsetMinutes = (offsetHours * 60 + offsetMins) * (zone === 43 ? 1 : -1);
    i += 6;
  } else {
    return NaN;
  }
  if (i !== text.length) return NaN;
  // A leap second (:60) is folded into the next second, as Date does.
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return ms > 0 && ms < MAX_MS ? ms : NaN;
}

/** The decimal number of `count` digits at `start`, or -1. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - CHAR_0;
    if (!(digit >= 0 && digit <= 9)) return -1; // NaN (past the end) fails too
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
