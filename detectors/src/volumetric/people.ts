/**
 * Does one address's recent traffic look like people's clients, and how many people? Shared by
 * `volumetric` (thresholds scale with the people behind an address) and `load-bucket` (people
 * are not the bot bucket, whatever score Bot Management gave them).
 *
 * People's clients, over a window of one subject:
 * - name a mainstream browser or the shop's app (≥ `human_min_client_share` of the requests);
 * - rarely earn failures of their own (404/410, failed logins: ≤ `human_max_failure_ratio`);
 *   what the shop answers everyone at a moment (409 when sold out, 5xx when overloaded, 403 to
 *   whoever a verdict covers) is not counted;
 * - and either render: the address loaded assets recently (known_browsers ≥
 *   `human_min_client_share` of the requests: a browser, a single-page app after its shell, a
 *   NAT exit with browsers behind it) or its pages come with their assets (≥
 *   `human_assets_ratio` × pages);
 * - or, without pages (API clients: the app), spread over `human_min_routes` main routes or more
 *   (RouteMix, about a minute; while an address has been seen for fewer steps, a new main route
 *   at every step): an app session is config, home, products, recommendations,
 *   search, cart and the analytics beacon; a scraper, a flood or a hoarding bot copying the app
 *   keeps to one to three (product, cart, checkout).
 *
 * How many: the distinct user agents, or, for traffic spread over `human_min_routes` routes,
 * requests / `human_requests_per_window` (what one person sends at most: a page with its
 * assets, a few app screens), whichever is larger, capped by `max_humans`. The app's users behind
 * a carrier NAT exit share one or two user agents; their number shows in the volume of a mix no
 * single client sends.
 *
 * Assumed of real traffic: carrier NAT exits and offices mix routes and user agents; one client
 * hammering a service keeps to a few routes, fails, or renders nothing. A bot can pass for
 * people by mixing routes at a human volume per address; it then has to spread over many
 * addresses, where the per-address and population rules judge it.
 */

/** The conditions every people rule shares. */
export interface ClientsRule {
  human_assets_ratio: number;
  human_max_failure_ratio: number;
  human_min_client_share: number;
}

export interface PeopleRule extends ClientsRule {
  human_min_routes: number;
}

/** One subject's window, as counted by its detector. */
export interface PeopleWindow {
  requests: number;
  pages: number;
  assets: number;
  /** 404/410 and failed logins. */
  failures: number;
  /** Requests with a mainstream browser's (over a browser's TLS) or an app stack's user agent (`clientRequests`). */
  clients: number;
  /** Requests from an address that loaded assets recently (client memory). */
  known: number;
  /** Its main routes spread over `human_min_routes` or more (RouteMix.diverse). */
  mixed: boolean;
}

/**
 * Requests of a summary that name a person's client: a mainstream browser's user agent over a
 * browser's TLS (a browser user agent over a library's JA4 is a tool), or an app stack's.
 */
export function clientRequests(s: { browser_ua: number; app_ua: number; ua_ja4_mismatch: number }): number {
  const browsers = s.browser_ua - s.ua_ja4_mismatch;
  return (browsers > 0 ? browsers : 0) + s.app_ua;
}

/** One step of a subject renders (the `rendered` test on a single summary). */
export function rendersStep(s: { requests: number; pages: number; assets: number; known_browsers: number }, rule: ClientsRule): boolean {
  if (s.known_browsers >= rule.human_min_client_share * s.requests) return true;
  return s.pages > 0 && s.assets >= rule.human_assets_ratio * s.pages;
}

export function looksLikePeople(w: PeopleWindow, rule: PeopleRule): boolean {
  if (!peopleClients(w, rule)) return false;
  if (rendered(w, rule)) return true;
  return w.pages === 0 && w.mixed;
}

/** Browsers or the app, with few failures of their own (the first two conditions). */
export function peopleClients(w: PeopleWindow, rule: ClientsRule): boolean {
  const requests = w.requests;
  return requests > 0 && w.failures <= rule.human_max_failure_ratio * requests && w.clients >= rule.human_min_client_share * requests;
}

/** A browser rendering what it loads: the address loaded assets recently, or its pages come with their assets. */
export function rendered(w: PeopleWindow, rule: ClientsRule): boolean {
  if (w.known >= rule.human_min_client_share * w.requests) return true;
  return w.pages > 0 && w.assets >= rule.human_assets_ratio * w.pages;
}

/** People behind a subject that looks like people (`looksLikePeople`), at least 1, at most `max`. */
export function estimatePeople(w: PeopleWindow, distinctUserAgents: number, rule: { human_requests_per_window: number }, max: number): number {
  const mixed = w.mixed ? Math.floor(w.requests / rule.human_requests_per_window) : 1;
  return Math.min(max, Math.max(1, distinctUserAgents, mixed));
}
