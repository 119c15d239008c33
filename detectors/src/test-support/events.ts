/** Test helpers: canonical events from partial objects, and metric values from a Telemetry. */
import type { RequestEvent } from '@botsieve/core';
import type { Telemetry } from '@botsieve/runtime';

/** A canonical RequestEvent (every field present, fixed key order) with `partial` applied. */
export function makeEvent(partial: Partial<RequestEvent> = {}): RequestEvent {
  const ip = partial.ip ?? '192.0.2.1';
  return {
    ray_id: partial.ray_id ?? 'ray-0',
    timestamp_ms: partial.timestamp_ms ?? 1_700_000_000_000,
    host: partial.host ?? 'example.com',
    ip,
    prefix: partial.prefix ?? defaultPrefix(ip),
    asn: partial.asn ?? 64_500,
    country: partial.country ?? 'nl',
    method: partial.method ?? 'GET',
    protocol: partial.protocol ?? 'HTTP/2',
    path: partial.path ?? '/',
    uri: partial.uri ?? partial.path ?? '/',
    user_agent: partial.user_agent ?? 'Mozilla/5.0',
    referer: partial.referer ?? '',
    status: partial.status ?? 200,
    origin_status: partial.origin_status ?? 200,
    origin_duration_ms: partial.origin_duration_ms ?? 12,
    content_type: partial.content_type ?? 'text/html',
    cache_status: partial.cache_status ?? 'miss',
    response_bytes: partial.response_bytes ?? 1_024,
    bot_score: partial.bot_score ?? null,
    bot_score_src: partial.bot_score_src ?? null,
    verified_bot_category: partial.verified_bot_category ?? null,
    ja4: partial.ja4 ?? null,
    ja3_hash: partial.ja3_hash ?? null,
    bot_tags: partial.bot_tags ?? null,
    source: partial.source ?? 'replay',
  };
}

/** /24 for IPv4, /64 for IPv6 (first four groups of a full or simple `::`-less address). */
function defaultPrefix(ip: string): string {
  if (ip.includes(':')) return `${ip.split(':').slice(0, 4).join(':')}::/64`;
  return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
}

/** Sum of a counter's values whose labels include `labels`. */
export async function metricValue(telemetry: Telemetry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await telemetry.registry.getMetricsAsJSON()).find((m) => m.name === name);
  if (metric === undefined) return 0;
  let sum = 0;
  for (const value of metric.values) {
    const ok = Object.entries(labels).every(([key, expected]) => String((value.labels as Record<string, unknown>)[key]) === expected);
    if (ok) sum += value.value;
  }
  return sum;
}
