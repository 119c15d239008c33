/**
 * One Logpush `http_requests` record → one canonical RequestEvent.
 *
 * Field names are as Logpush writes them. RayID, ClientIP and EdgeStartTimestamp are required;
 * every other field has a neutral default (0, '') and the Bot Management fields, which zones
 * without Bot Management never receive, are null when absent. A JSON `null` counts as absent.
 * Types are checked: a number where a string belongs (or the reverse) rejects the record with
 * `invalid_field`; strings longer than their limit are truncated (user agents and URIs can be
 * huge and truncation keeps the event useful).
 *
 * Hot path (ingest and `botsieve replay`): the event is one object literal with every field, so
 * all events share a hidden class; helpers are module functions (no closure per record); a bad
 * field is thrown as a plain object (no stack capture) and caught once per record.
 */
import { canonicalIpInto, newCanonicalIp, type EventSource, type RequestEvent } from '@botsieve/core';
import { parseTimestampMs } from './timestamp.js';

/** Why a line was rejected: a small fixed set, used as a metric label and in dead letters. */
export type RejectReason =
  | 'invalid_json'
  | 'not_object'
  | 'missing_field'
  | 'invalid_ip'
  | 'invalid_timestamp'
  | 'invalid_field'
  | 'line_too_long'
  | 'json_too_deep'
  | 'timestamp_in_future'
  | 'timestamp_too_old';

export const REJECT_REASONS: readonly RejectReason[] = [
  'invalid_json',
  'not_object',
  'missing_field',
  'invalid_ip',
  'invalid_timestamp',
  'invalid_field',
  'line_too_long',
  'json_too_deep',
  'timestamp_in_future',
  'timestamp_too_old',
];

/**
 * The event times an upload accepts, from the receiving server's clock: later than `latest_ms`
 * is a forged or broken clock (one such event would drag the detectors' watermark), earlier than
 * `earliest_ms` is implausibly old. Replay of files passes none: their times are history.
 */
export interface TimeWindow {
  earliest_ms: number;
  latest_ms: number;
}

/** Length caps of string fields, in UTF-16 code units (what `String#length` counts). */
export interface FieldLimits {
  max_uri_chars: number;
  max_user_agent_chars: number;
  max_referer_chars: number;
  /** Every other string field, and each bot tag. A longer RayID is rejected, not truncated. */
  max_string_chars: number;
  /** Bot tags kept per event (and BotDetectionTags, BotDetectionIDs). */
  max_bot_tags: number;
}

export const DEFAULT_FIELD_LIMITS: Readonly<FieldLimits> = Object.freeze({
  max_uri_chars: 4_096,
  max_user_agent_chars: 1_024,
  max_referer_chars: 2_048,
  max_string_chars: 256,
  max_bot_tags: 32,
});

export type ParseResult = { ok: true; event: RequestEvent } | { ok: false; reason: RejectReason; detail: string };

class Rejection {
  constructor(
    readonly reason: RejectReason,
    readonly detail: string,
  ) {}
}

const ip = newCanonicalIp();

/** Parses one NDJSON line (without its newline). */
export function parseLogpushLine(line: string, source: EventSource, limits: FieldLimits = DEFAULT_FIELD_LIMITS, window: TimeWindow | null = null): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { ok: false, reason: 'invalid_json', detail: (error as Error).message };
  }
  return parseLogpushRecord(value, source, limits, window);
}

/** Validates an already-parsed record (an element of a JSON array, a /stream event). */
export function parseLogpushRecord(value: unknown, source: EventSource, limits: FieldLimits = DEFAULT_FIELD_LIMITS, window: TimeWindow | null = null): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'not_object', detail: `expected a JSON object, got ${describe(value)}` };
  }
  try {
    return { ok: true, event: toEvent(value as Record<string, unknown>, source, limits, window) };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, reason: error.reason, detail: error.detail };
    throw error;
  }
}

/**
 * True for Logpush's destination check: an upload whose only content is `{"content":"tests"}`.
 * Takes the line's text or the parsed value. Cheap on real lines (a length test).
 */
