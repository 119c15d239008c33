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
import { fetchText, githubReadSettings, listChange, resolveGitHubCommit, writeJsonAtomically, type FetchLike, type GitHubReadOptions, type ListChange } from '@botsieve/runtime';
import { dataRefreshError } from '../errors.js';
import { ATTACK_LIST_NAMES, parseAttackData, parseCrsDataFile, type AttackData, type AttackList, type AttackListName } from './data.js';

export interface AttackRefreshOptions extends GitHubReadOptions {
  /** Wall clock for `fetched_at` (injected in tests). */
  now?: () => Date;
  /** Largest body accepted (default 1 MiB; the CRS files are 4–20 KiB). */
  maxBytes?: number;
}

export interface AttackRefreshSummary extends ListChange {
  name: AttackListName;
  url: string;
  commit: string;
}

export interface AttackRefreshResult {
  data: AttackData;
  summaries: AttackRefreshSummary[];
}

const USER_AGENT = 'botsieve attack-signatures refresh';
const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * Reads every list of `current` again from its repository and path at one commit of `ref`;
 * `repository`, `path` and `license` are kept, `commit`, `fetched_at`, `provenance` and
 * `entries` replaced. Lists of different repositories resolve the ref once per repository.
 */
export async function refreshAttackData(current: AttackData, fetchImpl: FetchLike, options: AttackRefreshOptions = {}): Promise<AttackRefreshResult> {
  const { ref, apiBase, rawBase, timeoutMs } = githubReadSettings(options);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const commits = new Map<string, string>();
  const lists = {} as Record<AttackListName, AttackList>;
  const summaries: AttackRefreshSummary[] = [];
  for (const name of ATTACK_LIST_NAMES) {
    const list = current.lists[name];
    let commit = commits.get(list.repository);
    if (commit === undefined) {
      commit = await resolveGitHubCommit(fetchImpl, list.repository, ref, { api_base: apiBase, timeout_ms: timeoutMs, user_agent: USER_AGENT }, dataRefreshError);
      commits.set(list.repository, commit);
    }
    const url = `${rawBase}/${list.repository}/${commit}/${list.path}`;
    const body = await fetchText(fetchImpl, url, { name, accept: 'text/plain', timeout_ms: timeoutMs, max_bytes: maxBytes, user_agent: USER_AGENT }, dataRefreshError);
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
    summaries.push({ name, url, commit, ...listChange(list.entries, entries) });
  }
  // Same validation as loading: what is written can always be loaded again.
  return { data: parseAttackData({ lists }, 'refreshed attack signature data'), summaries };
}

/** One line per list, e.g. `attack_tools: 96 → 97 entries (+1 −0) at 007eaf9… from https://…`. */
export function formatAttackRefreshSummary(summary: AttackRefreshSummary): string {
  return `${summary.name}: ${summary.before} → ${summary.after} entries (+${summary.added} −${summary.removed}) at ${summary.commit} from ${summary.url}`;
}

/** Writes attack data atomically: a temporary file beside `path`, then rename over it. */
export async function writeAttackData(path: string, data: AttackData): Promise<void> {
  await writeJsonAtomically(path, data, 'attack signature data', dataRefreshError);
}
