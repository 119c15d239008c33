/**
 * The edge → origin header contract: the request headers botsieve's Cloudflare Worker
 * (edge/worker) sets on its way to the origin, and the ones Cloudflare itself sets that the origin
 * middleware (@botsieve/origin) reads. Names are lower case, as Node gives them (`Headers` in the
 * Worker is case-insensitive). What each value looks like, and how it is parsed and validated, stays
 * with its writer and its reader; this module only names them, so the two cannot drift apart.
 *
 * Our own headers are prefixed `botsieve-`, never `cf-`: Cloudflare treats request headers whose
 * name starts with `cf-` or `x-cf-` as its own (Transform Rules cannot set or remove them:
 * https://developers.cloudflare.com/rules/transform/request-header-modification/).
 *
 * Pure data, no imports: the Worker bundle (platform "neutral") inlines it; the `@__PURE__`
 * marks let esbuild drop a constant a bundle does not use.
 */

/** Set by the botsieve edge Worker. It deletes client-sent copies of every one of them first. */
export const EDGE_HEADERS = /* @__PURE__ */ Object.freeze({
  /** `request.cf.botManagement.score`, an integer 1–99 (1 = automated). */
  bot_score: 'botsieve-bot-score',
  /** `request.cf.botManagement.verifiedBot`: `true` or `false`. */
  verified_bot: 'botsieve-verified-bot',
  /** `request.cf.verifiedBotCategory` (`Search Engine Crawler`…), when Cloudflare gives one. */
  verified_bot_category: 'botsieve-verified-bot-category',
  /** `request.cf.botManagement.ja4`, the JA4 TLS fingerprint. */
  ja4: 'botsieve-ja4',
  /** `request.cf.asn`, the client's autonomous system number. */
  asn: 'botsieve-asn',
  /** `request.cf.botManagement.detectionIds`, comma-separated. */
  bot_detection_ids: 'botsieve-bot-detection-ids',
  /** `request.cf.botManagement.staticResource`: `true` or `false`. */
  bot_static_resource: 'botsieve-bot-static-resource',
  /** `request.cf.botManagement.jsDetection.passed`: `true` or `false` (absent when no detection ran). */
  bot_js_passed: 'botsieve-bot-js-passed',
  /** The shared secret (the Worker's EDGE_TOKEN, the guard's `edge_token`) proving the request passed through the Worker. */
  edge_token: 'botsieve-edge-token',
  /** The verdict the edge found and left to the origin: `challenge` (CHALLENGE_MODE=forward). Also on the Worker's own 403s. */
  action: 'botsieve-action',
} as const);

export type EdgeHeaderName = (typeof EDGE_HEADERS)[keyof typeof EDGE_HEADERS];

/** Every header of EDGE_HEADERS: what the Worker strips from the client's request. */
export const EDGE_HEADER_NAMES: readonly EdgeHeaderName[] = /* @__PURE__ */ Object.freeze(Object.values(EDGE_HEADERS));

/**
 * Set by Cloudflare, not by us: Cloudflare writes them on every request it proxies to the origin
 * (overwriting any client copy), and the origin reads them only from a Cloudflare peer.
 */
export const CLOUDFLARE_HEADERS = /* @__PURE__ */ Object.freeze({
  /** The Ray ID, `<16 hex>-<colo>`. */
  ray: 'cf-ray',
  /** IP geolocation: ISO 3166-1 alpha-2 country, `XX` unknown, `T1` Tor. */
  country: 'cf-ipcountry',
  /** The client address Cloudflare saw. */
  connecting_ip: 'cf-connecting-ip',
} as const);

/** The shortest edge token the Worker and the origin accept (characters). */
export const EDGE_TOKEN_MIN_LENGTH = 16;
