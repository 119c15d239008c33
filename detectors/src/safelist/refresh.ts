/**
 * Refreshing the shipped crawler ranges from the lists their operators publish
 * (`botsieve crawlers refresh`; the CLI only wires flags to these functions).
 *
 * All or nothing: every crawler's list is fetched and validated before anything is returned, so a
 * failure (HTTP status, timeout, not JSON, wrong shape, an empty list) leaves the file as it was.
 * The write goes to a temporary file in the same directory, then renames over the target, so a
 * reader never sees half a file.
 *
 * Failures throw BotsieveError ERR_DETECTOR_CONFIG (the crawler data is detector configuration)
 * naming the crawler and the URL; network failures and 5xx/429 answers are marked retryable.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { BotsieveError } from '@botsieve/core';
import { DETECTOR_ERRORS } from '../errors.js';
import { parseCrawlerRanges, parseGoogleStyleRanges, type CrawlerRanges } from './crawlers.js';

/** The part of `fetch` refresh uses, so tests can pass the real fetch or a stub. */
export type FetchLike = (url: string, init: { signal: AbortSignal; headers: Record<string, string> }) => Promise<{
  ok: boolean;
  status: number;
  statusText: string;
  text(): Promise<string>;
}>;

export interface RefreshOptions {
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
  /** Wall clock for `fetched_at` (injected in tests). */
  now?: () => Date;
  /** Largest body accepted (default 4 MiB; Google's list is ~20 KiB). */
  maxBytes?: number;
}

export interface RefreshSummary {
  name: string;
  url: string;
  /** CIDRs before and after, and how many were added and removed. */
  before: number;
  after: number;
  added: number;
  removed: number;
  published_at: string | null;
}

export interface RefreshResult {
  crawlers: CrawlerRanges[];
  summaries: RefreshSummary[];
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

function refreshError(message: string, retryable: boolean, cause?: unknown): BotsieveError {
  return new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, message, { retryable, cause });
}

/**
 * Fetches each crawler's published list (from `sources[name]`, else its `source_url`) and returns
 * the crawlers with new `cidrs`, `published_at`, `fetched_at` and `provenance`; `name`,
 * `ua_pattern` and `source_url` are kept. A source naming no crawler in `current` is an error.
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
  // One crawler at a time: a handful of small lists, and the first failure stops everything.
  for (const crawler of current) {
    const url = sources[crawler.name] ?? crawler.source_url;
    const body = await fetchText(fetchImpl, crawler.name, url, timeoutMs, maxBytes);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (cause) {
      throw refreshError(`${crawler.name}: ${url} did not return JSON (${(cause as Error).message})`, false, cause);
    }
    let published;
    try {
      published = parseGoogleStyleRanges(json);
    } catch (cause) {
      throw refreshError(`${crawler.name}: ${url}: ${(cause as Error).message}`, false, cause);
    }
    const fetchedAt = (options.now?.() ?? new Date()).toISOString();
    const before = new Set(crawler.cidrs);
    const after = new Set(published.cidrs);
    crawlers.push({
      ...crawler,
      published_at: published.published_at,
      fetched_at: fetchedAt,
      provenance: `fetched from ${url} by \`botsieve crawlers refresh\` at ${fetchedAt}`,
      cidrs: published.cidrs,
    });
    summaries.push({
      name: crawler.name,
      url,
      before: before.size,
      after: after.size,
      added: published.cidrs.filter((c) => !before.has(c)).length,
      removed: crawler.cidrs.filter((c) => !after.has(c)).length,
      published_at: published.published_at,
    });
  }
  // Same validation as loading: what is written can always be loaded again.
  return { crawlers: parseCrawlerRanges(crawlers, 'refreshed crawler ranges'), summaries };
}

async function fetchText(fetchImpl: FetchLike, name: string, url: string, timeoutMs: number, maxBytes: number): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  let response;
  let body: string;
  try {
    response = await fetchImpl(url, { signal, headers: { accept: 'application/json' } });
    body = await response.text();
  } catch (cause) {
    const why = signal.aborted ? `timed out after ${timeoutMs} ms` : (cause as Error).message;
    throw refreshError(`${name}: fetching ${url} failed: ${why}`, true, cause);
  }
  if (!response.ok) {
    const retryable = response.status >= 500 || response.status === 429;
    throw refreshError(`${name}: ${url} answered HTTP ${response.status} ${response.statusText}`.trimEnd(), retryable);
  }
  if (body.length > maxBytes) throw refreshError(`${name}: ${url} returned ${body.length} bytes, more than the ${maxBytes} accepted`, false);
  return body;
}

/** One summary line per crawler, e.g. `googlebot: 307 → 309 CIDRs (+3 −1), published 2026-…`. */
export function formatRefreshSummary(summary: RefreshSummary): string {
  const published = summary.published_at === null ? '' : `, published ${summary.published_at}`;
  return `${summary.name}: ${summary.before} → ${summary.after} CIDRs (+${summary.added} −${summary.removed})${published} from ${summary.url}`;
}

/** Writes crawler data atomically: a temporary file beside `path`, then rename over it. */
export async function writeCrawlerRanges(path: string, crawlers: readonly CrawlerRanges[]): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(crawlers, null, 2)}\n`, { flag: 'wx' });
    await rename(temporary, path);
  } catch (cause) {
    await rm(temporary, { force: true });
    throw refreshError(`cannot write crawler ranges to ${path}: ${(cause as Error).message}`, false, cause);
  }
}
