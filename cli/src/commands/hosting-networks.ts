/**
 * `botsieve hosting-networks refresh [--out FILE] [--ref REF] [--api-base URL] [--raw-base URL]
 * [--timeout-ms N]`: read X4BNet's datacenter ASN list (the hosting networks the collateral guard
 * does not take rendering as evidence of people on) again at one commit of REF (default `main`)
 * and rewrite the data file. Reads FILE when it exists (else the data shipped with botsieve) for
 * the list's repository and path, and writes FILE (default: the shipped file itself, the only one
 * the detectors read). Nothing is written unless the list was fetched, parsed and validated; the
 * write is a temporary file renamed over FILE. One summary line on stderr. The detectors read the
 * list once per process: restart a running `botsieve start` to use the new file.
 *
 * The fetching and parsing live in @botsieve/detectors (fusion/hosting-refresh.ts, tested against
 * a local HTTP server); this file only turns flags into arguments.
 */
import { existsSync } from 'node:fs';
import { BotsieveError } from '@botsieve/core';
import { defaultHostingNetworksPath, loadHostingNetworks } from '@botsieve/detectors/fusion/hosting-networks.js';
import { formatHostingRefreshSummary, refreshHostingNetworks, writeHostingNetworks } from '@botsieve/detectors/fusion/hosting-refresh.js';

export const HOSTING_NETWORKS_OPTIONS = {
  out: { type: 'string' },
  ref: { type: 'string' },
  'api-base': { type: 'string' },
  'raw-base': { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const;

export interface HostingNetworksFlags {
  /** Data file to read (when present) and write; default: the shipped data. */
  out?: string | undefined;
  /** Branch, tag or commit to read the list at (default main). */
  ref?: string | undefined;
  /** GitHub API base (a mirror, a test server); default https://api.github.com. */
  'api-base'?: string | undefined;
  /** Raw file base (a mirror, a test server); default https://raw.githubusercontent.com. */
  'raw-base'?: string | undefined;
  /** Per-request timeout in ms (default 15000). */
  'timeout-ms'?: string | undefined;
}

export const HOSTING_NETWORKS_USAGE = `  hosting-networks refresh [--out FILE] [--ref REF] [--api-base URL] [--raw-base URL] [--timeout-ms N]
                        read X4BNet's datacenter ASN list (cloud, hosting and data-centre networks)
                        at one commit of REF (default main) and rewrite the hosting networks data
                        (default: the shipped file)
`;

const USAGE_LINE = 'usage: botsieve hosting-networks refresh [--out FILE] [--ref REF] [--api-base URL] [--raw-base URL] [--timeout-ms N]';

export async function hostingNetworksCommand(flags: HostingNetworksFlags, positionals: string[]): Promise<number> {
  const [subcommand, ...rest] = positionals;
  if (subcommand !== 'refresh' || rest.length > 0) {
    throw new BotsieveError('ERR_CLI_USAGE', `${USAGE_LINE}${subcommand === undefined ? '' : ` (got '${positionals.join(' ')}')`}`);
  }
  const out = flags.out ?? defaultHostingNetworksPath();
  const ref = flags.ref ?? 'main';
  if (!/^[\w./-]{1,200}$/.test(ref)) throw new BotsieveError('ERR_CLI_USAGE', `--ref ${ref}: expected a branch, tag or commit`);
  const apiBase = parseBase('--api-base', flags['api-base']);
  const rawBase = parseBase('--raw-base', flags['raw-base']);
  const timeoutMs = parseTimeout(flags['timeout-ms']);
  const current = loadHostingNetworks(existsSync(out) ? out : defaultHostingNetworksPath());
  const options = { ref, ...(apiBase === undefined ? {} : { apiBase }), ...(rawBase === undefined ? {} : { rawBase }), ...(timeoutMs === undefined ? {} : { timeoutMs }) };
  const { data, summary } = await refreshHostingNetworks(current, fetch, options);
  await writeHostingNetworks(out, data);
  process.stderr.write(`${formatHostingRefreshSummary(summary)}\n`);
  process.stderr.write(`wrote ${out}\n`);
  return 0;
}

function parseBase(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^https?:\/\/\S+$/.test(value)) throw new BotsieveError('ERR_CLI_USAGE', `${flag} ${value}: expected an http(s) URL`);
  return value;
}

function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0 || ms > 600_000) throw new BotsieveError('ERR_CLI_USAGE', `--timeout-ms ${value}: expected a whole number of milliseconds between 1 and 600000`);
  return ms;
}
