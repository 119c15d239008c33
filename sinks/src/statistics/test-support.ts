/**
 * Test fixtures for the statistics components (and their back ends' tests): a request event with
 * every field set, a verdict, a traffic item.
 */
import type { RequestEvent, SubjectKey, Verdict, VerdictAction } from '@botsieve/core';
import type { TrafficItem } from './traffic-aggregator.js';

/** 2024-05-01T12:00:00.000Z: a minute boundary. */
export const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

export function requestEvent(overrides: Partial<RequestEvent> = {}): RequestEvent {
  return {
    ray_id: 'ray', timestamp_ms: T0, host: 'shop.example', ip: '192.0.2.1', prefix: '192.0.2.0/24', asn: 64500, country: 'nl',
    method: 'GET', protocol: 'HTTP/2', path: '/', uri: '/', user_agent: 'curl/8.0', referer: '', status: 200, origin_status: 200, origin_duration_ms: 10,
    content_type: 'text/html', cache_status: 'miss', response_bytes: 1000, bot_score: 50, bot_score_src: 'Machine Learning',
    verified_bot_category: null, ja4: 't13d1516h2_8daaf6152771_b186095e22b6', ja3_hash: null, bot_tags: null, source: 'events',
    ...overrides,
  };
}

export function verdict(subject: SubjectKey, action: VerdictAction, decided_at: number, ttl_ms = 60_000, detectors: Verdict['detectors'] = [{ id: 'volumetric', score: 5, evidence: { requests: 100 } }]): Verdict {
  return { id: `${subject}/${action}/${decided_at}`, subject, action, score: 5, ttl_ms, decided_at, detectors };
}

export function trafficItem(offset: number, event: Partial<RequestEvent> = {}, source_partition = 'events/0', rebuild = false): TrafficItem {
  return { source_partition, offset, rebuild, event: requestEvent(event) };
}
