/**
 * The two steps every "refresh a shipped data file from its publisher" command shares (crawler
 * and monitor ranges, attack signatures): fetch one published text with a timeout and a size cap,
 * and write the refreshed JSON atomically. Errors are made by the caller's factory, so each
 * command keeps its own error code; `retryable` says whether trying later may help (network
 * failures, timeouts, 5xx and 429).
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
