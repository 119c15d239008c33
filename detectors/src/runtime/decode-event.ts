import type { RequestEvent } from '@botsieve/core';

/**
 * Decodes one `events` record. Returns null for anything that is not JSON or lacks the fields
 * the engine reads (ray_id, timestamp_ms, ip, prefix, asn, ja4, host, path, uri, method,
 * user_agent, content_type, status, origin_status); the rest of the
 * canonical event is trusted as ingest wrote it. A full schema check per event would cost more
 * than the detection itself.
 */
export function decodeEvent(value: Buffer): RequestEvent | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const event = parsed as Partial<RequestEvent>;
  if (typeof event.ray_id !== 'string') return null;
  if (typeof event.timestamp_ms !== 'number' || !Number.isFinite(event.timestamp_ms)) return null;
  if (typeof event.ip !== 'string' || typeof event.prefix !== 'string' || typeof event.asn !== 'number') return null;
  if (event.ja4 !== null && typeof event.ja4 !== 'string') return null;
  // Read by the feature extractor: a record without them would throw mid-batch.
  if (typeof event.host !== 'string' || typeof event.path !== 'string' || typeof event.uri !== 'string' || typeof event.method !== 'string') return null;
  if (typeof event.user_agent !== 'string' || typeof event.content_type !== 'string' || typeof event.status !== 'number' || typeof event.origin_status !== 'number') return null;
  // Written by ingest since the field exists; older records on the topic lack it.
  if (typeof event.protocol !== 'string') event.protocol = '';
  return event as RequestEvent;
}
