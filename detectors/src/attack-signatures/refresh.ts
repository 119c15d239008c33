/**
 * Refreshing the shipped attack lists from the OWASP Core Rule Set (`botsieve attack-signatures
 * refresh`; the CLI only wires flags to these functions).
 *
 * The ref (default `main`) is resolved to one commit first (GitHub API, `application/vnd.github.sha`),
 * then every list is read at that commit from raw.githubusercontent.com, so the written file names
 * the exact commit each list came from. All or nothing: every list is fetched and parsed before
 * anything is returned, and a failure (HTTP status, timeout, an empty or HTML body) leaves the
 * file as it was. The write goes to a temporary file beside the target, then renames over it.
 *
 * Failures throw BotsieveError ERR_DETECTOR_CONFIG (the data is detector configuration) naming
 * the list and the URL; network failures and 5xx/429 answers are marked retryable.
 */
import { BotsieveError } from '@botsieve/core';
import { fetchText, writeJsonAtomically, type FetchLike } from '@botsieve/runtime';
import { DETECTOR_ERRORS } from '../errors.js';
import { ATTACK_LIST_NAMES, parseAttackData, parseCrsDataFile, type AttackData, type AttackList, type AttackListName } from './data.js';

export interface AttackRefreshOptions {
  /** Branch, tag or commit of the repository to read (default `main`). */
  ref?: string;
  /** GitHub API base (default https://api.github.com; tests use a local server). */
  apiBase?: string;
  /** Raw file base (default https://raw.githubusercontent.com; tests use a local server). */
  rawBase?: string;
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
  /** Wall clock for `fetched_at` (injected in tests). */
  now?: () => Date;
  /** Largest body accepted (default 1 MiB; the CRS files are 4–20 KiB). */
  maxBytes?: number;
}

export interface AttackRefreshSummary {
  name: AttackListName;
  url: string;
  commit: string;
  before: number;
  after: number;
  added: number;
  removed: number;
}

export interface AttackRefreshResult {
  data: AttackData;
  summaries: AttackRefreshSummary[];
}

const DEFAULT_TIMEOUT_MS = 15_000;
const USER_AGENT = 'botsieve attack-signatures refresh';
const DEFAULT_MAX_BYTES = 1024 * 1024;

function refreshError(message: string, retryable: boolean, cause?: unknown): BotsieveError {
  return new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, message, { retryable, cause });
}

/**
 * Reads every list of `current` again from its repository and path at one commit of `ref`;
 * `repository`, `path` and `license` are kept, `commit`, `fetched_at`, `provenance` and
 * `entries` replaced. Lists of different repositories resolve the ref once per repository.
 */
export async function refreshAttackData(current: AttackData, fetchImpl: FetchLike, options: AttackRefreshOptions = {}): Promise<AttackRefreshResult> {
  const ref = options.ref ?? 'main';
  const apiBase = (options.apiBase ?? 'https://api.github.com').replace(/\/+$/, '');
  const rawBase = (options.rawBase ?? 'https://raw.githubusercontent.com').replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const commits = new Map<string, string>();
  const lists = {} as Record<AttackListName, AttackList>;
  const summaries: AttackRefreshSummary[] = [];
  for (const name of ATTACK_LIST_NAMES) {
    const list = current.lists[name];
    let commit = commits.get(list.repository);
    if (commit === undefined) {
      commit = await resolveCommit(fetchImpl, list.repository, ref, apiBase, timeoutMs);
      commits.set(list.repository, commit);
    }
    const url = `${rawBase}/${list.repository}/${commit}/${list.path}`;
    const body = await fetchText(fetchImpl, url, { name, accept: 'text/plain', timeout_ms: timeoutMs, max_bytes: maxBytes, user_agent: USER_AGENT }, refreshError);
    const entries = parseCrsDataFile(body, `${name}: ${url}`);
    const fetchedAt = (options.now?.() ?? new Date()).toISOString();
    lists[name] = {
      repository: list.repository,
      path: list.path,
      commit,
      license: list.license,
      fetched_at: fetchedAt,
      provenance: `${list.path} of github.com/${list.repository} at commit ${commit} (ref ${ref}), fetched from ${url} by \`botsieve attack-signatures refresh\` at ${fetchedAt}; the non-blank, non-comment lines, trimmed, in order.`,
      entries,
    };
    const before = new Set(list.entries);
    const after = new Set(entries);
    summaries.push({
      name,
      url,
      commit,
      before: list.entries.length,
      after: entries.length,
      added: entries.filter((e) => !before.has(e)).length,
      removed: list.entries.filter((e) => !after.has(e)).length,
    });
  }
  // Same validation as loading: what is written can always be loaded again.
  return { data: parseAttackData({ lists }, 'refreshed attack signature data'), summaries };
}

async function resolveCommit(fetchImpl: FetchLike, repository: string, ref: string, apiBase: string, timeoutMs: number): Promise<string> {
  if (/^[0-9a-f]{40}$/.test(ref)) return ref;
  const url = `${apiBase}/repos/${repository}/commits/${encodeURIComponent(ref)}`;
  const body = (await fetchText(fetchImpl, url, { name: repository, accept: 'application/vnd.github.sha', timeout_ms: timeoutMs, max_bytes: 65_536, user_agent: USER_AGENT }, refreshError)).trim();
  let sha = body;
  if (body.startsWith('{')) {
    try {
      sha = String((JSON.parse(body) as { sha?: unknown }).sha ?? '');
    } catch {
      sha = '';
    }
  }
  if (!/^[0-9a-f]{40}$/.test(sha)) throw refreshError(`${repository}: ${url} did not answer a commit sha for '${ref}'`, false);
  return sha;
}

/** One line per list, e.g. `attack_tools: 96 → 97 entries (+1 −0) at 007eaf9… from https://…`. */
export function formatAttackRefreshSummary(summary: AttackRefreshSummary): string {
  return `${summary.name}: ${summary.before} → ${summary.after} entries (+${summary.added} −${summary.removed}) at ${summary.commit} from ${summary.url}`;
}

/** Writes attack data atomically: a temporary file beside `path`, then rename over it. */
export async function writeAttackData(path: string, data: AttackData): Promise<void> {
  await writeJsonAtomically(path, data, 'attack signature data', refreshError);
}
