/**
 * One request's metadata as a Logpush `http_requests` record: exactly the field names ingest's
 * parser reads (ingest/src/logpush/parse-event.ts), so `/stream` turns it into the same
 * RequestEvent a Logpush upload would. Built once per request at the response's end.
 *
 * - RayID: the `CF-Ray` hex when the request came through the (trusted) edge, so the record and
 *   Logpush's record of the same request share the id consumers dedupe on; otherwise a local id
 *   (`o` + this process's random prefix + a counter; unique per process start, no crypto per request).
 * - EdgeStartTimestamp: when the guard saw the request, RFC 3339 with ms (`rfc3339ms`).
 * - EdgeResponseStatus and OriginResponseStatus: the status the origin sent; 499 when the client
 *   went away before the response was complete (Cloudflare's code for the same).
 * - OriginResponseDurationMs: guard to response end, wall clock ms.
 * - Bot Management fields only from trusted edge headers; null (ingest: absent) otherwise.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BotsieveRequestInfo } from '../middleware/origin-guard.js';

export interface RequestRecord {
  RayID: string;
  EdgeStartTimestamp: string;
  ClientIP: string;
  ClientRequestHost: string;
  ClientRequestMethod: string;
  ClientRequestURI: string;
  ClientRequestProtocol: string;
  ClientRequestUserAgent: string;
  ClientRequestReferer: string;
  EdgeResponseStatus: number;
  OriginResponseStatus: number;
  OriginResponseDurationMs: number;
  EdgeResponseContentType: string;
  ClientASN: number | null;
  ClientCountry: string | null;
  BotScore: number | null;
  JA4: string | null;
  VerifiedBotCategory: string | null;
}

/** Where records go (a RequestStream); `push` must never throw or block. */
export interface RequestRecordSink {
  push(record: RequestRecord): void;
}

const PREFIX = `o${randomBytes(6).toString('hex')}`;
let counter = 0;

/** A RayID for a request the edge did not name. */
export function localRayId(): string {
  counter += 1;
  return `${PREFIX}${counter.toString(16)}`;
}

function header(value: string | string[] | undefined): string {
  return typeof value === 'string' ? value : Array.isArray(value) ? (value[0] ?? '') : '';
}

export function buildRequestRecord(req: IncomingMessage, res: ServerResponse, info: BotsieveRequestInfo, now_ms: number): RequestRecord {
  const status = res.writableFinished ? res.statusCode : 499;
  const contentType = res.getHeader('content-type');
  return {
    RayID: info.edge.ray_id ?? localRayId(),
    EdgeStartTimestamp: new Date(info.started_at_ms).toISOString(),
    ClientIP: info.ip,
    ClientRequestHost: header(req.headers.host),
    ClientRequestMethod: req.method ?? '',
    ClientRequestURI: req.url ?? '',
    ClientRequestProtocol: `HTTP/${req.httpVersion}`,
    ClientRequestUserAgent: header(req.headers['user-agent']),
    ClientRequestReferer: header(req.headers.referer),
    EdgeResponseStatus: status,
    OriginResponseStatus: status,
    OriginResponseDurationMs: Math.max(0, Math.round(now_ms - info.started_at_ms)),
    EdgeResponseContentType: typeof contentType === 'string' ? contentType : '',
    ClientASN: info.edge.asn,
    ClientCountry: info.edge.country,
    BotScore: info.edge.bot_score,
    JA4: info.edge.ja4,
    VerifiedBotCategory: info.edge.verified_bot_category,
  };
}
