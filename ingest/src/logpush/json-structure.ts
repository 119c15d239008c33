/**
 * Structural scanning of JSON text before it is parsed: nesting depth, and the spans of an
 * array's elements or an object's members, each with its own depth.
 *
 * Why: `JSON.parse` itself copes with deep nesting, but a 16 MiB message of `[` inflates to
 * millions of nested arrays, and everything recursive after the parse (`JSON.stringify` of a dead
 * letter) overflows the stack. Bounding the depth before parsing, per element, lets the other
 * events of a batch through while the deep one is dead-lettered (`json_too_deep`).
 *
 * The scanner checks structure only (brackets, strings, commas and colons at the levels it walks);
 * `JSON.parse` of each span validates the rest. Strings are skipped with `indexOf` (native), so
 * the cost is dominated by the few structural bytes between strings.
 */

import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './json-bytes.js';

function isWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipWhitespace(bytes: Buffer, i: number, end: number): number {
  while (i < end && isWhitespace(bytes[i])) i++;
  return i;
}

/** From the opening quote at `i`: the index just past the closing quote, or -1. */
function skipString(bytes: Buffer, i: number, end: number): number {
  let from = i + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote === -1 || quote >= end) return -1;
    let backslashes = 0;
    for (let k = quote - 1; k > i && bytes[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Scanner state: the depth of the value `skipValue` last walked (0 for scalars and strings). */
class Scanner {
  depth = 0;

  /** From the first byte of a value at `i`: the index just past it, or -1 when malformed. */
  skipValue(bytes: Buffer, i: number, end: number): number {
    this.depth = 0;
    if (i >= end) return -1;
    const first = bytes[i];
    if (first === QUOTE) return skipString(bytes, i, end);
    if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
      while (i < end) {
        const byte = bytes[i];
        if (byte === COMMA || byte === CLOSE_BRACKET || byte === CLOSE_BRACE || isWhitespace(byte)) break;
        i++;
      }
      return i;
    }
    let depth = 0;
    let deepest = 0;
    while (i < end) {
      const byte = bytes[i];
      if (byte === QUOTE) {
        i = skipString(bytes, i, end);
        if (i === -1) return -1;
        continue;
      }
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        depth++;
        if (depth > deepest) deepest = depth;
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          this.depth = deepest;
          return i + 1;
        }
      }
      i++;
    }
    return -1;
  }
}

const scanner = new Scanner();

/**
 * True when the JSON text in bytes [start, end) nests objects and arrays deeper than `limit`.
 * Cheap on ordinary lines: the brackets are counted first with native indexOf, and only a line
 * with more brackets than the limit is walked byte by byte (strings skipped). Measured on the
 * bench's 1.4 kB Logpush lines: 0.25 µs per line, against 3.3 µs for its toString + JSON.parse.
 */
export function exceedsDepth(bytes: Buffer, start: number, end: number, limit: number): boolean {
  const view = bytes.subarray(start, end);
  let count = 0;
  for (let i = view.indexOf(OPEN_BRACE); i !== -1 && count <= limit; i = view.indexOf(OPEN_BRACE, i + 1)) count++;
  for (let i = view.indexOf(OPEN_BRACKET); i !== -1 && count <= limit; i = view.indexOf(OPEN_BRACKET, i + 1)) count++;
  if (count <= limit) return false;
  return nestingDepth(view, 0, view.length) > limit;
}

/** Deepest nesting of objects and arrays among the values in bytes [start, end) (-1: malformed). */
export function nestingDepth(bytes: Buffer, start: number, end: number): number {
  let deepest = 0;
  let i = skipWhitespace(bytes, start, end);
  while (i < end) {
    const next = scanner.skipValue(bytes, i, end);
    if (next === -1 || next === i) return next === -1 ? -1 : deepest;
    if (scanner.depth > deepest) deepest = scanner.depth;
    i = skipWhitespace(bytes, next, end);
  }
  return deepest;
}

/**
 * Calls `element(start, end, depth)` for every element of the JSON array that starts at the first
 * non-blank byte of [start, end). Returns null, or what is wrong with the array's structure.
 * Trailing bytes after the array must be blank.
 */
export function forEachArrayElement(bytes: Buffer, start: number, end: number, element: (start: number, end: number, depth: number) => boolean | void): string | null {
  let i = skipWhitespace(bytes, start, end);
  if (bytes[i] !== OPEN_BRACKET) return 'not a JSON array';
  i = skipWhitespace(bytes, i + 1, end);
  if (bytes[i] === CLOSE_BRACKET) return trailing(bytes, i + 1, end);
  for (;;) {
    const next = scanner.skipValue(bytes, i, end);
    if (next === -1 || next === i) return `malformed array element at byte ${i - start}`;
    if (element(i, next, scanner.depth) === false) return null;
    i = skipWhitespace(bytes, next, end);
    if (bytes[i] === CLOSE_BRACKET) return trailing(bytes, i + 1, end);
    if (bytes[i] !== COMMA) return `expected , or ] at byte ${i - start}`;
    i = skipWhitespace(bytes, i + 1, end);
  }
}

/**
 * Calls `member(key, start, end, depth)` for every member of the JSON object in [start, end)
 * (`key` is the raw text between the quotes). Returns null, or what is wrong with its structure.
 */
export function forEachObjectMember(bytes: Buffer, start: number, end: number, member: (key: string, start: number, end: number, depth: number) => void): string | null {
  let i = skipWhitespace(bytes, start, end);
  if (bytes[i] !== OPEN_BRACE) return 'not a JSON object';
  i = skipWhitespace(bytes, i + 1, end);
  if (bytes[i] === CLOSE_BRACE) return trailing(bytes, i + 1, end);
  for (;;) {
    if (bytes[i] !== QUOTE) return `expected a key at byte ${i - start}`;
    const keyEnd = skipString(bytes, i, end);
    if (keyEnd === -1) return 'unterminated key';
    const key = bytes.toString('utf8', i + 1, keyEnd - 1);
    i = skipWhitespace(bytes, keyEnd, end);
    if (bytes[i] !== COLON) return `expected : at byte ${i - start}`;
    i = skipWhitespace(bytes, i + 1, end);
    const next = scanner.skipValue(bytes, i, end);
    if (next === -1 || next === i) return `malformed value of "${key.slice(0, 64)}"`;
    member(key, i, next, scanner.depth);
    i = skipWhitespace(bytes, next, end);
    if (bytes[i] === CLOSE_BRACE) return trailing(bytes, i + 1, end);
    if (bytes[i] !== COMMA) return `expected , or } at byte ${i - start}`;
    i = skipWhitespace(bytes, i + 1, end);
  }
}

function trailing(bytes: Buffer, i: number, end: number): string | null {
  return skipWhitespace(bytes, i, end) === end ? null : 'unexpected bytes after the value';
}

/**
 * The elements of the JSON array in [start, end) as flat triples (start, end, depth), or what is
 * wrong with the array's structure. Collected before anything is published, so a body whose
 * structure breaks half-way publishes nothing.
 */
export function arrayElements(bytes: Buffer, start: number, end: number): number[] | string {
  const spans: number[] = [];
  const problem = forEachArrayElement(bytes, start, end, (from, to, depth) => {
    spans.push(from, to, depth);
  });
  return problem ?? spans;
}
