/**
 * Per-event features, computed once per event by the FeatureExtractor (classification config,
 * safelists, crawler ranges, traffic context) and shared by every detector, so no detector
 * parses a path or a user agent again. One object shape for every event (all fields set).
 */

/** What the request fetched. `page`: an HTML document; `asset`: css/js/image/font/media; `api`: JSON/XHR and non-GET data calls. */
export type RequestKind = 'page' | 'asset' | 'api' | 'other';

export interface EventFeatures {
  /** Host and path group: numeric/hex/uuid segments become `:id`, at most 3 segments: `shop.example/product/:id`. */
  route: string;
  kind: RequestKind;
  /** A login attempt: method and path match a configured login pattern. */
  login: boolean;
  /** A failed login attempt (status in the configured failure statuses). */
  login_failed: boolean;
  /** A request for a sensitive path (`.env`, `.git/`, `wp-login.php`, admin panels, …). */
  probe: boolean;
  /** Edge status 404 or 410. */
  not_found: boolean;
  /** Edge status 400–499. */
  client_error: boolean;
  /** Edge or origin status 500–599. */
  server_error: boolean;
  /** A page or API request with a query string that looks random (cache busting). */
  cache_busting: boolean;
  /** Last numeric path segment (product id, page number), −1 when none. */
  numeric_id: number;
  /** The event carries Bot Management fields (bot_score not null). */
  has_bot_management: boolean;
  /** Bot Management score below the configured `low_score_below` (false without Bot Management). */
  low_score: boolean;
  /** A verified good bot: VerifiedBotCategory / BotScoreSrc "Verified Bot", or a crawler UA from that crawler's published ranges. */
  verified: boolean;
  /** IP in a configured or private range, or ASN safelisted: never acted on. */
  safelisted: boolean;
  /** The user agent matches the maintained list of automation agents (isbot), apps' HTTP stacks excepted. */
  automation_ua: boolean;
  /** The user agent claims a mainstream browser (Chrome, Firefox, Safari, Edge). */
  browser_ua: boolean;
  /** Name of the good crawler the user agent claims to be (`googlebot`, `bingbot`, …), '' when none. */
  claimed_crawler: string;
  /** A browser UA with a TLS fingerprint no browser sends (needs JA4; false without it). */
  ua_ja4_mismatch: boolean;
  /** The user agent is a mobile or desktop app's HTTP stack (okhttp, CFNetwork): not automation on its own. */
  app_ua: boolean;
  /** The request names a referer. */
  has_referer: boolean;
  /** An add-to-cart, checkout or order request (classify.cart_paths). */
  cart: boolean;
  /** The client's address sent nothing within the client memory's horizon before this request. */
  new_client: boolean;
  /**
   * The client's address loaded assets (a browser rendering pages) within the horizon before this
   * request. Assets fetched under an automation user agent do not count, and a request with one is
   * never a known browser's.
   */
  known_browser: boolean;
  /**
   * The client's address has called at least three distinct routes within the client memory's
   * horizon, this request included (features/client-memory.ts): a session, as a person's client
   * makes and a tool reading one endpoint does not.
   */
  in_session: boolean;
  /** This event's route is spiking right now (traffic context, event time). */
  route_spiking: boolean;
  /** The origin of this event's host is under load right now (latency or 5xx share). */
  origin_loaded: boolean;
  /** 32-bit hashes, for sketches. */
  ip_hash: number;
  ua_hash: number;
  /** Hash of the page URI (path + query) for pages; 0 for other kinds. */
  url_hash: number;
  /** Hash of the path (`hash32(event.path)`): the key of per-path caches. */
  path_hash: number;
}

/** Every field set, so the reused object keeps one shape. */
export function blankFeatures(): EventFeatures {
  return {
    route: '',
    kind: 'other',
    login: false,
    login_failed: false,
    probe: false,
    not_found: false,
    client_error: false,
    server_error: false,
    cache_busting: false,
    numeric_id: -1,
    has_bot_management: false,
    low_score: false,
    verified: false,
    safelisted: false,
    automation_ua: false,
    browser_ua: false,
    claimed_crawler: '',
    ua_ja4_mismatch: false,
    app_ua: false,
    has_referer: false,
    cart: false,
    new_client: false,
    known_browser: false,
    in_session: false,
    route_spiking: false,
    origin_loaded: false,
    ip_hash: 0,
    ua_hash: 0,
    url_hash: 0,
    path_hash: 0,
  };
}
