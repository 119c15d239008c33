/**
 * IP address text for the sinks: strict parsing of IPv4 and IPv6 into octets and groups, RFC 5952
 * formatting, and the canonical client IP and prefix that subjects are spelled with.
 *
 * `canonicalIp` must match ingest's canonical form byte for byte, or a lookup misses the verdict.
 * It mirrors `ingest/src/logpush/ip.ts` (the sinks package does not depend on ingest); a
 * differential test checks both agree. Rules: IPv4 dotted quad without leading zeros, prefix /24;
 * IPv6 in RFC 5952 text, prefix /64; IPv4-mapped IPv6 (`::ffff:a.b.c.d`, which Node reports as
 * `remoteAddress` on dual-stack sockets) becomes the IPv4 address; zone ids are rejected.
 * CIDR arithmetic (the Cloudflare lists) is in `cidr.ts`, on top of these parsers.
 */

export interface CanonicalIp {
  ip: string;
  /** /24 (IPv4) or /64 (IPv6) in canonical CIDR. */
  prefix: string;
}

const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** Canonical IP and prefix, or null when `text` is not an IP address. */
export function canonicalIp(text: string): CanonicalIp | null {
  if (text.length === 0 || text.length > 45) return null;
  if (!text.includes(':')) {
    const octets = parseIpv4(text);
    return octets === null ? null : { ip: text, prefix: `${octets[0]}.${octets[1]}.${octets[2]}.0/24` };
  }
  const groups = parseIpv6(text);
  if (groups === null) return null;
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    const high = groups[6] ?? 0;
    const low = groups[7] ?? 0;
    const net = `${high >>> 8}.${high & 0xff}.${low >>> 8}`;
    return { ip: `${net}.${low & 0xff}`, prefix: `${net}.0/24` };
  }
  return { ip: formatIpv6(groups), prefix: `${formatIpv6([...groups.slice(0, 4), 0, 0, 0, 0])}/64` };
}

/** The 4 octets of a dotted quad without leading zeros, or null. */
export function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    if (!DECIMAL_OCTET.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    octets.push(value);
  }
  return octets;
}

/** The 8 groups of an IPv6 address (no zone id), or null. Only the very last piece may be a dotted IPv4 (two groups). */
export function parseIpv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '', true) : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  // `::` stands for at least one zero group.
  if (head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

function parseGroups(text: string, mayEndInIpv4: boolean): number[] | null {
  if (text === '') return [];
  const pieces = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < pieces.length; i += 1) {
    const piece = pieces[i] ?? '';
    if (mayEndInIpv4 && i === pieces.length - 1 && piece.includes('.')) {
      const octets = parseIpv4(piece);
      if (octets === null) return null;
      groups.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
    } else {
      if (!HEX_GROUP.test(piece)) return null;
      groups.push(parseInt(piece, 16));
    }
  }
  return groups;
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`, the first on a tie. */
export function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
