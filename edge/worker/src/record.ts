/**
 * One request's metadata as a Logpush `http_requests` record, with the field names and units
 * ingest's parser reads (ingest/src/logpush/parse-event.ts): the same record Logpush would push,
 * seconds rather than minutes after the request. Ingest derives ip/prefix canonically itself.
 *
 * Fields the Worker cannot know are left out (ingest defaults them): EdgeResponseBytes is the
 * Content-Length when the response declares one, CacheCacheStatus the origin's `cf-cache-status`.
 * BotScoreSrc is only ever `Verified Bot`, set when Bot Management says the request is a verified
 * bot, so the pipeline's exemption sees the same answer the edge saw.
 */
import { CLOUDFLARE_HEADERS } from '@botsieve/core';
import { isAsn, type EdgeCf } from './headers.js';

export interface LogpushRecord {
  RayID: string;
  /** Milliseconds since the epoch (ingest tells the unit by magnitude). */
  EdgeStartTimestamp: number;
  ClientIP: string;
  ClientASN?: number;
  ClientCountry?: string;
  ClientRequestHost: string;
  ClientRequestMethod: string;
  ClientRequestProtocol?: string;
  ClientRequestPath: string;
  ClientRequestURI: string;
  ClientRequestUserAgent?: string;
  ClientRequestReferer?: string;
  EdgeResponseStatus: number;
  EdgeResponseBytes?: number;
  EdgeResponseContentType?: string;
  OriginResponseStatus?: number;
  OriginResponseDurationMs?: number;
  CacheCacheStatus?: string;
  BotScore?: number;
  BotScoreSrc?: string;
  VerifiedBotCategory?: string;
  JA4?: string;
  JA3Hash?: string;
}

/** What happened to the request at the edge. */
export interface EdgeOutcome {
  /** Status the client got. */
  status: number;
  response: Response;
  /** Status and duration of the origin's answer; null when the edge answered itself (block). */
  origin: { status: number; duration_ms: number } | null;
}

const RAY_SUFFIX = /-[A-Z]{3}$/;

/** Logpush's RayID is the `cf-ray` header without its `-COLO` suffix. */
export function rayId(request: Request): string {
  const header = request.headers.get(CLOUDFLARE_HEADERS.ray);
  if (header !== null && header !== '') return header.replace(RAY_SUFFIX, '');
  // Only without Cloudflare in front (tests, wrangler dev): a random id of Logpush's shape.
  return crypto.randomUUID().replace(/-/g, '').slice(0, 16);
}

/** The record, or null when the request has no client address (never behind Cloudflare). */
export function toRecord(request: Request, url: URL, cf: EdgeCf | undefined, startMs: number, outcome: EdgeOutcome): LogpushRecord | null {
  const clientIp = request.headers.get(CLOUDFLARE_HEADERS.connecting_ip);
  if (clientIp === null || clientIp === '') return null;
  const record: LogpushRecord = {
    RayID: rayId(request),
    EdgeStartTimestamp: startMs,
    ClientIP: clientIp,
    ClientRequestHost: url.host,
    ClientRequestMethod: request.method,
    ClientRequestPath: url.pathname,
    ClientRequestURI: url.pathname + url.search,
    EdgeResponseStatus: outcome.status,
  };
  const userAgent = request.headers.get('user-agent');
  if (userAgent !== null) record.ClientRequestUserAgent = userAgent;
  const referer = request.headers.get('referer');
  if (referer !== null) record.ClientRequestReferer = referer;
  const contentType = outcome.response.headers.get('content-type');
  if (contentType !== null) record.EdgeResponseContentType = contentType;
  const length = Number(outcome.response.headers.get('content-length') ?? '');
  if (Number.isSafeInteger(length) && length > 0) record.EdgeResponseBytes = length;
  if (outcome.origin !== null) {
    record.OriginResponseStatus = outcome.origin.status;
    record.OriginResponseDurationMs = outcome.origin.duration_ms;
    const cache = outcome.response.headers.get('cf-cache-status');
    if (cache !== null) record.CacheCacheStatus = cache.toLowerCase();
  }
  if (cf !== undefined) {
    if (isAsn(cf.asn)) record.ClientASN = cf.asn;
    if (typeof cf.country === 'string' && cf.country !== '') record.ClientCountry = cf.country;
    if (typeof cf.httpProtocol === 'string' && cf.httpProtocol !== '') record.ClientRequestProtocol = cf.httpProtocol;
    if (typeof cf.verifiedBotCategory === 'string' && cf.verifiedBotCategory !== '') record.VerifiedBotCategory = cf.verifiedBotCategory;
    const bot = cf.botManagement;
    if (bot !== undefined && bot !== null && typeof bot === 'object') {
      if (typeof bot.score === 'number' && Number.isInteger(bot.score) && bot.score >= 0 && bot.score <= 100) record.BotScore = bot.score;
      if (bot.verifiedBot === true) record.BotScoreSrc = 'Verified Bot';
      if (typeof bot.ja4 === 'string' && bot.ja4 !== '') record.JA4 = bot.ja4;
      if (typeof bot.ja3Hash === 'string' && bot.ja3Hash !== '') record.JA3Hash = bot.ja3Hash;
    }
  }
  return record;
}
