/**
 * Readers of the formats operators publish their addresses in, for `botsieve crawlers refresh`.
 * Each one returns the addresses verbatim (IPv4 first, then IPv6, in published order, duplicates
 * removed) and throws ERR_EXEMPTION_REFRESH when the body is not that format, holds anything that
 * is not an address or CIDR, or is empty: an operator's maintenance page or an empty answer must
 * never replace good data (an empty list would un-verify the bot).
 *
 * - `google-json`: Google (googlebot.json), Bing (bingbot.json), Apple (applebot.json):
 *   `{"creationTime": …, "prefixes": [{"ipv4Prefix": …} | {"ipv6Prefix": …}]}`.
 * - `lines`: one address or CIDR per line (UptimeRobot's IPv4andIPv6.txt, Better Stack's ips.txt,
 *   Pingdom's probes/ipv4 and probes/ipv6); blank lines and `#` comments are skipped, CRLF is fine.
 * - `statuscake-json`: StatusCake's locations, an object keyed by index whose values carry `ip`
 *   and `ipv6` (empty when the location has none).
 */
import { BotsieveError } from '@botsieve/core';
import { EXEMPTION_ERRORS } from './errors.js';
import { parseCidr } from '@botsieve/core';
import type { SourceFormat } from './known-bots.js';

/** What a published range list holds. */
export interface PublishedRanges {
  /** The list's own creation time, null when it carries none. */
  published_at: string | null;
  /** IPv4 then IPv6 entries in published order, duplicates removed. */
  cidrs: string[];
}

function formatError(publisher: string, why: string): BotsieveError {
  return new BotsieveError(EXEMPTION_ERRORS.ERR_EXEMPTION_REFRESH.code, `${publisher} range list: ${why}`);
}

/** Collects entries by family; throws on the first one that is not an address or CIDR. */
class Collector {
  private readonly v4: string[] = [];
  private readonly v6: string[] = [];

  constructor(private readonly publisher: string) {}

  add(text: string, where: string): void {
    const range = parseCidr(text);
    if (range === null) throw formatError(this.publisher, `${where} is not an address or CIDR: ${JSON.stringify(text.slice(0, 80))}`);
    (range.version === 4 ? this.v4 : this.v6).push(text);
  }

  done(published_at: string | null): PublishedRanges {
    const cidrs = [...new Set([...this.v4, ...this.v6])];
    if (cidrs.length === 0) throw formatError(this.publisher, 'no prefixes');
    return { published_at, cidrs };
  }
}

function parsePrefixList(json: unknown, publisher: string): PublishedRanges {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { prefixes?: unknown }).prefixes)) throw formatError(publisher, 'expected {"prefixes": [...]}');
  const doc = json as { creationTime?: unknown; prefixes: unknown[] };
  const out = new Collector(publisher);
  doc.prefixes.forEach((entry, index) => {
    const prefix = entry as { ipv4Prefix?: unknown; ipv6Prefix?: unknown } | null;
    const text = prefix?.ipv4Prefix ?? prefix?.ipv6Prefix;
    if (typeof text !== 'string') throw formatError(publisher, `prefixes[${index}] is not {"ipv4Prefix"|"ipv6Prefix": CIDR}`);
    out.add(text, `prefixes[${index}]`);
  });
  return out.done(typeof doc.creationTime === 'string' ? doc.creationTime : null);
}

/** Google's googlebot.json (developers.google.com/static/search/apis/ipranges/googlebot.json). */
export function parseGoogleStyleRanges(json: unknown): PublishedRanges {
  return parsePrefixList(json, 'Google-style');
}

/** Bing's bingbot.json (www.bing.com/toolbox/bingbot.json): the same shape, IPv4 only today. */
export function parseBingStyleRanges(json: unknown): PublishedRanges {
  return parsePrefixList(json, 'Bing-style');
}

/** One address or CIDR per line. */
export function parseAddressLines(text: string, publisher = 'line'): PublishedRanges {
  if (typeof text !== 'string') throw formatError(publisher, 'expected text');
  const out = new Collector(publisher);
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    out.add(line, `line ${index + 1}`);
  });
  return out.done(null);
}

/** StatusCake's locations JSON: `{"1": {"ip": "…", "ipv6": "…", …}, …}`. */
export function parseStatusCakeLocations(json: unknown): PublishedRanges {
  const publisher = 'StatusCake locations';
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw formatError(publisher, 'expected an object of locations keyed by index');
  const out = new Collector(publisher);
  const ipv6: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const location = value as { ip?: unknown; ipv6?: unknown } | null;
    if (typeof location?.ip !== 'string' || (location.ipv6 !== undefined && typeof location.ipv6 !== 'string')) throw formatError(publisher, `location ${key} has no "ip" string`);
    out.add(location.ip.trim(), `location ${key} ip`);
    if (typeof location.ipv6 === 'string' && location.ipv6.trim() !== '') ipv6.push([key, location.ipv6.trim()]);
  }
  for (const [key, address] of ipv6) out.add(address, `location ${key} ipv6`);
  return out.done(null);
}

/** Reads `body` (as fetched) in `format`; `asn` has no list to read. */
export function parsePublication(format: Exclude<SourceFormat, 'asn'>, body: string, publisher: string): PublishedRanges {
  if (format === 'lines') return parseAddressLines(body, publisher);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new BotsieveError(EXEMPTION_ERRORS.ERR_EXEMPTION_REFRESH.code, `${publisher}: not JSON (${(cause as Error).message})`, { cause });
  }
  return format === 'statuscake-json' ? parseStatusCakeLocations(json) : parsePrefixList(json, publisher);
}
