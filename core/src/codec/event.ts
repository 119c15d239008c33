/**
 * The event codec: the one wire form of a RequestEvent on the `events` topic (its JSON, UTF-8),
 * written by ingest and read by the detectors and the traffic statistics.
 *
 * Every field is checked for the type RequestEvent gives it, because consumers read them without
 * looking (the feature extractor, the rule fields' `toLowerCase()`, the coverage keys): a record
 * that lacks one would throw in the middle of a batch instead of being counted. Values are not
 * re-validated (ingest canonicalised the IP and bounded the strings); `timestamp_ms` must be a
 * non-negative integer (ms), as ingest writes it, so decision times and expiries stay whole ms.
 * `protocol`, added after the first records were written, reads as '' when absent; the fields
 * added later still (`bot_detection_ids`, `bot_detection_tags`, `ja4_signals`,
 * `client_request_source`) are optional: absent, null or of their type, and left as they came.
 *
 * Measured (1M decodes of a 714-byte event, dev box): 1.64–1.71 µs per decode, against 1.66–1.75
 * for the detectors' old check of 14 fields and 1.70–1.75 for JSON.parse alone: the parse is the
 * cost, the full check is in the noise. The same checks as a loop over field names took 1.88 µs.
 *
 * A bad record is an answer, never an exception: the caller counts it and drops or dead-letters it.
 */
import type { RequestEvent } from '../event.js';
import { NOT_JSON, parseWire } from './json.js';

export type EventDecoding = { ok: true; event: RequestEvent } | { ok: false; reason: string };

/** The event's wire bytes. */
export function encodeEvent(event: RequestEvent): Buffer {
  return Buffer.from(JSON.stringify(event));
}

/** Parses and checks the wire bytes (or JSON text) of one event. */
export function decodeEvent(bytes: Buffer | string): EventDecoding {
  const value = parseWire(bytes);
  if (value === NOT_JSON) return { ok: false, reason: 'not JSON' };
  const reason = eventProblem(value);
  return reason === undefined ? { ok: true, event: value as RequestEvent } : { ok: false, reason };
}

/**
 * Why `value` is not an event, or undefined when it is one. Fills in `protocol` ('') when absent
 * (records written before the field existed), so call it only on an object that is yours to change.
 */
export function eventProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const e = value as Record<string, unknown>;
  // Written out field by field: a loop over the names (keyed loads) added ~0.2 µs per event.
  const timestamp = e.timestamp_ms;
  if (!Number.isSafeInteger(timestamp) || (timestamp as number) < 0) return 'timestamp_ms is not a non-negative integer (ms)';
  if (typeof e.ray_id !== 'string') return 'ray_id is not a string';
  if (typeof e.host !== 'string') return 'host is not a string';
  if (typeof e.ip !== 'string') return 'ip is not a string';
  if (typeof e.prefix !== 'string') return 'prefix is not a string';
  if (typeof e.country !== 'string') return 'country is not a string';
  if (typeof e.method !== 'string') return 'method is not a string';
  if (typeof e.path !== 'string') return 'path is not a string';
  if (typeof e.uri !== 'string') return 'uri is not a string';
  if (typeof e.user_agent !== 'string') return 'user_agent is not a string';
  if (typeof e.referer !== 'string') return 'referer is not a string';
  if (typeof e.content_type !== 'string') return 'content_type is not a string';
  if (typeof e.cache_status !== 'string') return 'cache_status is not a string';
  if (!isNumber(e.asn)) return 'asn is not a number';
  if (!isNumber(e.status)) return 'status is not a number';
  if (!isNumber(e.origin_status)) return 'origin_status is not a number';
  if (!isNumber(e.origin_duration_ms)) return 'origin_duration_ms is not a number';
  if (!isNumber(e.response_bytes)) return 'response_bytes is not a number';
  if (e.bot_score !== null && !isNumber(e.bot_score)) return 'bot_score is neither a number nor null';
  if (!isStringOrNull(e.bot_score_src)) return 'bot_score_src is neither a string nor null';
  if (!isStringOrNull(e.verified_bot_category)) return 'verified_bot_category is neither a string nor null';
  if (!isStringOrNull(e.ja4)) return 'ja4 is neither a string nor null';
  if (!isStringOrNull(e.ja3_hash)) return 'ja3_hash is neither a string nor null';
  const tags = e.bot_tags;
  if (tags !== null) {
    if (!Array.isArray(tags)) return 'bot_tags is neither an array nor null';
    for (let i = 0; i < tags.length; i++) if (typeof tags[i] !== 'string') return 'bot_tags holds a value that is not a string';
  }
  if (e.bot_detection_ids !== undefined) {
    const ids = e.bot_detection_ids;
    if (ids !== null) {
      if (!Array.isArray(ids)) return 'bot_detection_ids is neither an array nor null';
      for (let i = 0; i < ids.length; i++) if (!isNumber(ids[i])) return 'bot_detection_ids holds a value that is not a number';
    }
  }
  if (e.bot_detection_tags !== undefined) {
    const detectionTags = e.bot_detection_tags;
    if (detectionTags !== null) {
      if (!Array.isArray(detectionTags)) return 'bot_detection_tags is neither an array nor null';
      for (let i = 0; i < detectionTags.length; i++) if (typeof detectionTags[i] !== 'string') return 'bot_detection_tags holds a value that is not a string';
    }
  }
  if (e.ja4_signals !== undefined) {
    const signals = e.ja4_signals;
    if (signals !== null) {
      if (typeof signals !== 'object' || Array.isArray(signals)) return 'ja4_signals is neither an object nor null';
      for (const name in signals) if (!isNumber((signals as Record<string, unknown>)[name])) return 'ja4_signals holds a value that is not a number';
    }
  }
  if (e.client_request_source !== undefined && !isStringOrNull(e.client_request_source)) return 'client_request_source is neither a string nor null';
  const source = e.source;
  if (source !== 'logpush' && source !== 'events' && source !== 'stream' && source !== 'replay') return `unknown source ${String(source).slice(0, 40)}`;
  if (e.protocol === undefined) e.protocol = '';
  else if (typeof e.protocol !== 'string') return 'protocol is not a string';
  return undefined;
}

function isNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
}

function isStringOrNull(value: unknown): boolean {
  return value === null || typeof value === 'string';
}
