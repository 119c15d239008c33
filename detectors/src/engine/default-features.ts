import type { RequestEvent } from '@botsieve/core';
import type { EventFeatures } from './features.js';

/** Neutral features for an event (tests, goldens): a page, nothing flagged. */
export function defaultFeatures(event: RequestEvent): EventFeatures {
  return {
    route: `${event.host}${event.path}`,
    kind: 'page',
    login: false,
    login_failed: false,
    probe: false,
    not_found: event.status === 404 || event.status === 410,
    client_error: event.status >= 400 && event.status < 500,
    server_error: event.status >= 500 || event.origin_status >= 500,
    cache_busting: false,
    numeric_id: -1,
    has_bot_management: event.bot_score !== null,
    low_score: false,
    verified: false,
    safelisted: false,
    automation_ua: false,
    browser_ua: true,
    claimed_crawler: '',
    ua_ja4_mismatch: false,
    route_spiking: false,
    origin_loaded: false,
    ip_hash: 0,
    ua_hash: 0,
    url_hash: 0,
  };
}
