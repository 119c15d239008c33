/**
 * Known good bots and the addresses their operators publish: which bot a user agent claims to be,
 * and whether a client address is really that bot's.
 *
 * The data ships as one file (`runtime/data/crawlers.json`, the `crawlers_file` setting), one
 * entry per bot: name, kind (`crawler`, `monitor`, `preview`), how a client is matched, the URL
 * its operator publishes the addresses at and in which format, when they were published and
 * fetched, exactly where the copy came from, and the CIDRs (or, where the operator publishes an
 * autonomous system instead of a list, its ASNs). `botsieve crawlers refresh` rewrites it from the
 * publications (refresh.ts). Every tier reads it through this module: the detectors' feature
 * extractor, the causal annotator, the origin lookup, and whatever enforces next.
 *
 * Matching (`match`):
 * - `ua_and_range` (the default, and every crawler): the user agent matches `ua_pattern` AND the
 *   address is in `cidrs` (or the client's ASN is in `asns`). A user agent is a claim anyone can
 *   make; the published addresses are what make it true.
 * - `range`: the address alone, for operators whose user agent is set by their customers
 *   (StatusCake lets every check send its own). Only ever for host-sized entries an operator
 *   publishes as its own probes; never for a shared network.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BotsieveError, CidrSet, parseCidr } from '@botsieve/core';
import { parseConfig, regexSource } from '../config.js';
import { EXEMPTION_ERRORS } from './errors.js';

/** What a bot is, for reports and documentation; only `crawler` entries are "claimed" by a user agent (see `CrawlerDirectory.claimed`). */
export const KNOWN_BOT_KINDS = ['crawler', 'monitor', 'preview'] as const;
export type KnownBotKind = (typeof KNOWN_BOT_KINDS)[number];

/** How a client is matched to an entry (see the header). */
export const KNOWN_BOT_MATCHES = ['ua_and_range', 'range'] as const;
export type KnownBotMatch = (typeof KNOWN_BOT_MATCHES)[number];

/**
 * Formats the refresh understands (published-formats.ts). `asn`: the operator publishes an
 * autonomous system to look its routes up in, not a list; such an entry is not refreshed.
 */
export const SOURCE_FORMATS = ['google-json', 'lines', 'statuscake-json', 'asn'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];


const httpUrl = z.url({ protocol: /^https?$/ });

export const crawlerRangesSchema = z
  .strictObject({
    /** Bot name, lower case: what `claimed_crawler`, rules and exemption reasons show (`googlebot`). */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _').describe('Bot name, lower case (`googlebot`).'),
    /** `crawler`, `monitor` or `preview` (link previews of social networks and chat apps). */
    kind: z.enum(KNOWN_BOT_KINDS).default('crawler').describe('crawler, monitor or preview.'),
    /** Regex source matched case-insensitively against the user agent; null only with `match: range`. */
    ua_pattern: regexSource.nullable().default(null).describe('Regex source matched case-insensitively against the user agent.'),
    /** `ua_and_range` (default): user agent AND address; `range`: the address alone. */
    match: z.enum(KNOWN_BOT_MATCHES).default('ua_and_range').describe('ua_and_range (user agent AND address) or range (address alone).'),
    /** Where the operator publishes the addresses: the default refresh source. */
    source_url: httpUrl.describe('Where the operator publishes the addresses.'),
    /** Further lists of the same publication (Pingdom publishes IPv4 and IPv6 apart); refreshed together. */
    more_source_urls: z.array(httpUrl).default([]).describe('Further lists of the same publication, refreshed together.'),
    /** Format of the publication at source_url (how `botsieve crawlers refresh` reads it). */
    source_format: z.enum(SOURCE_FORMATS).default('google-json').describe('Format of the publication at source_url.'),
    /** The list's own creation time, as published; null when it carries none. */
    published_at: z.string().nullable().default(null).describe("The published list's own creationTime; null when unknown."),
    /** When these addresses were fetched (ISO 8601). */
    fetched_at: z.string().min(1).describe('When these ranges were fetched (ISO 8601).'),
    /** Where exactly the CIDRs came from (URL, mirror and commit): for reviewers of the data. */
    provenance: z.string().default('').describe('Where exactly the CIDRs came from.'),
    /** The published CIDRs or addresses, verbatim. */
    cidrs: z.array(z.string().refine((c) => parseCidr(c) !== null, { message: 'not a CIDR' })).default([]).describe('The published CIDRs.'),
    /** Autonomous systems the operator names as the source of its requests (with `ua_and_range` only). */
    asns: z.array(z.number().int().positive().max(4_294_967_295)).default([]).describe('Autonomous systems the operator names as its source.'),
  })
  .superRefine((bot, ctx) => {
    if (bot.match === 'ua_and_range' && bot.ua_pattern === null) ctx.addIssue({ code: 'custom', message: 'match ua_and_range needs a ua_pattern', path: ['ua_pattern'] });
    if (bot.cidrs.length === 0 && bot.asns.length === 0) ctx.addIssue({ code: 'custom', message: 'no cidrs and no asns: the entry would verify nobody', path: ['cidrs'] });
    // An autonomous system is a whole network: only a user agent claim narrows it to the bot.
    if (bot.match === 'range' && bot.asns.length > 0) ctx.addIssue({ code: 'custom', message: 'asns need match ua_and_range', path: ['asns'] });
    if (bot.source_format === 'asn' && bot.asns.length === 0) ctx.addIssue({ code: 'custom', message: 'source_format asn needs asns', path: ['asns'] });
  });

