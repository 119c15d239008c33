/**
 * Refreshing the shipped bot ranges from the lists their operators publish
 * (`botsieve crawlers refresh`; the CLI only wires flags to these functions).
 *
 * All or nothing: every bot's lists are fetched and validated before anything is returned, so a
 * failure (HTTP status, timeout, not the format, an empty list) leaves the file as it was. The
 * write goes to a temporary file in the same directory, then renames over the target, so a reader
 * never sees half a file. Entries whose operator publishes an autonomous system rather than a list
 * (`source_format: asn`) are kept as they are and reported as not refreshable.
 *
 * Failures throw a BotsieveError naming the bot and the URL: ERR_EXEMPTION_FETCH (retryable) for
 * network failures, timeouts and 5xx/429 answers, ERR_EXEMPTION_REFRESH for the rest.
 */
import { catalogueError, type BotsieveError } from '@botsieve/core';
import { fetchText, writeJsonAtomically, type FetchLike } from '../published-data.js';
import { EXEMPTION_ERRORS } from './errors.js';
import { parseCrawlerRanges, type CrawlerRanges } from './known-bots.js';
import { parsePublication } from './published-formats.js';

export type { FetchLike } from '../published-data.js';

export interface RefreshOptions {
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
  /** Wall clock for `fetched_at` (injected in tests). */
  now?: () => Date;
  /** Largest body accepted (default 4 MiB; Google's list is ~20 KiB, StatusCake's ~30 KiB). */
  maxBytes?: number;
}

export interface RefreshSummary {
  name: string;
  /** The URLs read ('' when the entry is not refreshable). */
  url: string;
  /** CIDRs before and after, and how many were added and removed. */
  before: number;
  after: number;
  added: number;
  removed: number;
  published_at: string | null;
  /** Why the entry was kept as it was (not refreshable); null when it was refreshed. */
  skipped: string | null;
}

export interface RefreshResult {
  crawlers: CrawlerRanges[];
  summaries: RefreshSummary[];
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
/** What JSON sources are asked for; line lists are plain text. */
const ACCEPT = { 'google-json': 'application/json', 'statuscake-json': 'application/json', lines: 'text/plain' } as const;

/** ERR_EXEMPTION_FETCH when trying later may help (network, timeout, 5xx, 429), else ERR_EXEMPTION_REFRESH. */
function refreshError(message: string, retryable: boolean, cause?: unknown): BotsieveError {
  return catalogueError(retryable ? EXEMPTION_ERRORS.ERR_EXEMPTION_FETCH : EXEMPTION_ERRORS.ERR_EXEMPTION_REFRESH, message, { cause });
}

/**
 * Fetches each bot's published lists (from `sources[name]`, else its `source_url` and
 * `more_source_urls`) and returns the bots with new `cidrs`, `published_at`, `fetched_at` and
 * `provenance`; everything else is kept. A source naming no bot in `current` is an error.
 */
export async function refreshCrawlerRanges(
  current: readonly CrawlerRanges[],
  sources: Readonly<Record<string, string>>,
  fetchImpl: FetchLike,
  options: RefreshOptions = {},
): Promise<RefreshResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const known = new Set(current.map((c) => c.name));
  for (const name of Object.keys(sources)) {
    if (!known.has(name)) throw refreshError(`--source ${name}: no crawler named '${name}' in the current data (known: ${[...known].join(', ')})`, false);
  }

  const crawlers: CrawlerRanges[] = [];
  const summaries: RefreshSummary[] = [];
  // One list at a time: a handful of small lists, and the first failure stops everything.
  for (const crawler of current) {
    const format = crawler.source_format;
    if (format === 'asn') {
      crawlers.push(crawler);
      const size = crawler.cidrs.length;
      summaries.push({ name: crawler.name, url: '', before: size, after: size, added: 0, removed: 0, published_at: crawler.published_at, skipped: `its operator publishes autonomous systems (AS${crawler.asns.join(', AS')}), not a list` });
      continue;
    }
    const override = sources[crawler.name];
    const urls = override === undefined ? [crawler.source_url, ...crawler.more_source_urls] : [override];
    const cidrs: string[] = [];
    let published_at: string | null = null;
    for (const url of urls) {
      const body = await fetchText(fetchImpl, url, { name: crawler.name, accept: ACCEPT[format], timeout_ms: timeoutMs, max_bytes: maxBytes }, refreshError);
      let published;
      try {
        published = parsePublication(format, body, `${crawler.name}: ${url}`);
      } catch (cause) {
        throw refreshError((cause as Error).message, false, cause);
      }
      cidrs.push(...published.cidrs);
      published_at ??= published.published_at;
    }
    const after = [...new Set(cidrs)];
    const fetchedAt = (options.now?.() ?? new Date()).toISOString();
    const before = new Set(crawler.cidrs);
    const afterSet = new Set(after);
    crawlers.push({
      ...crawler,
      published_at,
      fetched_at: fetchedAt,
      provenance: `fetched from ${urls.join(' and ')} by \`botsieve crawlers refresh\` at ${fetchedAt}`,
      cidrs: after,
    });
    summaries.push({
      name: crawler.name,
      url: urls.join(' '),
      before: before.size,
      after: afterSet.size,
      added: after.filter((c) => !before.has(c)).length,
      removed: crawler.cidrs.filter((c) => !afterSet.has(c)).length,
      published_at,
      skipped: null,
    });
  }
  // Same validation as loading: what is written can always be loaded again.
  try {
    return { crawlers: parseCrawlerRanges(crawlers, 'refreshed crawler ranges'), summaries };
  } catch (cause) {
    throw refreshError((cause as Error).message, false, cause);
  }
}

/** One summary line per bot, e.g. `googlebot: 307 → 309 CIDRs (+3 −1), published 2026-…`. */
export function formatRefreshSummary(summary: RefreshSummary): string {
  if (summary.skipped !== null) return `${summary.name}: kept ${summary.before} CIDRs, not refreshed: ${summary.skipped}`;
  const published = summary.published_at === null ? '' : `, published ${summary.published_at}`;
  return `${summary.name}: ${summary.before} → ${summary.after} CIDRs (+${summary.added} −${summary.removed})${published} from ${summary.url}`;
}

/** Writes bot data atomically: a temporary file beside `path`, then rename over it. */
export async function writeCrawlerRanges(path: string, crawlers: readonly CrawlerRanges[]): Promise<void> {
  await writeJsonAtomically(path, crawlers, 'crawler ranges', refreshError);
}
