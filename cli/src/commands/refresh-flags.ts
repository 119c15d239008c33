/**
 * The flags the `<data> refresh` commands share (crawlers, attack-signatures, hosting-networks):
 * the one `refresh` subcommand, and for the lists read from a GitHub repository at one commit,
 * --ref, --api-base, --raw-base and --timeout-ms. Every check runs before anything is read or
 * fetched, and a bad value is ERR_CLI_USAGE naming the flag and what it expected.
 */
import { BotsieveError } from '@botsieve/core';
import type { GitHubReadOptions } from '@botsieve/runtime';

/** parseArgs options of a refresh read from GitHub at one commit. */
export const GITHUB_REFRESH_OPTIONS = {
  out: { type: 'string' },
  ref: { type: 'string' },
  'api-base': { type: 'string' },
  'raw-base': { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const;

export interface GitHubRefreshFlags {
  /** Data file to read (when present) and write; default: the shipped data. */
  out?: string | undefined;
  /** Branch, tag or commit to read the data at (default main). */
  ref?: string | undefined;
  /** GitHub API base (a mirror, a test server); default https://api.github.com. */
  'api-base'?: string | undefined;
  /** Raw file base (a mirror, a test server); default https://raw.githubusercontent.com. */
  'raw-base'?: string | undefined;
  /** Per-request timeout in ms (default 15000). */
  'timeout-ms'?: string | undefined;
}

/** The flags of a GitHub refresh after `refresh [--out FILE]` in a command's synopsis. */
export const GITHUB_REFRESH_SYNOPSIS = '[--ref REF] [--api-base URL] [--raw-base URL] [--timeout-ms N]';

/** Throws the command's usage line unless the positionals are exactly `refresh`. */
export function requireRefresh(positionals: string[], usageLine: string): void {
  const [subcommand, ...rest] = positionals;
  if (subcommand !== 'refresh' || rest.length > 0) {
    throw new BotsieveError('ERR_CLI_USAGE', `${usageLine}${subcommand === undefined ? '' : ` (got '${positionals.join(' ')}')`}`);
  }
}

/** --ref, --api-base, --raw-base and --timeout-ms, checked in that order, as the refresh's options (unset flags left out). */
export function parseGitHubRefreshFlags(flags: GitHubRefreshFlags): GitHubReadOptions & { ref: string } {
  const ref = flags.ref ?? 'main';
  if (!/^[\w./-]{1,200}$/.test(ref)) throw new BotsieveError('ERR_CLI_USAGE', `--ref ${ref}: expected a branch, tag or commit`);
  const apiBase = parseBase('--api-base', flags['api-base']);
  const rawBase = parseBase('--raw-base', flags['raw-base']);
  const timeoutMs = parseTimeout(flags['timeout-ms']);
  return { ref, ...(apiBase === undefined ? {} : { apiBase }), ...(rawBase === undefined ? {} : { rawBase }), ...(timeoutMs === undefined ? {} : { timeoutMs }) };
}

export function parseBase(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^https?:\/\/\S+$/.test(value)) throw new BotsieveError('ERR_CLI_USAGE', `${flag} ${value}: expected an http(s) URL`);
  return value;
}

/** --timeout-ms: a whole number of milliseconds from 1 to 600000 (ten minutes). */
export function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0 || ms > 600_000) throw new BotsieveError('ERR_CLI_USAGE', `--timeout-ms ${value}: expected a whole number of milliseconds between 1 and 600000`);
  return ms;
}