export type CrawlerRanges = z.output<typeof crawlerRangesSchema>;
/** What a data file may leave out (the defaults). */
export type CrawlerRangesInput = z.input<typeof crawlerRangesSchema>;

export const crawlerFileSchema = z.array(crawlerRangesSchema).superRefine((crawlers, ctx) => {
  const seen = new Set<string>();
  crawlers.forEach((crawler, index) => {
    if (seen.has(crawler.name)) ctx.addIssue({ code: 'custom', message: `duplicate crawler name '${crawler.name}'`, path: [index, 'name'] });
    seen.add(crawler.name);
  });
});

/** Validates bot data (a file's parsed JSON); throws ERR_EXEMPTION_DATA listing every problem. */
export function parseCrawlerRanges(raw: unknown, origin = 'crawler ranges'): CrawlerRanges[] {
  try {
    return parseConfig(crawlerFileSchema, raw, origin);
  } catch (cause) {
    throw new BotsieveError(EXEMPTION_ERRORS.ERR_EXEMPTION_DATA.code, (cause as Error).message, { cause });
  }
}

/** The data shipped with botsieve (`runtime/data/crawlers.json`; the same path from src/ and dist/). */
export function defaultCrawlersPath(): string {
  return fileURLToPath(new URL('../../data/crawlers.json', import.meta.url));
}

/** Reads and validates a bot data file (default: the shipped one). Boot-time I/O only. */
export function loadCrawlerRanges(path: string = defaultCrawlersPath()): CrawlerRanges[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BotsieveError(EXEMPTION_ERRORS.ERR_EXEMPTION_DATA.code, `cannot read crawler ranges ${path}: ${(cause as Error).message}`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new BotsieveError(EXEMPTION_ERRORS.ERR_EXEMPTION_DATA.code, `crawler ranges ${path} is not JSON: ${(cause as Error).message}`, { cause });
  }
  return parseCrawlerRanges(raw, `crawler ranges ${path}`);
}

/** An entry's CIDRs as a set; a bad one is ERR_EXEMPTION_DATA (core's ERR_INVALID_CIDR as its cause), like the rest of the data. */
function rangeSet(cidrs: readonly string[]): CidrSet {
  try {
    return new CidrSet(cidrs);
  } catch (cause) {
    throw new BotsieveError(EXEMPTION_ERRORS.ERR_EXEMPTION_DATA.code, (cause as Error).message, { cause });
  }
}

/** One entry compiled once: its regex, its range set and its ASNs. */
export class KnownBot {
  constructor(
    /** Position in the data (file order). */
    readonly index: number,
    readonly name: string,
    readonly kind: KnownBotKind,
    readonly match: KnownBotMatch,
    /** Null for `range` entries without a pattern. */
    readonly pattern: RegExp | null,
    readonly ranges: CidrSet,
    readonly asns: ReadonlySet<number>,
  ) {}

  /** The address is one the operator published, or the ASN one it named (0 / unknown never is). */
  covers(ip: string, asn: number): boolean {
    return this.ranges.has(ip) || (asn > 0 && this.asns.has(asn));
  }
}

/** What a directory needs of an entry; the defaults of the schema apply to what is missing. */
export type KnownBotData = Pick<CrawlerRanges, 'name' | 'ua_pattern' | 'cidrs'> & Partial<Pick<CrawlerRanges, 'kind' | 'match' | 'asns'>>;

export class CrawlerDirectory {
  /** Crawler names (kind `crawler`), in file order: the order `claimed` tries them. */
  readonly names: readonly string[];
  /** Every entry, crawlers, monitors and previews, in file order. */
  readonly bots: readonly KnownBot[];
  private readonly crawlers: readonly KnownBot[];
  private readonly byName: ReadonlyMap<string, KnownBot>;

  /** Regexes and range sets are built once here; throws ERR_EXEMPTION_DATA on bad data. */
  constructor(entries: readonly KnownBotData[]) {
    this.bots = entries.map(
      (e, index) =>
        new KnownBot(index, e.name, e.kind ?? 'crawler', e.match ?? 'ua_and_range', e.ua_pattern === null ? null : new RegExp(e.ua_pattern, 'i'), rangeSet(e.cidrs), new Set(e.asns ?? [])),
    );
    this.crawlers = this.bots.filter((bot) => bot.kind === 'crawler' && bot.pattern !== null);
    this.byName = new Map(this.bots.map((bot) => [bot.name, bot]));
    this.names = this.crawlers.map((bot) => bot.name);
  }

  /** The shipped data (or `path`) as a directory. */
  static load(path?: string): CrawlerDirectory {
    return new CrawlerDirectory(loadCrawlerRanges(path));
  }

  /**
   * Name of the crawler the user agent claims to be (first match in file order); '' when none.
   * Crawlers only: a crawler user agent from outside its ranges is a fake worth blocking, while a
   * monitor's or preview's list may lag its operator, so claiming one proves nothing either way.
   */
  claimed(userAgent: string): string {
    if (typeof userAgent !== 'string' || userAgent === '') return '';
    for (const bot of this.crawlers) if ((bot.pattern as RegExp).test(userAgent)) return bot.name;
    return '';
  }

  /** True when `ip` is in the published ranges of bot `name` (false for unknown names). */
  verify(name: string, ip: string): boolean {
    return this.byName.get(name)?.ranges.has(ip) ?? false;
  }

  /** The entry named `name`. */
  bot(name: string): KnownBot | undefined {
    return this.byName.get(name);
  }
}
