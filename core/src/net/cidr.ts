/**
 * CIDR text as inclusive ranges, on the parsers of ip.ts: parsing (host bits cleared, IPv4-mapped
 * IPv6 prefixes as the IPv4 prefix they map), canonical text, truncation and overlap. CidrSet
 * (cidr-set.ts) builds its lookup tables from these; the Cloudflare lists sink does its list
 * arithmetic with them.
 */
import { formatIPv4, formatIPv6, isIPv4Mapped, parseIPv4, parseIPv6 } from './ip.js';

/** One CIDR as an inclusive range of `bits` leading bits. IPv4: numbers; IPv6: 4 words each. */
export type CidrRange =
  | { version: 4; start: number; end: number; bits: number }
  | { version: 6; start: Uint32Array; end: Uint32Array; bits: number };

/** 32-bit network mask of the `bits` leading bits (any number: ≤ 0 is 0, ≥ 32 is all ones). */
export function mask32(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

const LENGTH = /^\d{1,3}$/;

/**
 * What an IPv4-mapped IPv6 prefix (`::ffff:0:0/96` and longer) is: `as-ipv4` (the default) the
 * IPv4 prefix it maps, so mapped and plain client addresses match the same ranges; `as-ipv6` the
 * IPv6 range it is written as (list arithmetic that must keep mapped addresses apart to refuse them).
 */
export type MappedPrefixes = 'as-ipv4' | 'as-ipv6';

/**
 * Parses `addr/len` (or a bare address: /32, /128). Host bits are cleared (`66.249.64.5/27` is
 * 66.249.64.0/27). IPv4-mapped IPv6 prefixes of length ≥ 96 become the IPv4 prefix they map
 * unless `mapped` is `as-ipv6`. Null when not a CIDR.
 */
export function parseCidr(text: string, mapped: MappedPrefixes = 'as-ipv4'): CidrRange | null {
  if (typeof text !== 'string') return null;
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  let bits = -1;
  if (slash >= 0) {
    const lengthText = text.slice(slash + 1);
    if (!LENGTH.test(lengthText)) return null;
    bits = Number(lengthText);
  }
  if (address.includes(':')) {
    const words = new Uint32Array(4);
    if (!parseIPv6(address, words)) return null;
    if (bits < 0) bits = 128;
    if (bits > 128) return null;
    if (mapped === 'as-ipv4' && isIPv4Mapped(words) && bits >= 96) return v4Range(words[3] as number, bits - 96);
    return v6Range(words, bits);
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
  return { version: 4, start, end: (start | ~mask) >>> 0, bits };
}

function v6Range(words: Uint32Array, bits: number): CidrRange {
  const start = new Uint32Array(4);
  const end = new Uint32Array(4);
  for (let w = 0; w < 4; w++) {
    const mask = mask32(bits - 32 * w);
    start[w] = ((words[w] as number) & mask) >>> 0;
    end[w] = (start[w]! | ~mask) >>> 0;
  }
  return { version: 6, start, end, bits };
}

/** The same range cut to at most `bits` leading bits (an IPv6 client to its /64); unchanged when already that wide. */
export function truncateCidr(range: CidrRange, bits: number): CidrRange {
  if (range.bits <= bits) return range;
  return range.version === 4 ? v4Range(range.start, bits) : v6Range(range.start, bits);
}

/** True when the two ranges share at least one address (never across families). */
export function cidrsOverlap(a: CidrRange, b: CidrRange): boolean {
  if (a.version === 4 && b.version === 4) return a.start <= b.end && b.start <= a.end;
  if (a.version === 6 && b.version === 6) return compareWords(a.start, 0, b.end, 0) <= 0 && compareWords(b.start, 0, a.end, 0) <= 0;
  return false;
}

/** Canonical text: `192.0.2.0/24`, `2001:db8::/32` (RFC 5952 address, always with its length). */
export function formatCidr(range: CidrRange): string {
  return `${range.version === 4 ? formatIPv4(range.start) : formatIPv6(range.start)}/${range.bits}`;
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