export function isValidationUpload(value: unknown): boolean {
  if (typeof value === 'string') {
    if (value.length > 64 || value.indexOf('tests') === -1) return false;
    try {
      value = JSON.parse(value);
    } catch {
      return false;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return record.content === 'tests' && Object.keys(record).length === 1;
}

function toEvent(record: Record<string, unknown>, source: EventSource, limits: FieldLimits, window: TimeWindow | null): RequestEvent {
  const rayId = record.RayID;
  if (rayId === undefined || rayId === null || rayId === '') throw new Rejection('missing_field', 'RayID is required');
  if (typeof rayId !== 'string') throw new Rejection('invalid_field', `RayID: expected a string, got ${describe(rayId)}`);
  if (rayId.length > limits.max_string_chars) throw new Rejection('invalid_field', `RayID: longer than ${limits.max_string_chars} characters`);

  const clientIp = record.ClientIP;
  if (clientIp === undefined || clientIp === null || clientIp === '') throw new Rejection('missing_field', 'ClientIP is required');
  if (typeof clientIp !== 'string' || !canonicalIpInto(clientIp, ip)) throw new Rejection('invalid_ip', `ClientIP: not an IP address: ${preview(clientIp)}`);

  const start = record.EdgeStartTimestamp;
  if (start === undefined || start === null || start === '') throw new Rejection('missing_field', 'EdgeStartTimestamp is required');
  const timestampMs = parseTimestampMs(start);
  if (timestampMs !== timestampMs) throw new Rejection('invalid_timestamp', `EdgeStartTimestamp: not a timestamp: ${preview(start)}`);
  if (window !== null) {
    if (timestampMs > window.latest_ms) throw new Rejection('timestamp_in_future', `EdgeStartTimestamp: ${new Date(timestampMs).toISOString()} is ${Math.round((timestampMs - window.latest_ms) / 1_000)} s past the accepted skew ahead of the server clock`);
    if (timestampMs < window.earliest_ms) throw new Rejection('timestamp_too_old', `EdgeStartTimestamp: ${new Date(timestampMs).toISOString()} is older than max_event_age_ms`);
  }

  const stringCap = limits.max_string_chars;
  let uri = optionalString(record.ClientRequestURI, 'ClientRequestURI', limits.max_uri_chars);
  let path = optionalString(record.ClientRequestPath, 'ClientRequestPath', limits.max_uri_chars);
  if (path === null) {
    if (uri !== null) {
      const query = uri.indexOf('?');
      path = query === -1 ? uri : uri.slice(0, query);
    } else path = '';
  }
  if (uri === null) uri = path;

  let originDurationMs = record.OriginResponseDurationMs;
  if ((originDurationMs === undefined || originDurationMs === null) && typeof record.OriginResponseTime === 'number') {
    // Deprecated field, in nanoseconds, still sent by older jobs.
    originDurationMs = Math.floor(record.OriginResponseTime / 1e6);
  }

  const host = optionalString(record.ClientRequestHost, 'ClientRequestHost', stringCap);
  const country = optionalString(record.ClientCountry, 'ClientCountry', stringCap);
  return {
    ray_id: rayId,
    timestamp_ms: timestampMs,
    host: host === null ? '' : host.toLowerCase(),
    ip: ip.ip,
    prefix: ip.prefix,
    asn: integer(record.ClientASN, 'ClientASN'),
    country: country === null ? '' : country.toLowerCase(),
    method: optionalString(record.ClientRequestMethod, 'ClientRequestMethod', stringCap) ?? '',
    protocol: optionalString(record.ClientRequestProtocol, 'ClientRequestProtocol', stringCap) ?? '',
    path,
    uri,
    user_agent: optionalString(record.ClientRequestUserAgent, 'ClientRequestUserAgent', limits.max_user_agent_chars) ?? '',
    referer: optionalString(record.ClientRequestReferer, 'ClientRequestReferer', limits.max_referer_chars) ?? '',
    status: integer(record.EdgeResponseStatus, 'EdgeResponseStatus'),
    origin_status: integer(record.OriginResponseStatus, 'OriginResponseStatus'),
    origin_duration_ms: integer(originDurationMs, 'OriginResponseDurationMs'),
    content_type: optionalString(record.EdgeResponseContentType, 'EdgeResponseContentType', stringCap) ?? '',
    cache_status: optionalString(record.CacheCacheStatus, 'CacheCacheStatus', stringCap) ?? '',
    response_bytes: integer(record.EdgeResponseBytes, 'EdgeResponseBytes'),
    bot_score: botScore(record.BotScore),
    bot_score_src: optionalString(record.BotScoreSrc, 'BotScoreSrc', stringCap),
    verified_bot_category: optionalString(record.VerifiedBotCategory, 'VerifiedBotCategory', stringCap),
    ja4: optionalString(record.JA4, 'JA4', stringCap),
    ja3_hash: optionalString(record.JA3Hash, 'JA3Hash', stringCap),
    bot_tags: stringArray(record.BotTags, 'BotTags', limits),
    bot_detection_ids: detectionIds(record.BotDetectionIDs, limits),
    bot_detection_tags: stringArray(record.BotDetectionTags, 'BotDetectionTags', limits),
    ja4_signals: ja4Signals(record.JA4Signals),
    client_request_source: optionalString(record.ClientRequestSource, 'ClientRequestSource', stringCap),
    source,
  };
}

function optionalString(value: unknown, field: string, cap: number): string | null {
  if (typeof value === 'string') return value.length > cap ? truncate(value, cap) : value;
  if (value === undefined || value === null) return null;
  throw new Rejection('invalid_field', `${field}: expected a string, got ${describe(value)}`);
}

/** Cuts at `cap` code units without leaving half a surrogate pair. */
function truncate(value: string, cap: number): string {
  const last = value.charCodeAt(cap - 1);
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? cap - 1 : cap);
}

function integer(value: unknown, field: string): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
  } else if (value === undefined || value === null) {
    return 0;
  }
  throw new Rejection('invalid_field', `${field}: expected a non-negative integer, got ${describe(value)}`);
}

