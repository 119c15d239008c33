/**
 * `botsieve attack-signatures refresh [--out FILE] [--ref REF] [--api-base URL] [--raw-base URL]
 * [--timeout-ms N]`: read the OWASP CRS lists the `attack-signatures` detector ships (scanner
 * user agents, restricted files, OS files) again at one commit of REF (default `main`) and
 * rewrite the data file. Reads FILE when it exists (else the data shipped with botsieve) for each
 * list's repository and path, and writes FILE (default: the shipped file itself). Nothing is
 * written unless every list was fetched and parsed; the write is a temporary file renamed over
 * FILE. One summary line per list on stderr. A running `botsieve start` picks the new file up on
 * SIGHUP (the detector's config is parsed again).
 *
 * The fetching and parsing live in @botsieve/detectors (attack-signatures/refresh.ts, tested
 * against a local HTTP server); this file only turns flags into arguments.
 */
import { existsSync } from 'node:fs';
import { defaultAttackDataPath, formatAttackRefreshSummary, loadAttackData, refreshAttackData, writeAttackData } from '@botsieve/detectors';
import { GITHUB_REFRESH_OPTIONS, GITHUB_REFRESH_SYNOPSIS, parseGitHubRefreshFlags, requireRefresh, type GitHubRefreshFlags } from './refresh-flags.js';

export const ATTACK_SIGNATURES_OPTIONS = GITHUB_REFRESH_OPTIONS;

export type AttackSignaturesFlags = GitHubRefreshFlags;

export const ATTACK_SIGNATURES_USAGE = `  attack-signatures refresh [--out FILE] ${GITHUB_REFRESH_SYNOPSIS}
                        read the OWASP CRS lists (scanner user agents, restricted files, OS files)
                        at one commit of REF (default main) and rewrite the attack-signatures data
                        (default: the shipped file)
`;

const USAGE_LINE = `usage: botsieve attack-signatures refresh [--out FILE] ${GITHUB_REFRESH_SYNOPSIS}`;

export async function attackSignaturesCommand(flags: AttackSignaturesFlags, positionals: string[]): Promise<number> {
  requireRefresh(positionals, USAGE_LINE);
  const out = flags.out ?? defaultAttackDataPath();
  const options = parseGitHubRefreshFlags(flags);
  const current = loadAttackData(existsSync(out) ? out : defaultAttackDataPath());
  const { data, summaries } = await refreshAttackData(current, fetch, options);
  await writeAttackData(out, data);
  for (const summary of summaries) process.stderr.write(`${formatAttackRefreshSummary(summary)}\n`);
  process.stderr.write(`wrote ${out}\n`);
  return 0;
}
