import type { RequestEvent } from '@botsieve/core';
import { blankFeatures, type EventFeatures } from './features.js';

/** Neutral features for an event (tests, goldens): a page from a browser, nothing flagged. */
export function defaultFeatures(event: RequestEvent): EventFeatures {
  const features = blankFeatures();
  features.route = `${event.host}${event.path}`;
  features.kind = 'page';
  features.not_found = event.status === 404 || event.status === 410;
  features.client_error = event.status >= 400 && event.status < 500;
  features.server_error = event.status >= 500 || event.origin_status >= 500;
  features.has_bot_management = event.bot_score !== null;
  features.browser_ua = true;
  return features;
}