function botScore(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100) return value;
  throw new Rejection('invalid_field', `BotScore: expected an integer 0–100, got ${describe(value)}`);
}

/** BotTags, BotDetectionTags: arrays of strings, at most `max_bot_tags` kept, each truncated. */
function stringArray(value: unknown, field: string, limits: FieldLimits): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new Rejection('invalid_field', `${field}: expected an array of strings, got ${describe(value)}`);
  const count = Math.min(value.length, limits.max_bot_tags);
  const tags: string[] = [];
  for (let i = 0; i < count; i++) {
    const tag: unknown = value[i];
    if (typeof tag !== 'string') throw new Rejection('invalid_field', `${field}: expected an array of strings, got an element ${describe(tag)}`);
    tags.push(tag.length > limits.max_string_chars ? truncate(tag, limits.max_string_chars) : tag);
  }
  return tags;
}

/** BotDetectionIDs: an array of non-negative integers, at most `max_bot_tags` kept. */
function detectionIds(value: unknown, limits: FieldLimits): number[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new Rejection('invalid_field', `BotDetectionIDs: expected an array of integers, got ${describe(value)}`);
  const count = Math.min(value.length, limits.max_bot_tags);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const id: unknown = value[i];
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new Rejection('invalid_field', `BotDetectionIDs: expected an array of integers, got an element ${describe(id)}`);
    ids.push(id);
  }
  return ids;
}

/** JA4Signals entries kept per event: Cloudflare sends about a dozen; a key is at most this long. */
const MAX_JA4_SIGNALS = 64;
const MAX_JA4_SIGNAL_NAME_CHARS = 64;

/**
 * JA4Signals: an object of named numbers. Entries that are not finite numbers, or whose names are
 * too long, are left out rather than rejecting the record (the set of signals is Cloudflare's to
 * extend, and the request is worth more than one odd statistic); past MAX_JA4_SIGNALS the rest too.
 */
function ja4Signals(value: unknown): Record<string, number> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new Rejection('invalid_field', `JA4Signals: expected an object of numbers, got ${describe(value)}`);
  const signals: Record<string, number> = {};
  let kept = 0;
  for (const name of Object.keys(value)) {
    if (kept === MAX_JA4_SIGNALS) break;
    const signal: unknown = (value as Record<string, unknown>)[name];
    // `__proto__` as a key would set the prototype of a plain object instead of an entry.
    if (typeof signal !== 'number' || !Number.isFinite(signal) || name.length > MAX_JA4_SIGNAL_NAME_CHARS || name === '__proto__') continue;
    signals[name] = signal;
    kept++;
  }
  return signals;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string ${preview(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

function preview(value: unknown): string {
  if (typeof value !== 'string') return describe(value);
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}
