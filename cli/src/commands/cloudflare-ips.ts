/**
 * `botsieve cloudflare-ips refresh [--out FILE] [--base URL] [--timeout-ms N]`: read Cloudflare's
 * published edge ranges again (https://www.cloudflare.com/ips-v4 and /ips-v6, or the same paths
 * under --base) and rewrite the data file the origin middleware believes `CF-Connecting-IP` from.
 * Reads FILE when it exists (else the data shipped with botsieve) to report what changed, and
 * writes FILE (default: the shipped file itself). Nothing is written unless both lists were
 * fetched and validated (an HTML page, an empty list or a bad line refuses the whole refresh);
 * the write is a temporary file renamed over FILE. One summary line on stderr. A running origin
 * reads the file when its guard is built (restart it, or build a new ClientAddressResolver).
 *
 * The fetching and parsing live in @botsieve/origin (client-address/cloudflare-refresh.ts, tested
 * against a local HTTP server); this file only turns flags into arguments.
 */
import { existsSync } from 'node:fs';
import { defaultCloudflareIpsPath, formatCloudflareRefreshSummary, loadCloudflareIps, refreshCloudflareIps, writeCloudflareIps } from '@botsieve/origin';
import { parseBase, parseTimeout, requireRefresh } from './refresh-flags.js';

export const CLOUDFLARE_IPS_OPTIONS = {
  out: { type: 'string' },
  base: { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const;

export interface CloudflareIpsFlags {
  /** Data file to read (when present) and write; default: the shipped data. */
  out?: string | undefined;
  /** Where ips-v4 and ips-v6 are read (a mirror, a test server); default https://www.cloudflare.com. */
  base?: string | undefined;
  /** Per-request timeout in ms (default 15000). */
  'timeout-ms'?: string | undefined;
}

export const CLOUDFLARE_IPS_USAGE = `  cloudflare-ips refresh [--out FILE] [--base URL] [--timeout-ms N]
                        read Cloudflare's edge ranges (www.cloudflare.com/ips-v4, /ips-v6) and
                        rewrite the data the origin middleware trusts CF-Connecting-IP from
                        (default: the shipped file)
`;

const USAGE_LINE = 'usage: botsieve cloudflare-ips refresh [--out FILE] [--base URL] [--timeout-ms N]';

export async function cloudflareIpsCommand(flags: CloudflareIpsFlags, positionals: string[]): Promise<number> {
  requireRefresh(positionals, USAGE_LINE);
  const base = parseBase('--base', flags.base);
  const timeoutMs = parseTimeout(flags['timeout-ms']);
  const out = flags.out ?? defaultCloudflareIpsPath();
  const current = loadCloudflareIps(existsSync(out) ? out : defaultCloudflareIpsPath());
  const { data, summary } = await refreshCloudflareIps(current, fetch, { ...(base === undefined ? {} : { base }), ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  await writeCloudflareIps(out, data);
  process.stderr.write(`${formatCloudflareRefreshSummary(summary)}\n`);
  process.stderr.write(`wrote ${out}\n`);
  return 0;
}
