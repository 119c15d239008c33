/**
 * The safelist: clients and subjects botsieve must never act on (own offices, monitoring,
 * partners, internal traffic). Its schema is the detectors' `detect.safelist` section; the same
 * compiled Safelist answers for a client (ClientExemption: its address and ASN) and for a verdict's
 * subject (the detectors' fusion drops verdicts about safelisted subjects: `subject()` answers for
 * every kind of subject a verdict can be about).
 *
 * Everything is compiled once at construction (range sets, id sets); lookups allocate nothing
 * except `subject()` of a `prefix:`, which parses the prefix.
 */
import { z } from 'zod';
import { CidrSet, parseCidr, parseIpuaSubject, subjectKind, subjectValue, type SubjectKey } from '@botsieve/core';
import { PRIVATE_SET } from './private-ranges.js';

/** The safelist section's fields (see `safelistConfigSchema` for the section itself). */
export const safelistConfigObject = z.strictObject({
  /** Addresses and CIDRs (IPv4, IPv6) whose traffic is never acted on. */
  cidrs: z
    .array(z.string().refine((c) => parseCidr(c) !== null, { message: 'not an IPv4/IPv6 address or CIDR' }))
    .default([])
    .describe('Addresses and CIDRs (IPv4, IPv6) whose traffic is never acted on.'),
  /** Autonomous system numbers whose traffic is never acted on (e.g. your own network). */
  asns: z.array(z.number().int().positive().max(4_294_967_295)).default([]).describe('Autonomous system numbers whose traffic is never acted on.'),
  /**
   * JA4 TLS fingerprints never acted on (e.g. your own monitoring client): no verdict is issued
   * about them. A fingerprint is shared by every client of a TLS stack, so it does not exempt the
   * clients that send it from verdicts about their address or network.
   */
  ja4: z.array(z.string().min(1)).default([]).describe('JA4 TLS fingerprints never acted on (e.g. your own monitoring client).'),
  /** Never act on private, loopback, link-local, CGNAT and reserved addresses (PRIVATE_RANGES). */
  private_ranges: z.boolean().default(true).describe('Never act on private, loopback, link-local, CGNAT and reserved addresses.'),
  /** Known-bot ranges file (crawlers.json format: crawlers, monitors, previews); null: the data shipped with botsieve. */
  crawlers_file: z.string().min(1).nullable().default(null).describe('Crawler ranges file (crawlers.json format); null: the data shipped with botsieve.'),
});

/** The `safelist` section: every field has a default, so the section may be omitted. */
export const safelistConfigSchema = safelistConfigObject.prefault({});

export type SafelistConfig = z.output<typeof safelistConfigSchema>;

/** The defaults: nothing listed, private ranges on, the shipped bot data. */
export const DEFAULT_SAFELIST: Readonly<SafelistConfig> = Object.freeze(safelistConfigSchema.parse({}));

/**
 * `crawlers_file` is not read here: whoever builds the ClientExemption loads it once into the
 * CrawlerDirectory it shares between every consumer in the process.
 */
export class Safelist {
  private readonly ranges: CidrSet;
  private readonly privateRanges: boolean;
  private readonly asns: ReadonlySet<number>;
  private readonly ja4s: ReadonlySet<string>;

  /** Builds the sets once (boot time); the config is already validated. */
  constructor(config: SafelistConfig = DEFAULT_SAFELIST) {
    this.ranges = new CidrSet(config.cidrs);
    this.privateRanges = config.private_ranges;
    this.asns = new Set(config.asns);
    this.ja4s = new Set(config.ja4);
  }

  /** The address is in a configured range, or private while `private_ranges` is on. */
  ip(ip: string): boolean {
    return this.ranges.has(ip) || (this.privateRanges && PRIVATE_SET.has(ip));
  }

  /** The address is in a configured range (not counting the private ones). */
  configuredIp(ip: string): boolean {
    return this.ranges.has(ip);
  }

  /** The address is private and `private_ranges` is on. */
  privateIp(ip: string): boolean {
    return this.privateRanges && PRIVATE_SET.has(ip);
  }

  /** The ASN is listed (0, unknown, never is). */
  asn(asn: number): boolean {
    return asn !== 0 && this.asns.has(asn);
  }

  /** The JA4 fingerprint is listed. */
  ja4(fingerprint: string | null): boolean {
    return fingerprint !== null && this.ja4s.has(fingerprint);
  }

  /**
   * Whether a verdict about `subject` must be dropped:
   * - `ip:` the address is safelisted (see `ip`); `ipua:` (one user agent on an address, a client
   *   like `ip:`) its address is;
   * - `prefix:` the prefix overlaps a safelisted range or (with `private_ranges`) a private one:
   *   acting on a /24 would also hit the safelisted addresses inside it;
   * - `asn:` the ASN is listed; `ja4:` the fingerprint is listed.
   */
  subject(subject: SubjectKey): boolean {
    const value = subjectValue(subject);
    switch (subjectKind(subject)) {
      case 'ip':
        return this.ip(value);
      case 'ipua': {
        const pair = parseIpuaSubject(subject);
        return pair !== null && this.ip(pair.ip);
      }
      case 'prefix':
        return this.ranges.overlaps(value) || (this.privateRanges && PRIVATE_SET.overlaps(value));
      case 'asn': {
        const asn = Number(value);
        return Number.isInteger(asn) && this.asn(asn);
      }
      case 'ja4':
        return this.ja4s.has(value);
      default:
        return false;
    }
  }
}
