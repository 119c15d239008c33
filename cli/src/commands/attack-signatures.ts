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
import { BotsieveError } from '@botsieve/core';
import { defaultAttackDataPath, formatAttackRefreshSummary, loadAttackData, refreshAttackData, writeAttackData } from '@botsieve/detectors/attack-signatures/index.js';

export const ATTACK_SIGNATURES_OPTIONS = {
  out: { type: 'string' },
  ref: { type: 'string' },
  'api-base': { type: 'string' },
  'raw-base': { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const;

export interface AttackSignaturesFlags {
  /** Data file to read (when present) and write; default: the shipped data. */
  out?: string | undefined;
  /** Branch, tag or commit to read the lists at (default main). */
  ref?: string | undefined;
  /** GitHub API base (a mirror, a test server); default https://api.github.com. */
  'api-base'?: string | undefined;
  /** Raw file base (a mirror, a test server); default https://raw.githubusercontent.com. */
  'raw-base'?: string | undefined;
  /** Per-request timeout in ms (default 15000). */
  'timeout-ms'?: string | undefined;
}

export const ATTACK_SIGNATURES_USAGE = `  attack-signatures refresh [--out FILE] [--ref REF] [--api-base URL] [--raw-base URL] [--timeout-ms N]
                        read the OWASP CRS lists (scanner user agents, restricted files, OS files)
                        at one commit of REF (default main) and rewrite the attack-signatures data
                        (default: the shipped file)
`;

const USAGE_LINE = 'usage: botsieve attack-signatures refresh [--out FILE] [--ref REF] [--api-base URL] [--raw-base URL] [--timeout-ms N]';

export async function attackSignaturesCommand(flags: AttackSignaturesFlags, positionals: string[]): Promise<number> {
  const [subcommand, ...rest] = positionals;
  if (subcommand !== 'refresh' || rest.length > 0) {
    throw new BotsieveError('ERR_CLI_USAGE', `${USAGE_LINE}${subcommand === undefined ? '' : ` (got '${positionals.join(' ')}')`}`);
  }
  const out = flags.out ?? defaultAttackDataPath();
  const ref = flags.ref ?? 'main';
  if (!/^[\w./-]{1,200}$/.test(ref)) throw new BotsieveError('ERR_CLI_USAGE', `--ref ${ref}: expected a branch, tag or commit`);
  const apiBase = parseBase('--api-base', flags['api-base']);
  const rawBase = parseBase('--raw-base', flags['raw-base']);
  const timeoutMs = parseTimeout(flags['timeout-ms']);
  const current = loadAttackData(existsSync(out) ? out : defaultAttackDataPath());
  const options = { ref, ...(apiBase === undefined ? {} : { apiBase }), ...(rawBase === undefined ? {} : { rawBase }), ...(timeoutMs === undefined ? {} : { timeoutMs }) };
  const { data, summaries } = await refreshAttackData(current, fetch, options);
  await writeAttackData(out, data);
  for (const summary of summaries) process.stderr.write(`${formatAttackRefreshSummary(summary)}\n`);
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
