/**
 * IPv4/IPv6 addresses and CIDRs as bigints: parsing, canonical text (dotted quad; RFC 5952 for
 * IPv6) and overlap tests, for the Cloudflare lists sink. Text is parsed and formatted by
 * `ip.ts`; this module adds the arithmetic.
 */
import { formatIpv6, parseIpv4, parseIpv6 } from './ip.js';

export interface Cidr {
  family: 4 | 6;
  /** Network address (host bits cleared). */
  network: bigint;
  length: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/** Parses an address (no suffix) into family and value; undefined when it is not one. A zone id (`%eth0`) is ignored. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  const octets = parseIpv4(text);
  if (octets !== null) return { family: 4, value: fromParts(octets, 8n) };
  const groups = parseIpv6(text.split('%', 1)[0] as string);
  if (groups !== null) return { family: 6, value: fromParts(groups, 16n) };
  return undefined;
}

/** Parses `addr` or `addr/len`; host bits are cleared. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = parseAddress(slash === -1 ? text : text.slice(0, slash));
  if (address === undefined) return undefined;
  const bits = BITS[address.family];
  let length: number = bits;
  if (slash !== -1) {
    const suffix = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(suffix)) return undefined;
    length = Number(suffix);
    if (length > bits) return undefined;
  }
  return { family: address.family, network: mask(address.value, length, bits), length };
}

/** Truncates a CIDR to at most `length` bits (e.g. an IPv6 client to its /64). */
export function truncate(cidr: Cidr, length: number): Cidr {
  if (cidr.length <= length) return cidr;
  return { family: cidr.family, network: mask(cidr.network, length, BITS[cidr.family]), length };
}

/** True when the two ranges share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const length = Math.min(a.length, b.length);
  const bits = BITS[a.family];
  return mask(a.network, length, bits) === mask(b.network, length, bits);
}

/** Canonical text as Cloudflare lists take it: no `/32` (IPv4 single address) suffix. */
export function formatCidr(cidr: Cidr): string {
  const address = cidr.family === 4 ? toParts(cidr.network, 4, 8n).join('.') : formatIpv6(toParts(cidr.network, 8, 16n));
  return cidr.length === BITS[cidr.family] && cidr.family === 4 ? address : `${address}/${cidr.length}`;
}

function mask(value: bigint, length: number, bits: number): bigint {
  const hostBits = BigInt(bits - length);
  return (value >> hostBits) << hostBits;
}

/** Octets (8 bits each) or groups (16 bits each), most significant first, as one number. */
function fromParts(parts: readonly number[], width: bigint): bigint {
  let value = 0n;
  for (const part of parts) value = (value << width) | BigInt(part);
  return value;
}

function toParts(value: bigint, count: number, width: bigint): number[] {
  const parts: number[] = [];
  const max = (1n << width) - 1n;
  for (let shift = width * BigInt(count - 1); shift >= 0n; shift -= width) parts.push(Number((value >> shift) & max));
  return parts;
}
