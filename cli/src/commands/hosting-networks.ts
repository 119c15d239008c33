/**
 * `botsieve hosting-networks refresh [--out FILE] [--ref REF] [--api-base URL] [--raw-base URL]
 * [--timeout-ms N]`: read X4BNet's datacenter ASN list (the hosting networks the collateral guard
 * does not take rendering as evidence of people on) again at one commit of REF (default `main`)
 * and rewrite the data file. Reads FILE when it exists (else the data shipped with botsieve) for
 * the list's repository and path, and writes FILE (default: the shipped file itself, the only one
 * the detectors read). Nothing is written unless the list was fetched, parsed and validated; the
 * write is a temporary file renamed over FILE. One summary line on stderr. A running
 * `botsieve start` uses the new file at its next SIGHUP (the guard reads the list again when the
 * file changed).
 *
 * The fetching and parsing live in @botsieve/detectors (fusion/hosting-refresh.ts, tested against
 * a local HTTP server); this file only turns flags into arguments.
 */
import { existsSync } from 'node:fs';
import { defaultHostingNetworksPath, loadHostingNetworks } from '@botsieve/detectors';
import { formatHostingRefreshSummary, refreshHostingNetworks, writeHostingNetworks } from '@botsieve/detectors';
import { GITHUB_REFRESH_OPTIONS, GITHUB_REFRESH_SYNOPSIS, parseGitHubRefreshFlags, requireRefresh, type GitHubRefreshFlags } from './refresh-flags.js';

export const HOSTING_NETWORKS_OPTIONS = GITHUB_REFRESH_OPTIONS;

export type HostingNetworksFlags = GitHubRefreshFlags;

export const HOSTING_NETWORKS_USAGE = `  hosting-networks refresh [--out FILE] ${GITHUB_REFRESH_SYNOPSIS}
                        read X4BNet's datacenter ASN list (cloud, hosting and data-centre networks)
                        at one commit of REF (default main) and rewrite the hosting networks data
                        (default: the shipped file)
`;

const USAGE_LINE = `usage: botsieve hosting-networks refresh [--out FILE] ${GITHUB_REFRESH_SYNOPSIS}`;

export async function hostingNetworksCommand(flags: HostingNetworksFlags, positionals: string[]): Promise<number> {
  requireRefresh(positionals, USAGE_LINE);
  const out = flags.out ?? defaultHostingNetworksPath();
  const options = parseGitHubRefreshFlags(flags);
  const current = loadHostingNetworks(existsSync(out) ? out : defaultHostingNetworksPath());
  const { data, summary } = await refreshHostingNetworks(current, fetch, options);
  await writeHostingNetworks(out, data);
  process.stderr.write(`${formatHostingRefreshSummary(summary)}\n`);
  process.stderr.write(`wrote ${out}\n`);
  return 0;
}
