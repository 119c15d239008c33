/**
 * How the origin reads the headers the botsieve edge Worker forwards (their names, and those
 * Cloudflare sets itself, are core's contract: EDGE_HEADERS and CLOUDFLARE_HEADERS).
 *
 * These headers are believed only on requests that came through the Cloudflare edge (the client
 * address walk passed a Cloudflare hop) and, when `edge_token` is configured, carried the shared
 * token: anyone can send `botsieve-verified-bot: true` straight to an origin that is reachable
 * directly. Every value is validated; a malformed one is treated as absent, never as a default
 * that means something (a garbled `botsieve-verified-bot` is not "verified").
 */
import type { IncomingHttpHeaders } from 'node:http';
import { CLOUDFLARE_HEADERS, EDGE_HEADERS } from '@botsieve/core';

/** What the edge said about the client; null fields were absent or malformed. */
export interface EdgeFacts {
  ray_id: string | null;
  country: string | null;
  bot_score: number | null;
  verified: boolean | null;
  verified_bot_category: string | null;
  ja4: string | null;
  asn: number | null;
}

export const NO_EDGE_FACTS: Readonly<EdgeFacts> = Object.freeze({ ray_id: null, country: null, bot_score: null, verified: null, verified_bot_category: null, ja4: null, asn: null });

const RAY = /^([0-9a-f]{16})(?:-[A-Z0-9]{3,4})?$/;
const COUNTRY = /^[A-Z][A-Z0-9]$/;
/** JA4 is `t13d1516h2_8daaf6152771_02713d6af862`: letters, digits and underscores. */
const JA4 = /^[a-z0-9_]{1,64}$/;
const CATEGORY = /^[\w .,&()/-]{1,64}$/;

function single(value: string | string[] | undefined): string | null {
  // Repeated headers are malformed here: the edge sends each once.
  return typeof value === 'string' ? value.trim() : null;
}

/** Reads the edge headers of a request (call only when the edge can be believed). */
export function readEdgeFacts(headers: IncomingHttpHeaders): EdgeFacts {
  const ray = single(headers[CLOUDFLARE_HEADERS.ray]);
  const rayMatch = ray === null ? null : RAY.exec(ray);
  const country = single(headers[CLOUDFLARE_HEADERS.country])?.toUpperCase() ?? null;
  const score = integerHeader(headers[EDGE_HEADERS.bot_score], 1, 99);
  const verified = single(headers[EDGE_HEADERS.verified_bot])?.toLowerCase() ?? null;
  const category = single(headers[EDGE_HEADERS.verified_bot_category]);
  const ja4 = single(headers[EDGE_HEADERS.ja4])?.toLowerCase() ?? null;
  const asn = integerHeader(headers[EDGE_HEADERS.asn], 1, 0xffffffff);
  return {
    ray_id: rayMatch === null ? null : rayMatch[1]!,
    country: country !== null && COUNTRY.test(country) ? country : null,
    bot_score: score,
    verified: verified === 'true' || verified === '1' ? true : verified === 'false' || verified === '0' ? false : null,
    verified_bot_category: category !== null && CATEGORY.test(category) ? category : null,
    ja4: ja4 !== null && JA4.test(ja4) ? ja4 : null,
    asn,
  };
}

function integerHeader(value: string | string[] | undefined, min: number, max: number): number | null {
  const text = single(value);
  if (text === null || !/^\d{1,10}$/.test(text)) return null;
  const number = Number(text);
  return number >= min && number <= max ? number : null;
}
