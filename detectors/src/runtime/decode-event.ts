import type { RequestEvent } from '@botsieve/core';

/**
 * Decodes one `events` record. Returns null for anything that is not JSON or lacks the fields
 * the host and detectors read (ray_id, timestamp_ms, ip, prefix, asn, ja4); the rest of the
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
  return event as RequestEvent;
}
