/**
 * The request headers the Worker sets on the way to the origin: the one place their names are
 * defined (the origin middleware reads them; edge/worker/README.md lists them). Every one of them
 * is deleted from the client's request first, so a client cannot forge a score, a verified-bot
 * flag or an enforcement action: only what Cloudflare computed for this request reaches the origin.
 */
export const EDGE_HEADERS = Object.freeze({
  /** Bot Management score, 1–99 (1 = automated). */
  botScore: 'Cf-Bot-Score',
  /** Bot Management's verified-bot answer: `true` or `false`. */
  verifiedBot: 'Cf-Verified-Bot',
  /** JA4 TLS fingerprint. */
  ja4: 'Cf-Ja4',
  /** Bot Management heuristic detection ids, comma-separated. */
  detectionIds: 'Cf-Bot-Detection-Ids',
  /** `true` when Bot Management classed the request as a static resource. */
  staticResource: 'Cf-Bot-Static-Resource',
  /** `true`/`false`: the visitor passed a JavaScript detection (absent when none ran). */
  jsDetectionPassed: 'Cf-Bot-Js-Passed',
  /** Client autonomous system number. */
  asn: 'Cf-Asn',
  /** Client country, ISO 3166-1 alpha-2 as Cloudflare gives it. */
  country: 'Cf-Country',
  /** `challenge` when a challenge verdict applies and CHALLENGE_MODE is `forward`. */
  action: 'Botsieve-Action',
} as const);

export const EDGE_HEADER_NAMES: readonly string[] = Object.freeze(Object.values(EDGE_HEADERS));

/** Bot Management's fields on `request.cf` (present only on zones with Bot Management). */
export interface BotManagement {
  score?: number;
  verifiedBot?: boolean;
  staticResource?: boolean;
  ja3Hash?: string;
  ja4?: string;
  detectionIds?: number[];
  jsDetection?: { passed?: boolean };
  corporateProxy?: boolean;
}

/** The `request.cf` properties the Worker reads. */
export interface EdgeCf {
  asn?: number;
  country?: string;
  httpProtocol?: string;
  verifiedBotCategory?: string;
  botManagement?: BotManagement;
}

/**
 * Deletes client-sent copies of every edge header from `headers`, then sets those Cloudflare
 * computed for this request. Headers with no value from the edge stay absent.
 */
export function setEdgeHeaders(headers: Headers, cf: EdgeCf | undefined): void {
  for (const name of EDGE_HEADER_NAMES) headers.delete(name);
  if (cf === undefined) return;
  if (isAsn(cf.asn)) headers.set(EDGE_HEADERS.asn, String(cf.asn));
  if (typeof cf.country === 'string' && cf.country !== '') headers.set(EDGE_HEADERS.country, cf.country);
  const bot = cf.botManagement;
  if (bot === undefined || bot === null || typeof bot !== 'object') return;
  if (typeof bot.score === 'number' && Number.isInteger(bot.score)) headers.set(EDGE_HEADERS.botScore, String(bot.score));
  if (typeof bot.verifiedBot === 'boolean') headers.set(EDGE_HEADERS.verifiedBot, bot.verifiedBot ? 'true' : 'false');
  if (typeof bot.ja4 === 'string' && bot.ja4 !== '') headers.set(EDGE_HEADERS.ja4, bot.ja4);
  if (Array.isArray(bot.detectionIds) && bot.detectionIds.length > 0) headers.set(EDGE_HEADERS.detectionIds, bot.detectionIds.join(','));
  if (typeof bot.staticResource === 'boolean') headers.set(EDGE_HEADERS.staticResource, bot.staticResource ? 'true' : 'false');
  if (bot.jsDetection !== undefined && typeof bot.jsDetection?.passed === 'boolean') headers.set(EDGE_HEADERS.jsDetectionPassed, bot.jsDetection.passed ? 'true' : 'false');
}

export function isAsn(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}
