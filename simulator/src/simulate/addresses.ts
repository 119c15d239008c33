/**
 * Client addresses for the simulator: IPv4 CIDR arithmetic (on core's parser), IPv6 addresses
 * inside a /32, the published crawler ranges (runtime's bot data), and an address book that keeps classes apart.
 *
 * The address book is what keeps the ground truth honest: an IP handed to one class is never
 * handed to another (a rotating scraper must not land on a human's address by chance), and no
 * address outside the verified crawlers falls inside their published ranges. Sharing happens
 * only where it is the point: carrier NATs and offices, humans on the same mobile /24, and in
 * worlds the NAT exits that app users, buyers and mobile proxies share (mode `shared`).
 */
import { formatIPv4, parseCidr, parseIPv4 } from '@botsieve/core';
import { loadCrawlerRanges, type CrawlerRanges } from '@botsieve/runtime';
import type { Random } from './random.js';
import type { TrafficClass } from './scenario.js';

/** An IPv4 CIDR for address arithmetic: the network address as a number and the prefix length. */
export interface Cidr {
  base: number;
  bits: number;
}

/** Verified crawler ranges (IPv4 CIDRs) the simulator draws crawler addresses from. */
export interface SimulatedCrawlerRanges {
  googlebot: string[];
  bingbot: string[];
  /** Where the ranges came from: a file path or `built-in`. */
  source: string;
}

/**
 * Used when the bot data has no Googlebot or Bingbot IPv4 ranges: Googlebot's classic block
 * (Google's googlebot.json lists /27s inside it) and the Bingbot /24s from Bing's bingbot.json.
 */
export const BUILT_IN_CRAWLER_RANGES: Readonly<SimulatedCrawlerRanges> = Object.freeze({
  googlebot: ['66.249.64.0/19'],
  bingbot: ['157.55.39.0/24', '207.46.13.0/24', '40.77.167.0/24'],
  source: 'built-in',
});

/**
 * The IPv4 CIDRs of the entries named like Googlebot and Bingbot in the bot data every tier
 * verifies crawlers with (runtime's loadCrawlerRanges: the shipped `runtime/data/crawlers.json`,
 * or `file`), in file order; the built-in ranges for a crawler the data has none for.
 */
export function simulatedCrawlerRanges(file?: string): SimulatedCrawlerRanges {
  const entries: CrawlerRanges[] = loadCrawlerRanges(file);
  const collect = (pattern: RegExp): string[] => {
    const out: string[] = [];
    for (const entry of entries) if (pattern.test(entry.name)) for (const cidr of entry.cidrs) if (ipv4Cidr(cidr) !== null) out.push(cidr);
    return out;
  };
  const ranges = (exact: RegExp, loose: RegExp, fallback: readonly string[]): string[] => {
    const named = collect(exact);
    if (named.length > 0) return named;
    const similar = collect(loose);
    return similar.length > 0 ? similar : [...fallback];
  };
  return {
    googlebot: ranges(/^googlebot$/i, /google/i, BUILT_IN_CRAWLER_RANGES.googlebot),
    bingbot: ranges(/^bingbot$/i, /bing/i, BUILT_IN_CRAWLER_RANGES.bingbot),
    source: file ?? 'runtime/data/crawlers.json',
  };
}

/** An IPv4 CIDR (core's parseCidr), or null for IPv6 (IPv4-mapped included) and malformed input. */
export function ipv4Cidr(text: string): Cidr | null {
  const range = parseCidr(text, 'as-ipv6');
  return range === null || range.version !== 4 ? null : { base: range.start, bits: range.bits };
}

/** A random host address inside the CIDR (not the network or broadcast address of its /24). */
export function randomIpv4In(cidr: Cidr, random: Random): string {
  const size = 2 ** (32 - cidr.bits);
  for (;;) {
    const value = cidr.base + Math.floor(random.float() * size);
    const last = value & 255;
    if (size <= 2 || (last !== 0 && last !== 255)) return formatIPv4(value);
  }
}

/** A random /24 (as a Cidr) inside a wider CIDR. */
export function randomSlash24In(cidr: Cidr, random: Random): Cidr {
  if (cidr.bits >= 24) return cidr;
  const blocks = 2 ** (24 - cidr.bits);
  return { base: cidr.base + Math.floor(random.float() * blocks) * 256, bits: 24 };
}

/**
 * An IPv6 address in `prefix` (a /32 written as two groups, e.g. `2607:fb90`): random /64 (the
 * household or handset) and random interface id, written the way Cloudflare logs it (RFC 5952,
 * lower case). Groups are drawn non-zero so no `::` compression is ever needed.
 */
export function randomIpv6In(prefix: string, random: Random): string {
  let out = prefix;
  for (let i = 0; i < 6; i++) out += `:${(1 + Math.floor(random.float() * 0xffff)).toString(16)}`;
  return out;
}

export type AllocationMode =
  /** Never used before by anyone: rotating proxies, fresh bots. */
  | 'fresh'
  /** May repeat an address this class already holds (humans on a carrier /24). */
  | 'same-class'
  /**
   * May repeat an address any class holds: carrier NAT exits that app users, release buyers and
   * mobile proxies all come out of (worlds only). The first class keeps the ownership.
   */
  | 'shared';

export class AddressBook {
  private readonly owners = new Map<string, TrafficClass>();
  /** Reserved ranges as [first, last] address pairs. */
  private readonly reserved: number[];

  /** `reserved`: ranges only their own class may use (the verified crawlers' published ranges). */
  constructor(reserved: readonly string[]) {
    this.reserved = [];
    for (const text of reserved) {
      const cidr = ipv4Cidr(text);
      if (cidr !== null) this.reserved.push(cidr.base, cidr.base + 2 ** (32 - cidr.bits) - 1);
    }
  }

  /** Addresses handed out so far. */
  get size(): number {
    return this.owners.size;
  }

  owner(ip: string): TrafficClass | undefined {
    return this.owners.get(ip);
  }

  /** Claims an address drawn by `draw` for `cls`, redrawing on conflict (gives up after 1,000 tries). */
  claim<T extends { ip: string }>(cls: TrafficClass, mode: AllocationMode, draw: () => T, allowReserved = false): T {
    for (let attempt = 0; attempt < 1_000; attempt++) {
      const address = draw();
      const owner = this.owners.get(address.ip);
      if (owner !== undefined && (mode === 'fresh' || (mode === 'same-class' && owner !== cls))) continue;
      if (!allowReserved && this.isReserved(address.ip)) continue;
      if (owner === undefined) this.owners.set(address.ip, cls);
      return address;
    }
    throw new Error(`address book: no free address for ${cls} after 1,000 draws; widen the pool`);
  }

  private isReserved(ip: string): boolean {
    if (this.reserved.length === 0 || ip.includes(':')) return false;
    const value = parseIPv4(ip); // −1 for anything else: never reserved
    const reserved = this.reserved;
    for (let i = 0; i < reserved.length; i += 2) if (value >= (reserved[i] as number) && value <= (reserved[i + 1] as number)) return true;
    return false;
  }
}
