/**
 * IP address and CIDR parsing for CidrSet and the rule compiler, written for the hot path:
 * `has(ip)` parses one address per event, so the parsers walk the string with charCodeAt and
 * write into caller-owned scratch arrays instead of splitting, matching regexes or building
 * BigInts (a split-based IPv6 parser allocated ~10 strings per call and cost ~0.6 µs).
 *
 * Representation: IPv4 is an unsigned 32-bit number; IPv6 is four big-endian unsigned 32-bit
 * words in a Uint32Array (words[0] holds the first two groups).
 *
 * Accepted text: dotted-quad IPv4 without leading zeros (`010.0.0.1` is ambiguous: octal in
 * some parsers, so it is rejected); IPv6 with `::` compression, upper or lower case hex, and an
 * embedded IPv4 tail (`::ffff:192.0.2.1`, `64:ff9b::192.0.2.1`). Zone ids (`fe80::1%eth0`) are
 * rejected: a client address never carries one.
 */

const COLON = 58;
const DOT = 46;

/** Reused by parseIPv6 (single-threaded, never re-entered). */
const groups = new Uint16Array(8);

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Dotted-quad IPv4 in `s[start, end)` as an unsigned 32-bit number; −1 when not one. */
export function parseIPv4(s: string, start = 0, end = s.length): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - 48);
      digits += 1;
      if (octet > 255) return -1;
    } else if (c === DOT) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      dots += 1;
      octet = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

/** IPv6 text into `out` (4 words); false (out unspecified) when not an IPv6 address. */
export function parseIPv6(s: string, out: Uint32Array): boolean {
  const n = s.length;
  if (n < 2 || n > 45) return false;
  let i = 0;
  let count = 0;
  let gap = -1;
  if (s.charCodeAt(0) === COLON) {
    if (s.charCodeAt(1) !== COLON) return false;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    if (count === 8) return false;
    let value = 0;
    let digits = 0;
    let j = i;
    while (j < n) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) break;
      if (++digits > 4) return false;
      value = value * 16 + h;
      j += 1;
    }
    if (j < n && s.charCodeAt(j) === DOT) {
      // Embedded IPv4: the last 32 bits, so it must end the string.
      if (count > 6) return false;
      const v4 = parseIPv4(s, i, n);
      if (v4 < 0) return false;
      groups[count++] = Math.floor(v4 / 65_536);
      groups[count++] = v4 % 65_536;
      i = n;
      break;
    }
    if (digits === 0) return false;
    groups[count++] = value;
    if (j === n) break;
    if (s.charCodeAt(j) !== COLON) return false;
    j += 1;
    if (j === n) return false; // a single trailing colon
    if (s.charCodeAt(j) === COLON) {
      if (gap >= 0) return false; // a second `::`
      gap = count;
      j += 1;
    }
    i = j;
  }
  if (gap < 0) {
    if (count !== 8) return false;
  } else {
    if (count > 7) return false;
    // Shift the groups after `::` to the end (right shift: copy from the last one back).
    const tail = count - gap;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[count - 1 - k] as number;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  }
  for (let w = 0; w < 4; w++) out[w] = ((groups[2 * w] as number) * 65_536 + (groups[2 * w + 1] as number)) >>> 0;
  return true;
}

/** True when the words are an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`); words[3] is the IPv4. */
export function isIPv4Mapped(words: Uint32Array): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

/** 32-bit network mask of the `bits` leading bits (0–32). */
export function mask32(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/** One CIDR as an inclusive range. IPv4: numbers; IPv6: 4 words each. */
export type CidrRange = { version: 4; start: number; end: number } | { version: 6; start: Uint32Array; end: Uint32Array };

/**
 * Parses `addr/len` (or a bare address: /32, /128). Host bits are cleared (`66.249.64.5/27` is
 * 66.249.64.0/27). IPv4-mapped IPv6 prefixes of length ≥ 96 become the IPv4 prefix they map, so
 * mapped and plain client addresses match the same ranges. Null when not a CIDR.
 */
export function parseCidr(text: string): CidrRange | null {
  if (typeof text !== 'string') return null;
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  let bits = -1;
  if (slash >= 0) {
    const lengthText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lengthText)) return null;
    bits = Number(lengthText);
  }
  if (address.includes(':')) {
    const words = new Uint32Array(4);
    if (!parseIPv6(address, words)) return null;
    if (bits < 0) bits = 128;
    if (bits > 128) return null;
    if (isIPv4Mapped(words) && bits >= 96) return v4Range(words[3] as number, bits - 96);
    const start = new Uint32Array(4);
    const end = new Uint32Array(4);
    for (let w = 0; w < 4; w++) {
      const mask = mask32(bits - 32 * w);
      start[w] = ((words[w] as number) & mask) >>> 0;
      end[w] = (start[w]! | ~mask) >>> 0;
    }
    return { version: 6, start, end };
  }
  const ip = parseIPv4(address);
  if (ip < 0) return null;
  if (bits < 0) bits = 32;
  if (bits > 32) return null;
  return v4Range(ip, bits);
}

function v4Range(ip: number, bits: number): CidrRange {
  const mask = mask32(bits);
  const start = (ip & mask) >>> 0;
  return { version: 4, start, end: (start | ~mask) >>> 0 };
}

/** −1, 0 or 1: a (4 words at `ai`) compared with b (4 words at `bi`). */
export function compareWords(a: Uint32Array, ai: number, b: Uint32Array, bi: number): number {
  for (let w = 0; w < 4; w++) {
    const x = a[ai + w] as number;
    const y = b[bi + w] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
