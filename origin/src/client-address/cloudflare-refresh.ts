/**
 * Refreshing the shipped Cloudflare edge ranges from https://www.cloudflare.com/ips-v4 and
 * /ips-v6 (`botsieve cloudflare-ips refresh`; the CLI only wires flags to these functions).
 *
 * All or nothing: both lists are fetched and validated (parseCloudflareList: an HTML page, an
 * empty list, a line that is not a CIDR of the list's family, a range wider than /8 or /16
 * refuses the whole refresh) and the result passes the loader's own validator before anything is
 * returned. The write goes to a temporary file beside the target, then renames over it.
 */
import { fetchText, listChange, writeJsonAtomically, type FetchLike, type ListChange } from '@botsieve/runtime';
import { cloudflareIpsError } from '../errors.js';
import { CLOUDFLARE_IPS_SOURCES, parseCloudflareIps, parseCloudflareList, type CloudflareIpsData } from './cloudflare-ips.js';

export interface CloudflareRefreshOptions {
  /** Base the lists are read from instead of https://www.cloudflare.com (tests use a local server). */
  base?: string;
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
  /** Wall clock for `fetched_at` (injected in tests). */
  now?: () => Date;
}

export interface CloudflareRefreshSummary {
  ipv4: ListChange;
  ipv6: ListChange;
  urls: { ipv4: string; ipv6: string };
}

const USER_AGENT = 'botsieve cloudflare-ips refresh';
/** Cloudflare's lists are under 1 kB each; 64 KiB is room without holding a whole web page. */
const MAX_BYTES = 65_536;
const NAME = 'cloudflare ips';

export async function refreshCloudflareIps(current: CloudflareIpsData, fetchImpl: FetchLike, options: CloudflareRefreshOptions = {}): Promise<{ data: CloudflareIpsData; summary: CloudflareRefreshSummary }> {
  const timeout_ms = options.timeoutMs ?? 15_000;
  const base = options.base?.replace(/\/+$/, '');
  const urls = base === undefined ? { ...CLOUDFLARE_IPS_SOURCES } : { ipv4: `${base}/ips-v4`, ipv6: `${base}/ips-v6` };
  const read = (url: string) => fetchText(fetchImpl, url, { name: NAME, accept: 'text/plain', timeout_ms, max_bytes: MAX_BYTES, user_agent: USER_AGENT }, cloudflareIpsError);
  // One after the other: two small requests, and the first failure stops the refresh.
  const ipv4 = parseCloudflareList(await read(urls.ipv4), 4, `${NAME}: ${urls.ipv4}`);
  const ipv6 = parseCloudflareList(await read(urls.ipv6), 6, `${NAME}: ${urls.ipv6}`);
  const fetchedAt = (options.now?.() ?? new Date()).toISOString();
  const data = parseCloudflareIps(
    {
      sources: { ...CLOUDFLARE_IPS_SOURCES },
      fetched_at: fetchedAt,
      provenance:
        `Cloudflare's published edge ranges, fetched from ${urls.ipv4} and ${urls.ipv6} by \`botsieve cloudflare-ips refresh\` at ${fetchedAt}: ` +
        'one CIDR per line, written in canonical form in the published order, duplicates dropped. To refresh: `botsieve cloudflare-ips refresh`.',
      ipv4,
      ipv6,
    },
    `refreshed ${NAME}`,
  );
  return { data, summary: { urls, ipv4: listChange(current.ipv4, ipv4), ipv6: listChange(current.ipv6, ipv6) } };
}

/** One line, e.g. `cloudflare ips: IPv4 15 → 15 (+0 −0), IPv6 7 → 7 (+0 −0) from https://…/ips-v4, https://…/ips-v6`. */
export function formatCloudflareRefreshSummary(summary: CloudflareRefreshSummary): string {
  const part = (change: ListChange) => `${change.before} → ${change.after} (+${change.added} −${change.removed})`;
  return `${NAME}: IPv4 ${part(summary.ipv4)}, IPv6 ${part(summary.ipv6)} from ${summary.urls.ipv4}, ${summary.urls.ipv6}`;
}

export async function writeCloudflareIps(path: string, data: CloudflareIpsData): Promise<void> {
  await writeJsonAtomically(path, data, NAME, cloudflareIpsError);
}
