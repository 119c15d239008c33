/**
 * IPv4/IPv6 addresses and CIDRs as bigints: parsing, canonical text (dotted quad; RFC 5952 for
 * IPv6), and overlap tests. Only what the Cloudflare lists sink needs.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  /** Network address (host bits cleared). */
  network: bigint;
  length: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/** Parses an address (no suffix) into family and value; undefined when it is not one. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  if (isIPv4(text)) return { family: 4, value: parseV4(text) };
  const bare = text.split('%', 1)[0] as string;
  if (isIPv6(bare)) return { family: 6, value: parseV6(bare) };
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
  const address = cidr.family === 4 ? formatV4(cidr.network) : formatV6(cidr.network);
  return cidr.length === BITS[cidr.family] && cidr.family === 4 ? address : `${address}/${cidr.length}`;
}

function mask(value: bigint, length: number, bits: number): bigint {
  const hostBits = BigInt(bits - length);
  return (value >> hostBits) << hostBits;
}

function parseV4(text: string): bigint {
  let value = 0n;
  for (const part of text.split('.')) value = (value << 8n) | BigInt(Number(part));
  return value;
}

function parseV6(text: string): bigint {
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left, right] = head.split('::') as [string, string | undefined];
  const leftGroups = left === '' ? [] : left.split(':');
  const rightGroups = right === undefined || right === '' ? [] : right.split(':');
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups = right === undefined ? leftGroups : [...leftGroups, ...Array<string>(missing).fill('0'), ...rightGroups];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(parseInt(group, 16));
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`, first on a tie. */
function formatV6(value: bigint): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
