/**
 * The request headers the Worker sets on the way to the origin. Their names are core's edge →
 * origin contract (EDGE_HEADERS, `botsieve-*`), which the origin middleware reads too;
 * edge/worker/README.md lists them. Every one of them is deleted from the client's request
 * first, so a client cannot forge a score, a verified-bot flag, the edge token or an enforcement
 * action: only what Cloudflare computed for this request reaches the origin. The country is not
 * among them: Cloudflare itself sends the origin `cf-ipcountry`.
 */
import { EDGE_HEADERS, EDGE_HEADER_NAMES } from '@botsieve/core';

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
 * Deletes client-sent copies of every edge header from `headers`, then sets the edge token (when
 * configured) and those Cloudflare computed for this request. Headers with no value from the edge
 * stay absent.
 */
export function setEdgeHeaders(headers: Headers, cf: EdgeCf | undefined, edgeToken: string | null): void {
  for (const name of EDGE_HEADER_NAMES) headers.delete(name);
  if (edgeToken !== null) headers.set(EDGE_HEADERS.edge_token, edgeToken);
  if (cf === undefined) return;
  if (isAsn(cf.asn)) headers.set(EDGE_HEADERS.asn, String(cf.asn));
  // A category exists for verified bots only; an empty or absent one is not sent.
  if (typeof cf.verifiedBotCategory === 'string' && cf.verifiedBotCategory !== '') headers.set(EDGE_HEADERS.verified_bot_category, cf.verifiedBotCategory);
  const bot = cf.botManagement;
  if (bot === undefined || bot === null || typeof bot !== 'object') return;
  if (typeof bot.score === 'number' && Number.isInteger(bot.score)) headers.set(EDGE_HEADERS.bot_score, String(bot.score));
  if (typeof bot.verifiedBot === 'boolean') headers.set(EDGE_HEADERS.verified_bot, bot.verifiedBot ? 'true' : 'false');
  if (typeof bot.ja4 === 'string' && bot.ja4 !== '') headers.set(EDGE_HEADERS.ja4, bot.ja4);
  if (Array.isArray(bot.detectionIds) && bot.detectionIds.length > 0) headers.set(EDGE_HEADERS.bot_detection_ids, bot.detectionIds.join(','));
  if (typeof bot.staticResource === 'boolean') headers.set(EDGE_HEADERS.bot_static_resource, bot.staticResource ? 'true' : 'false');
  if (bot.jsDetection !== undefined && typeof bot.jsDetection?.passed === 'boolean') headers.set(EDGE_HEADERS.bot_js_passed, bot.jsDetection.passed ? 'true' : 'false');
}

export function isAsn(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}
