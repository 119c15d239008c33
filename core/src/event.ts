/**
 * The canonical request event: one HTTP request seen at the edge or the origin.
 *
 * Wire format (the `events` topic, `/events`, replay) is this object as JSON. Field names are
 * snake_case because the same names become BigQuery columns and LookML dimensions later.
 * Every field is always present (null when the source did not send it), so objects keep one
 * hidden class on the hot path.
 */
export type EventSource = 'logpush' | 'events' | 'stream' | 'replay';

export interface RequestEvent {
  /** Cloudflare RayID, or an origin-assigned request id. Unique per request; dedup key. */
  ray_id: string;
  /** Event time: when the edge received the request (EdgeStartTimestamp), ms since the epoch. */
  timestamp_ms: number;
  /** Requested host (ClientRequestHost), lower case. */
  host: string;
  /** Client IP in canonical form (IPv4 dotted quad, IPv6 RFC 5952). */
  ip: string;
  /** Client network: /24 for IPv4, /64 for IPv6, canonical CIDR. */
  prefix: string;
  /** Client autonomous system number, 0 when unknown. */
  asn: number;
  /** Two-letter country code, lower case; '' when unknown. */
  country: string;
  method: string;
  /**
   * Request protocol as the edge saw it (ClientRequestProtocol: `HTTP/1.0`, `HTTP/1.1`, `HTTP/2`,
   * `HTTP/3`); '' when unknown. Browsers speak HTTP/2 or 3; malformed versions are no browser's.
   */
  protocol: string;
  /** Path without the query string. */
  path: string;
  /** Path with the query string. */
  uri: string;
  user_agent: string;
  referer: string;
  /** Status the edge sent to the client; 0 when unknown. */
  status: number;
  /** Origin's status; 0 when the edge answered alone. */
  origin_status: number;
  /** Origin response time in ms: the load signal; 0 when unknown. */
  origin_duration_ms: number;
  content_type: string;
  cache_status: string;
  response_bytes: number;
  /** Bot Management fields: null in zones without Bot Management. */
  bot_score: number | null;
  bot_score_src: string | null;
  verified_bot_category: string | null;
  ja4: string | null;
  ja3_hash: string | null;
  bot_tags: string[] | null;
  /**
   * Fields added after the first records were written: optional on the wire (older records and
   * sources that do not send them lack them; the codec accepts either), always set (null when
   * absent) by ingest. Read them as `event.x ?? null`.
   *
   * Ids of the Bot Management heuristic detections that matched the request (BotDetectionIDs).
   */
  bot_detection_ids?: number[] | null;
  /** Tags of those detections (BotDetectionTags). */
  bot_detection_tags?: string[] | null;
  /**
   * Inter-request statistics of the request's JA4 over the last hour (JA4Signals): named ratios,
   * ranks and quantiles such as `h2h3_ratio_1h`, `browser_ratio_1h`, `cache_ratio_1h`.
   */
  ja4_signals?: Record<string, number> | null;
  /**
   * What made the request (ClientRequestSource): `eyeball` for a client, else one of Cloudflare's
   * own systems — `edgeWorkerFetch`, `edgeWorkerCacheAPI`, `edgeWorkerKV` (a Worker's subrequest),
   * `purge`, `alwaysOnline`, `healthcheck`, `imageResizing`, `orangeToOrange` (another Cloudflare
   * zone), `sslDetector`, `earlyHintsCache`, `inBrowserChallenge`, `unknown`. null when not sent.
   */
  client_request_source?: string | null;
  /** Where the event entered botsieve. */
  source: EventSource;
}

/** Kinds of subject detectors aggregate requests by (and a verdict can be about). */
export type SubjectKind = 'ip' | 'prefix' | 'asn' | 'ja4' | 'ua';

/**
 * Kinds of subject a verdict can be about: the aggregation kinds, and `ipua`, one user agent on
 * one address (`ipua:<ip> <user agent>`, the IP in canonical form, one space, the exact user
 * agent, '' for none). Fusion gives an `ipua:` verdict in place of an `ip:` one when the address
 * is shared by several people (a carrier NAT exit, an office) and the signal names the client
 * that earned it: the verdict then stops that client, not everyone behind the address.
 */
export type VerdictSubjectKind = SubjectKind | 'ipua';

/**
 * A subject key: `ip:1.2.3.4`, `prefix:1.2.3.0/24`, `asn:13335`, `ja4:t13d…`, or
 * `ua:<user agent>` (the exact user-agent string: the fingerprint zones without Bot Management
 * have; the edge enforces it with a rule on `http.user_agent`). `ua:` alone is the requests that
 * send no user agent; or `ipua:<ip> <user agent>` (see VerdictSubjectKind).
 */
export type SubjectKey = `${VerdictSubjectKind}:${string}`;
