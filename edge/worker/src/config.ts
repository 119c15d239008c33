/**
 * The Worker's configuration: wrangler.toml [vars] (or Terraform's plain_text bindings) and
 * secrets, read from `env` once per isolate and validated then. A bad value is a configuration
 * error answered 500 on every request (`ERR_EDGE_CONFIG`), never guessed around: a Worker that
 * silently ran with enforcement off because of a typo would be worse.
 */
import { EDGE_TOKEN_MIN_LENGTH } from '@botsieve/core';

/** What `env` may hold; every var arrives as a string (or a number from wrangler.toml). */
export interface WorkerEnv {
  /** Secret shared with the origin (its guard's `edge_token`), sent as `botsieve-edge-token`; at least 16 printable characters. Absent: not sent. */
  EDGE_TOKEN?: string;
  /** Origin base URL, e.g. `https://origin.example.com`; absent: the request goes to its own URL (a route in front of the origin). */
  ORIGIN?: string;
  /** Ingest `POST /events` URL; absent: no metadata is shipped. */
  INGEST_URL?: string;
  /** Secret: the value of the ingest auth header, e.g. `Bearer SECRET` (ingest.auth.token). */
  INGEST_TOKEN?: string;
  /** Header carrying INGEST_TOKEN (ingest.auth.header). Default `authorization`. */
  INGEST_AUTH_HEADER?: string;
  /** Records per batch: a batch is sent as soon as it holds this many. Default 200. */
  BATCH_MAX_RECORDS?: string | number;
  /** A batch is sent at the latest this long after its first record. Default 2000. */
  BATCH_MAX_WAIT_MS?: string | number;
  /** Records held per isolate (waiting and being re-sent); over it new records are dropped and counted. Default 2000. */
  BUFFER_MAX_RECORDS?: string | number;
  /** `on` to enforce block/challenge verdicts at the edge. Default `off`. */
  ENFORCE?: string;
  /** Decision service base URL (its /v1/verdicts/stream); required with ENFORCE=on. */
  DECISIONS_URL?: string;
  /** Secret: the value of the decision service's auth header. */
  DECISIONS_TOKEN?: string;
  /** Header carrying DECISIONS_TOKEN. Default `authorization`. */
  DECISIONS_AUTH_HEADER?: string;
  /** Seconds between verdict refreshes per isolate, 0.1–3600, fractions allowed (`0.25`). Default 10. */
  REFRESH_S?: string | number;
  /** A refresh taking longer is abandoned (fail open). Default 3000. */
  REFRESH_TIMEOUT_MS?: string | number;
  /** `on`: an isolate's first request waits for the first refresh (bounded by REFRESH_TIMEOUT_MS). Default `off`. */
  WAIT_FOR_FIRST_REFRESH?: string;
  /** Verdicts held per isolate; a snapshot or change beyond it is dropped and counted. Default 100000. */
  MAX_VERDICTS?: string | number;
  /** `forward` (origin gets `Botsieve-Action: challenge`) or `block` (403 with a page). Default `forward`. */
  CHALLENGE_MODE?: string;
  /** Secret: enables the stats route (`GET /.well-known/botsieve/edge-stats` with `authorization: <STATS_TOKEN>`). */
  STATS_TOKEN?: string;
}

export type ChallengeMode = 'forward' | 'block';

export interface WorkerConfig {
  origin: URL | null;
  edge_token: string | null;
  ingest: { url: string; header: string; token: string | null; batch_max_records: number; batch_max_wait_ms: number; buffer_max_records: number } | null;
  enforce: {
    decisions_url: string;
    header: string;
    token: string | null;
    refresh_ms: number;
    refresh_timeout_ms: number;
    wait_for_first_refresh: boolean;
    max_verdicts: number;
    challenge_mode: ChallengeMode;
  } | null;
}

export class EdgeConfigError extends Error {
  readonly code = 'ERR_EDGE_CONFIG';
}

function integer(value: string | number | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const number = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isInteger(number) || number < min || number > max) throw new EdgeConfigError(`${name}: expected an integer ${min}–${max}, got ${JSON.stringify(value)}`);
  return number;
}

const SECONDS = /^\s*\d+(\.\d{1,3})?\s*$/;

/** A number of seconds with at most millisecond precision (`10`, `0.25`), in ms. */
function seconds(value: string | number | undefined, name: string, fallback_s: number, min_s: number, max_s: number): number {
  if (value === undefined || value === '') return fallback_s * 1_000;
  // Plain decimals only: Number() would also take '0x10', '1e1' or 'Infinity'.
  const number = typeof value === 'number' ? value : SECONDS.test(value) ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(number) || number < min_s || number > max_s) throw new EdgeConfigError(`${name}: expected seconds ${min_s}–${max_s}, e.g. 10 or 0.25, got ${JSON.stringify(value)}`);
  return Math.round(number * 1_000);
}

