/**
 * Which verdict subjects can be enforced at the edge, and as what list value.
 *
 * `ip:` IPv4 → the address; `ip:` IPv6 → its /64 (one client owns a /64, and Cloudflare lists
 * take IPv6 only as CIDRs up to /64); `prefix:` → the CIDR (IPv4 /8–/32, IPv6 /4–/64, longer
 * IPv6 prefixes widened to their /64); `asn:` → the number; `ja4:` → the fingerprint, only with
 * Bot Management. `ua:` subjects are enforced by a rule on `http.user_agent`, not by lists.
 * `ipua:` (one user agent on one address) is not enforceable here: a list holds addresses, not
 * (address, user agent) pairs, and pushing the address would stop everyone behind it, the people
 * the verdict was narrowed to spare (the Worker and the origins enforce it).
 *
 * Never pushed, whatever the verdicts say: private, loopback, link-local, CGNAT, unspecified,
 * multicast and reserved ranges (a client there is inside the operator's own network or spoofed),
 * private-use ASNs, and the configured `never_push` safelist. A range is refused when it merely
 * overlaps one of those: pushing 10.0.0.0/7 would block 10/8. Documentation ranges
 * (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are deliberately NOT excluded:
 * they are public-shaped and every test and example uses them.
 */
import { cidrsOverlap, formatCidr, parseCidr, subjectKind, subjectValue, truncateCidr, type CidrRange, type SubjectKey } from '@botsieve/core';

export type TargetKind = 'ip' | 'asn' | 'ja4';

/** A list value (or JA4 rule value) in canonical form. */
export interface Target {
  kind: TargetKind;
  value: string;
}

export type SkipReason = 'not_enforceable' | 'never_push' | 'invalid_subject';

/**
 * A list CIDR: IPv4-mapped IPv6 stays IPv6 here, so that `::ffff:0:0/96` below refuses mapped
 * subjects (enforce the IPv4 address instead) rather than reading as 0.0.0.0/0.
 */
function parseListCidr(text: string): CidrRange | null {
  return parseCidr(text, 'as-ipv6');
}

/** Canonical text as Cloudflare lists take it: a single IPv4 address without `/32`, everything else with its length. */
function listValue(range: CidrRange): string {
  const text = formatCidr(range);
  return range.version === 4 && range.bits === 32 ? text.slice(0, -3) : text;
}

const NEVER_PUSH_RANGES: readonly CidrRange[] = [
  '0.0.0.0/8', // "this network", includes unspecified
  '10.0.0.0/8', // RFC 1918
  '100.64.0.0/10', // CGNAT
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local
  '172.16.0.0/12', // RFC 1918
  '192.168.0.0/16', // RFC 1918
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, includes broadcast
  '::/128', // unspecified
  '::1/128', // loopback
  '::ffff:0:0/96', // IPv4-mapped: enforce the IPv4 address instead
  'fc00::/7', // unique local
  'fe80::/10', // link-local
  'ff00::/8', // multicast
].map((text) => parseListCidr(text) as CidrRange);

/** Private-use ASNs (RFC 6996), AS_TRANS and the last ASNs of each range (RFC 7300). */
function reservedAsn(asn: number): boolean {
  return asn === 23_456 || (asn >= 64_512 && asn <= 65_535) || asn >= 4_200_000_000;
}

const JA4_PATTERN = /^[A-Za-z0-9_]{1,100}$/;
const ASN_PATTERN = /^\d{1,10}$/;

export interface NeverPush {
  cidrs: readonly string[];
  asns: readonly number[];
  ja4s: readonly string[];
}

export class SubjectClassifier {
  private readonly ranges: CidrRange[];
  private readonly asns: ReadonlySet<number>;
  private readonly ja4s: ReadonlySet<string>;

  /** Throws on a `never_push` CIDR that does not parse (configuration error, caught at start-up). */
  constructor(neverPush: NeverPush, private readonly botManagement: boolean) {
    this.ranges = [...NEVER_PUSH_RANGES];
    for (const text of neverPush.cidrs) {
      const cidr = parseListCidr(text);
      if (cidr === null) throw new Error(`never_push.cidrs: '${text}' is not an IP address or CIDR`);
      this.ranges.push(cidr);
    }
    this.asns = new Set(neverPush.asns);
    this.ja4s = new Set(neverPush.ja4s);
  }

  /** The list value a subject is enforced as, or why it is not pushed. */
  classify(subject: SubjectKey): Target | SkipReason {
    const kind = subjectKind(subject);
    const body = subjectValue(subject);
    switch (kind) {
      case 'ip':
      case 'prefix':
        return this.classifyIp(kind, body);
      case 'asn': {
        if (!ASN_PATTERN.test(body)) return 'invalid_subject';
        const asn = Number(body);
        if (asn === 0 || asn > 4_294_967_295) return 'invalid_subject';
        if (reservedAsn(asn) || this.asns.has(asn)) return 'never_push';
        return { kind: 'asn', value: String(asn) };
      }
      case 'ja4':
        if (!this.botManagement) return 'not_enforceable';
        if (!JA4_PATTERN.test(body)) return 'invalid_subject';
        return this.ja4s.has(body) ? 'never_push' : { kind: 'ja4', value: body };
      case 'ipua':
        return 'not_enforceable';
      default:
        return 'not_enforceable';
    }
  }

  private classifyIp(kind: 'ip' | 'prefix', body: string): Target | SkipReason {
    if (kind === 'ip' && body.includes('/')) return 'invalid_subject';
    const parsed = parseListCidr(body);
    if (parsed === null) return 'invalid_subject';
    // Cloudflare takes IPv4 /8–/32 and IPv6 /4–/64; a single IPv6 client goes in as its /64.
    if (parsed.version === 4 && parsed.bits < 8) return 'not_enforceable';
    if (parsed.version === 6 && parsed.bits < 4) return 'not_enforceable';
    const cidr = parsed.version === 6 ? truncateCidr(parsed, 64) : parsed;
    for (const range of this.ranges) if (cidrsOverlap(cidr, range)) return 'never_push';
    return { kind: 'ip', value: listValue(cidr) };
  }
}

/** Canonical form of an IP list value read back from Cloudflare; undefined when it does not parse. */
export function canonicalIpValue(text: string): string | undefined {
  const cidr = parseListCidr(text);
  return cidr === null ? undefined : listValue(cidr);
}

export function isTarget(result: Target | SkipReason): result is Target {
  return typeof result !== 'string';
}
