/**
 * The steps every "refresh a shipped data file from its publisher" command shares (crawler and
 * monitor ranges, attack signatures, hosting networks): fetch one published text with a timeout
 * and a size cap, resolve a GitHub ref to the one commit the files are then read at, and write the
 * refreshed JSON atomically. Errors are made by the caller's factory, so each command keeps its
 * own error code; `retryable` says whether trying later may help (network failures, timeouts, 5xx
 * and 429).
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import type { BotsieveError } from '@botsieve/core';

/** The part of `fetch` the refresh commands use (tests pass a local server's). */
export type FetchLike = (url: string, init: { signal: AbortSignal; headers: Record<string, string> }) => Promise<{ ok: boolean; status: number; statusText: string; text(): Promise<string> }>;

export type MakeError = (message: string, retryable: boolean, cause?: unknown) => BotsieveError;

export interface FetchTextOptions {
  /** Who is fetching, for messages (`googlebot`, `attack_tools`). */
  name: string;
  accept: string;
  timeout_ms: number;
  max_bytes: number;
  /** User-Agent header; omitted when undefined. */
  user_agent?: string;
}

/** The body of `url`, or a thrown error from `makeError` saying what failed. */
export async function fetchText(fetchImpl: FetchLike, url: string, options: FetchTextOptions, makeError: MakeError): Promise<string> {
  const { name, accept, timeout_ms, max_bytes, user_agent } = options;
  const signal = AbortSignal.timeout(timeout_ms);
  const headers: Record<string, string> = { accept };
  if (user_agent !== undefined) headers['user-agent'] = user_agent;
  let response;
  let body: string;
  try {
    response = await fetchImpl(url, { signal, headers });
    body = await response.text();
  } catch (cause) {
    const why = signal.aborted ? `timed out after ${timeout_ms} ms` : (cause as Error).message;
    throw makeError(`${name}: fetching ${url} failed: ${why}`, true, cause);
  }
  if (!response.ok) {
    const retryable = response.status >= 500 || response.status === 429;
    throw makeError(`${name}: ${url} answered HTTP ${response.status} ${response.statusText}`.trimEnd(), retryable);
  }
  if (body.length > max_bytes) throw makeError(`${name}: ${url} returned ${body.length} bytes, more than the ${max_bytes} accepted`, false);
  return body;
}

/** Where a refresh reads a GitHub repository's files, and at which ref (the CLI's --ref, --api-base, --raw-base, --timeout-ms). */
export interface GitHubReadOptions {
  /** Branch, tag or commit of the repository to read (default `main`). */
  ref?: string;
  /** GitHub API base (default https://api.github.com; tests use a local server). */
  apiBase?: string;
  /** Raw file base (default https://raw.githubusercontent.com; tests use a local server). */
  rawBase?: string;
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
}

/** `options` with every default filled in, the bases without trailing slashes. */
export function githubReadSettings(options: GitHubReadOptions): Required<GitHubReadOptions> {
  return {
    ref: options.ref ?? 'main',
    apiBase: (options.apiBase ?? 'https://api.github.com').replace(/\/+$/, ''),
    rawBase: (options.rawBase ?? 'https://raw.githubusercontent.com').replace(/\/+$/, ''),
    timeoutMs: options.timeoutMs ?? 15_000,
  };
}

export interface ResolveCommitOptions {
  /** GitHub API base, without a trailing slash. */
  api_base: string;
  timeout_ms: number;
  /** User-Agent header; omitted when undefined. */
  user_agent?: string;
}

/**
 * The commit `ref` (a branch, tag or commit) names in GitHub `repository` (`owner/name`), asked
 * of the API as `application/vnd.github.sha` (a JSON answer with a `sha` is read too); a full
 * 40-digit sha is its own answer and asks nothing. Reading every file at that commit, not at the
 * ref, is what lets the written data name the exact commit it came from.
 */
export async function resolveGitHubCommit(fetchImpl: FetchLike, repository: string, ref: string, options: ResolveCommitOptions, makeError: MakeError): Promise<string> {
  if (/^[0-9a-f]{40}$/.test(ref)) return ref;
  const url = `${options.api_base}/repos/${repository}/commits/${encodeURIComponent(ref)}`;
  const { timeout_ms, user_agent } = options;
  const body = (await fetchText(fetchImpl, url, { name: repository, accept: 'application/vnd.github.sha', timeout_ms, max_bytes: 65_536, user_agent }, makeError)).trim();
  let sha = body;
  if (body.startsWith('{')) {
    try {
      sha = String((JSON.parse(body) as { sha?: unknown }).sha ?? '');
    } catch {
      sha = '';
    }
  }
  if (!/^[0-9a-f]{40}$/.test(sha)) throw makeError(`${repository}: ${url} did not answer a commit sha for '${ref}'`, false);
  return sha;
}

/** How a refreshed list differs from the one it replaces. */
export interface ListChange {
  /** Entries before and after. */
  before: number;
  after: number;
  /** Entries of the new list not in the old one, and of the old list not in the new one. */
  added: number;
  removed: number;
}

export function listChange<T>(before: readonly T[], after: readonly T[]): ListChange {
  const beforeSet = new Set(before);
  const afterSet = new Set(after);
  return {
    before: before.length,
    after: after.length,
    added: after.filter((entry) => !beforeSet.has(entry)).length,
    removed: before.filter((entry) => !afterSet.has(entry)).length,
  };
}

/** Writes `value` as pretty JSON atomically: a temporary file beside `path`, then rename over it. */
export async function writeJsonAtomically(path: string, value: unknown, what: string, makeError: MakeError): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { flag: 'wx' });
    await rename(temporary, path);
  } catch (cause) {
    await rm(temporary, { force: true });
    throw makeError(`cannot write ${what} to ${path}: ${(cause as Error).message}`, false, cause);
  }
}
