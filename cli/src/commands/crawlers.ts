/**
 * `botsieve crawlers refresh [--out FILE] [--source NAME=URL …] [--timeout-ms N]`: fetch the
 * addresses each known good bot's operator publishes (crawlers, uptime monitors, link previews:
 * Googlebot, Bingbot, Applebot, UptimeRobot, Pingdom, StatusCake, Better Stack, …) and rewrite the
 * bot data file. Reads FILE when it exists (else the data shipped with botsieve,
 * runtime/data/crawlers.json) and writes FILE (default: the shipped file itself). Each entry is
 * read in its publication's format (`source_format`); entries whose operator publishes an
 * autonomous system rather than a list (Facebook's crawler) are kept and reported. Nothing is
 * written unless every list was fetched and validated; the write is a temporary file renamed over
 * FILE. One summary line per bot on stderr.
 *
 * The fetching, parsing and merging live in @botsieve/runtime (exemption/refresh.ts and
 * published-formats.ts, tested against a local HTTP server), beside the exemption that uses the
 * data; this file only turns flags into arguments.
 */
import { existsSync } from 'node:fs';
import { BotsieveError } from '@botsieve/core';
import { defaultCrawlersPath, formatRefreshSummary, loadCrawlerRanges, refreshCrawlerRanges, writeCrawlerRanges } from '@botsieve/runtime';
import { parseTimeout, requireRefresh } from './refresh-flags.js';

export const CRAWLERS_OPTIONS = {
  out: { type: 'string' },
  source: { type: 'string', multiple: true },
  'timeout-ms': { type: 'string' },
} as const;

export interface CrawlersFlags {
  /** Crawler data file to read (when present) and write; default: the shipped data. */
  out?: string | undefined;
  /** `NAME=URL` overrides of a bot's published list (a mirror, a test server); replaces all of its lists. */
  source?: string[] | undefined;
  /** Per-request timeout in ms (default 15000). */
  'timeout-ms'?: string | undefined;
}

export const CRAWLERS_USAGE = `  crawlers refresh [--out FILE] [--source NAME=URL ...] [--timeout-ms N]
                        fetch the addresses good bots' operators publish (crawlers such as
                        Googlebot and Bingbot, monitors such as UptimeRobot and Pingdom) and
                        rewrite the bot data (default: the shipped file)
`;

export async function crawlersCommand(flags: CrawlersFlags, positionals: string[]): Promise<number> {
  requireRefresh(positionals, 'usage: botsieve crawlers refresh [--out FILE] [--source NAME=URL ...] [--timeout-ms N]');
  const out = flags.out ?? defaultCrawlersPath();
  const sources = parseSources(flags.source ?? []);
  const timeoutMs = parseTimeout(flags['timeout-ms']);
  const current = loadCrawlerRanges(existsSync(out) ? out : defaultCrawlersPath());
  const { crawlers, summaries } = await refreshCrawlerRanges(current, sources, fetch, { timeoutMs });
  await writeCrawlerRanges(out, crawlers);
  for (const summary of summaries) process.stderr.write(`${formatRefreshSummary(summary)}\n`);
  process.stderr.write(`wrote ${out}\n`);
  return 0;
}

function parseSources(values: string[]): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const name = value.slice(0, eq);
    const url = value.slice(eq + 1);
    if (eq <= 0 || !/^https?:\/\/\S+$/.test(url)) throw new BotsieveError('ERR_CLI_USAGE', `--source ${value}: expected NAME=URL with an http(s) URL, e.g. googlebot=https://developers.google.com/static/search/apis/ipranges/googlebot.json`);
    if (sources[name] !== undefined) throw new BotsieveError('ERR_CLI_USAGE', `--source ${name} given twice`);
    sources[name] = url;
  }
  return sources;
}