function onOff(value: string | undefined, name: string): boolean {
  if (value === undefined || value === '' || value === 'off') return false;
  if (value === 'on') return true;
  throw new EdgeConfigError(`${name}: expected "on" or "off", got ${JSON.stringify(value)}`);
}

function url(value: string, name: string): URL {
  try {
    const parsed = new URL(value);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed;
  } catch {
    // reported below
  }
  throw new EdgeConfigError(`${name}: expected an http(s) URL, got ${JSON.stringify(value)}`);
}

function secret(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

/** Printable ASCII without spaces: a valid header value, sent as it is. */
const EDGE_TOKEN = new RegExp(`^[\\x21-\\x7e]{${EDGE_TOKEN_MIN_LENGTH},}$`);

export function parseWorkerConfig(env: WorkerEnv): WorkerConfig {
  const origin = env.ORIGIN === undefined || env.ORIGIN === '' ? null : url(env.ORIGIN, 'ORIGIN');
  const edge_token = secret(env.EDGE_TOKEN);
  // The value is never echoed into the message: this is a secret.
  if (edge_token !== null && !EDGE_TOKEN.test(edge_token)) throw new EdgeConfigError(`EDGE_TOKEN: expected at least ${EDGE_TOKEN_MIN_LENGTH} printable characters without spaces (the origin's edge_token)`);
  const ingest = env.INGEST_URL === undefined || env.INGEST_URL === ''
    ? null
    : {
        url: url(env.INGEST_URL, 'INGEST_URL').href,
        header: (env.INGEST_AUTH_HEADER ?? '') === '' ? 'authorization' : (env.INGEST_AUTH_HEADER as string),
        token: secret(env.INGEST_TOKEN),
        batch_max_records: integer(env.BATCH_MAX_RECORDS, 'BATCH_MAX_RECORDS', 200, 1, 10_000),
        // waitUntil keeps an invocation alive at most 30 s after its response: a batch timer waits
        // at most 10 s, then sends at most 4 batches of at most 4 s each (shipper.ts), 26 s in all.
        batch_max_wait_ms: integer(env.BATCH_MAX_WAIT_MS, 'BATCH_MAX_WAIT_MS', 2_000, 0, 10_000),
        buffer_max_records: integer(env.BUFFER_MAX_RECORDS, 'BUFFER_MAX_RECORDS', 2_000, 1, 100_000),
      };
  if (ingest !== null && ingest.buffer_max_records < ingest.batch_max_records) throw new EdgeConfigError('BUFFER_MAX_RECORDS must be at least BATCH_MAX_RECORDS');
  let enforce: WorkerConfig['enforce'] = null;
  if (onOff(env.ENFORCE, 'ENFORCE')) {
    if (env.DECISIONS_URL === undefined || env.DECISIONS_URL === '') throw new EdgeConfigError('DECISIONS_URL is required with ENFORCE=on');
    const mode = env.CHALLENGE_MODE === undefined || env.CHALLENGE_MODE === '' ? 'forward' : env.CHALLENGE_MODE;
    if (mode !== 'forward' && mode !== 'block') throw new EdgeConfigError(`CHALLENGE_MODE: expected "forward" or "block", got ${JSON.stringify(mode)}`);
    enforce = {
      decisions_url: url(env.DECISIONS_URL, 'DECISIONS_URL').href.replace(/\/+$/, ''),
      header: (env.DECISIONS_AUTH_HEADER ?? '') === '' ? 'authorization' : (env.DECISIONS_AUTH_HEADER as string),
      token: secret(env.DECISIONS_TOKEN),
      // Down to 0.1 s: a sub-second refresh is what lets an isolate stop a flood within a second
      // of its first request (test/src/decision-loop.test.ts (the edge Worker loop): with 1 s the refresh alone may add up to
      // a second after the verdict exists), at one stream request per isolate per REFRESH_S.
      refresh_ms: seconds(env.REFRESH_S, 'REFRESH_S', 10, 0.1, 3_600),
      refresh_timeout_ms: integer(env.REFRESH_TIMEOUT_MS, 'REFRESH_TIMEOUT_MS', 3_000, 100, 25_000),
      wait_for_first_refresh: onOff(env.WAIT_FOR_FIRST_REFRESH, 'WAIT_FOR_FIRST_REFRESH'),
      max_verdicts: integer(env.MAX_VERDICTS, 'MAX_VERDICTS', 100_000, 1, 1_000_000),
      challenge_mode: mode,
    };
  }
  return { origin, edge_token, ingest, enforce };
}
