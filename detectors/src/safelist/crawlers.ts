/**
 * Good crawlers and the networks they publish: which crawler a user agent claims to be, and
 * whether a client address is really that crawler's.
 *
 * The ranges ship as data (`detectors/data/crawlers.json`, one entry per crawler: name, UA
 * pattern, the URL its operator publishes ranges at, when they were published and fetched,
 * CIDRs) and are refreshed with `botsieve crawlers refresh` (refresh.ts). Google, Bing and Apple
 * publish the same JSON shape: `{"creationTime": …, "prefixes": [{"ipv4Prefix"}|{"ipv6Prefix"}]}`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BotsieveError } from '@botsieve/core';
import { DETECTOR_ERRORS } from '../errors.js';
import { detectorsPackageRoot } from '../package-root.js';
import { parseOrThrow } from '../parse-or-throw.js';
import { CidrSet } from './cidr-set.js';
import { parseCidr } from './ip-address.js';

/** A regex source that compiles (case-insensitive). */
const regexSource = z.string().min(1).refine(
  (source) => {
    try {
      new RegExp(source, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

export const crawlerRangesSchema = z.strictObject({
  /** Crawler name, lower case: what `claimed_crawler` and rules see (`googlebot`). */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _').describe('Crawler name, lower case (`googlebot`).'),
  /** Regex source matched case-insensitively against the user agent: the UA claims this crawler. */
  ua_pattern: regexSource.describe('Regex source matched case-insensitively against the user agent.'),
  /** Where the operator publishes the ranges (Google-style JSON): the default refresh source. */
  source_url: z.url({ protocol: /^https?$/ }).describe('Where the operator publishes the ranges (Google-style JSON).'),
  /** The list's own `creationTime`, as published; null when unknown. */
  published_at: z.string().nullable().default(null).describe('The published list\'s own creationTime; null when unknown.'),
  /** When these ranges were fetched (ISO 8601). */
  fetched_at: z.string().min(1).describe('When these ranges were fetched (ISO 8601).'),
  /** Where exactly the CIDRs came from (URL, mirror and commit): for reviewers of the data. */
  provenance: z.string().default('').describe('Where exactly the CIDRs came from.'),
  /** The published CIDRs, verbatim. */
  cidrs: z.array(z.string().refine((c) => parseCidr(c) !== null, { message: 'not a CIDR' })).min(1).describe('The published CIDRs.'),
});

export type CrawlerRanges = z.output<typeof crawlerRangesSchema>;

export const crawlerFileSchema = z.array(crawlerRangesSchema).superRefine((crawlers, ctx) => {
  const seen = new Set<string>();
  crawlers.forEach((crawler, index) => {
    if (seen.has(crawler.name)) ctx.addIssue({ code: 'custom', message: `duplicate crawler name '${crawler.name}'`, path: [index, 'name'] });
    seen.add(crawler.name);
  });
});

/** Validates crawler data (a file's parsed JSON); throws ERR_DETECTOR_CONFIG listing every problem. */
export function parseCrawlerRanges(raw: unknown, origin = 'crawler ranges'): CrawlerRanges[] {
  return parseOrThrow(crawlerFileSchema, raw, origin);
}

/** The crawler data shipped with the package. */
export function defaultCrawlersPath(): string {
  return join(detectorsPackageRoot(), 'data', 'crawlers.json');
}

/** Reads and validates a crawler file (default: the shipped one). Boot-time I/O only. */
export function loadCrawlerRanges(path: string = defaultCrawlersPath()): CrawlerRanges[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `cannot read crawler ranges ${path}: ${(cause as Error).message}`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `crawler ranges ${path} is not JSON: ${(cause as Error).message}`, { cause });
  }
  return parseCrawlerRanges(raw, `crawler ranges ${path}`);
}

interface CrawlerEntry {
  readonly name: string;
  readonly pattern: RegExp;
  readonly ranges: CidrSet;
}

export class CrawlerDirectory {
  /** Crawler names, in file order (the order `claimed` tries them). */
  readonly names: readonly string[];
  private readonly entries: readonly CrawlerEntry[];
  private readonly byName: ReadonlyMap<string, CrawlerEntry>;

  /** Regexes and range sets are built once here; throws ERR_DETECTOR_CONFIG on bad data. */
  constructor(crawlers: readonly Pick<CrawlerRanges, 'name' | 'ua_pattern' | 'cidrs'>[]) {
    this.entries = crawlers.map((c) => ({ name: c.name, pattern: new RegExp(c.ua_pattern, 'i'), ranges: new CidrSet(c.cidrs) }));
    this.byName = new Map(this.entries.map((e) => [e.name, e]));
    this.names = this.entries.map((e) => e.name);
  }

  /** The shipped data (or `path`) as a directory. */
  static load(path?: string): CrawlerDirectory {
    return new CrawlerDirectory(loadCrawlerRanges(path));
  }

  /** Name of the crawler the user agent claims to be (first match in file order); '' when none. */
  claimed(userAgent: string): string {
    if (typeof userAgent !== 'string' || userAgent === '') return '';
    for (const entry of this.entries) if (entry.pattern.test(userAgent)) return entry.name;
    return '';
  }

  /** True when `ip` is in the published ranges of crawler `name` (false for unknown names). */
  verify(name: string, ip: string): boolean {
    return this.byName.get(name)?.ranges.has(ip) ?? false;
  }
}

/** What a published range list holds. */
export interface PublishedRanges {
  /** `creationTime` as published, null when absent. */
  published_at: string | null;
  /** IPv4 then IPv6 prefixes in published order, duplicates removed. */
  cidrs: string[];
}

/**
 * Reads the shape Google, Bing and Apple publish. Throws ERR_DETECTOR_CONFIG when it is not that
 * shape, a prefix is not a CIDR, or the list is empty (an empty list would un-verify a crawler:
 * an operator's outage page must never replace good data).
 */
function parsePrefixList(json: unknown, publisher: string): PublishedRanges {
  const fail = (why: string): never => {
    throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `${publisher} range list: ${why}`);
  };
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { prefixes?: unknown }).prefixes)) fail('expected {"prefixes": [...]}');
  const doc = json as { creationTime?: unknown; prefixes: unknown[] };
  const v4: string[] = [];
  const v6: string[] = [];
  doc.prefixes.forEach((entry, index) => {
    const prefix = entry as { ipv4Prefix?: unknown; ipv6Prefix?: unknown } | null;
    const text = prefix?.ipv4Prefix ?? prefix?.ipv6Prefix;
    if (typeof text !== 'string' || parseCidr(text) === null) fail(`prefixes[${index}] is not {"ipv4Prefix"|"ipv6Prefix": CIDR}`);
    (prefix?.ipv4Prefix !== undefined ? v4 : v6).push(text as string);
  });
  const cidrs = [...new Set([...v4, ...v6])];
  if (cidrs.length === 0) fail('no prefixes');
  return { published_at: typeof doc.creationTime === 'string' ? doc.creationTime : null, cidrs };
}

/** Google's googlebot.json (developers.google.com/static/search/apis/ipranges/googlebot.json). */
export function parseGoogleStyleRanges(json: unknown): PublishedRanges {
  return parsePrefixList(json, 'Google-style');
}

/** Bing's bingbot.json (www.bing.com/toolbox/bingbot.json): the same shape, IPv4 only today. */
export function parseBingStyleRanges(json: unknown): PublishedRanges {
  return parsePrefixList(json, 'Bing-style');
}
