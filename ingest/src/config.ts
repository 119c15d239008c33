/**
 * Configuration of the ingest tier. The schema yields the type and the defaults and rejects
 * unknown keys; the README's configuration reference is checked against it.
 */
import { z } from 'zod';

const KiB = 1_024;
const MiB = 1_024 * KiB;
const GiB = 1_024 * MiB;

const bytes = () => z.number().int().positive();

export const fieldLimitsSchema = z
  .object({
    /** Longest ClientRequestURI / ClientRequestPath kept (longer ones are truncated). */
    max_uri_chars: z.number().int().min(16).default(4_096).describe('Longest ClientRequestURI / ClientRequestPath kept, in characters; longer ones are truncated.'),
    /** Longest User-Agent kept. */
    max_user_agent_chars: z.number().int().min(16).default(1_024).describe('Longest ClientRequestUserAgent kept, in characters; longer ones are truncated.'),
    /** Longest Referer kept. */
    max_referer_chars: z.number().int().min(16).default(2_048).describe('Longest ClientRequestReferer kept, in characters; longer ones are truncated.'),
    /** Every other string field (a longer RayID rejects the line). */
    max_string_chars: z.number().int().min(16).default(256).describe('Longest value of every other string field and bot tag, in characters; a longer RayID rejects the line.'),
    /** Bot tags kept per event. */
    max_bot_tags: z.number().int().min(0).default(32).describe('Bot tags kept per event.'),
  })
  .strict();

export const streamConfigSchema = z
  .object({
    /** Largest WebSocket message (one `{seq, events}` envelope); a larger one closes the socket. */
    max_message_bytes: bytes().default(16 * MiB).describe('Largest /stream message (one {seq, events} envelope) in bytes; a larger one closes the socket.'),
    /** Batches received but not yet acknowledged per socket; more are nacked at once. */
    max_inflight_batches: z.number().int().positive().default(16).describe('Batches per /stream socket received but not yet acknowledged; further ones are nacked with retry_after_ms.'),
    /** Acks queued towards a client that does not read them; over this the socket is closed (1013). */
    max_buffered_bytes: bytes().default(1 * MiB).describe('Bytes of acks buffered towards a /stream client that does not read them; over this the socket is closed with 1013.'),
    /** Seconds without a message before a socket is closed (uWS resolution: about 4 s). */
    idle_timeout_s: z.number().int().min(0).default(120).describe('Seconds without traffic before a /stream socket is closed; 0 disables (uWS resolution is about 4 s).'),
  })
  .strict();

export const ingestConfigSchema = z
  .object({
    /** Address to listen on. */
    host: z.string().min(1).default('0.0.0.0').describe('Address the ingest server listens on.'),
    /** Port to listen on; 0 picks a free one. */
    port: z.number().int().min(0).max(65_535).default(8_080).describe('Port the ingest server listens on; 0 picks a free one.'),
    /**
     * When an upload is answered 200: `durable` after the bus confirmed every event (Kafka
     * acks=all), `enqueued` once the events are in the producer's bounded queue (faster, loses the
     * queue on a crash).
     */
    ack: z.enum(['durable', 'enqueued']).default('durable').describe('When uploads are answered 200: durable = after the bus confirmed every event; enqueued = once the events are in the producer queue.'),
    auth: z
      .object({
        /** Request header carrying the token (Logpush: `header_Authorization=…` in destination_conf). */
        header: z.string().min(1).default('authorization').transform((name) => name.toLowerCase()).describe('Request header carrying the token (Logpush sets it from header_<Name> in destination_conf).'),
        /** Expected header value, e.g. `Bearer SECRET`; null turns authentication off (warned at start). */
        token: z.string().min(1).nullable().default(null).describe('Expected header value, e.g. "Bearer SECRET"; null turns authentication off (a warning is logged at start).'),
      })
      .strict()
      .prefault({})
      .describe('Authentication of uploads and /stream by a shared token in a header.'),
    /** Largest request body as received (compressed): 413 above. */
    max_body_bytes: bytes().default(256 * MiB).describe('Largest request body as received (compressed), in bytes; larger uploads get 413.'),
    /** Largest body after gunzip; counted while inflating, so a gzip bomb stops here with 413. */
    max_decompressed_bytes: bytes().default(1 * GiB).describe('Largest body after decompression, in bytes; counted while inflating, so a gzip bomb is stopped here with 413.'),
    /** Longest NDJSON line; a longer one is dead-lettered as line_too_long and skipped. */
    max_line_bytes: bytes().default(1 * MiB).describe('Longest NDJSON line (or element of a JSON-array body on /logpush) in bytes; a longer one is dead-lettered as line_too_long and skipped, never buffered whole.'),
    /** Largest JSON array body on /events (arrays are parsed whole, unlike NDJSON). */
    max_array_bytes: bytes().default(16 * MiB).describe('Largest JSON-array body on /events in bytes (arrays are parsed whole there, unlike NDJSON; /logpush splits arrays as they stream); 413 above.'),
    /**
     * Request bytes (compressed) of all uploads not yet answered, booked as they arrive (a declared
     * Content-Length reserves nothing, so idle connections cannot hold the budget).
     */
    max_inflight_bytes: bytes().default(512 * MiB).describe('Request bytes (as received) of all uploads not yet answered, booked as they arrive; an upload whose declared length does not fit, or whose next bytes do not, gets 503 with Retry-After.'),
    /**
     * An upload that receives no body bytes for this long is cut with 408 (its connection closed).
     * Keep it under ~8 s on uWebSockets.js: uWS itself closes a connection idle for about 10 s
     * (4 s timer granularity), without an answer.
     */
    upload_idle_timeout_ms: z.number().int().positive().default(5_000).describe('An upload that receives no body bytes for this long (while the server is not itself pausing it) is answered 408 ERR_INGEST_UPLOAD_STALLED and its connection closed. uWebSockets.js closes connections idle for about 10 s itself, without an answer: keep this below 8 s there.'),
    /** Events dated later than the server clock plus this are dead-lettered `timestamp_in_future`. */
    max_future_skew_ms: z.number().int().nonnegative().default(60_000).describe('Events dated more than this ahead of the ingest clock are dead-lettered as timestamp_in_future (a forged or broken clock would otherwise drag event time).'),
    /** Events older than this (by the server clock) are dead-lettered `timestamp_too_old`. */
    max_event_age_ms: z.number().int().positive().default(24 * 3_600_000).describe('Events dated more than this before the ingest clock are dead-lettered as timestamp_too_old.'),
    /** Deepest nesting of objects and arrays in one event; deeper ones are dead-lettered before parsing. */
    max_json_depth: z.number().int().min(2).max(1_000).default(16).describe('Deepest nesting of objects and arrays within one event (the event object is 1); deeper events are dead-lettered as json_too_deep before they are parsed, the rest of the batch goes through.'),
    /** Blank lines an upload may hold beyond its non-blank ones; more refuse it (a newline bomb). */
    max_blank_lines: z.number().int().nonnegative().default(10_000).describe('Blank lines an NDJSON upload may hold beyond its non-blank lines; past that it is refused with 400 ERR_INGEST_BLANK_LINES as soon as the limit is crossed.'),
    /** Dead letters an upload holds until its body is read whole; past this they are sent early. */
    deadletter_hold_bytes: bytes().default(4 * MiB).describe('Dead letters of one upload are held until its body has been read whole, so an upload refused as a whole leaves none; past this many bytes they are handed to the bus early.'),
    /** Which HTTP server carries ingest; see the README, "Node versions and the ingest server". */
    http_server: z.enum(['auto', 'uwebsockets', 'node']).default('auto').describe('HTTP server behind ingest: auto = uWebSockets.js when a build loads on this Node and platform, else node:http (warned once, metric botsieve_ingest_server_fallback); uwebsockets = fail to start without it; node = always node:http.'),
    /** How long a durable ack may wait for the bus before the upload gets 503. */
    ack_timeout_ms: z.number().int().positive().default(30_000).describe('How long an upload waits for the bus to confirm its events before it is answered 503.'),
    /** How long a shutdown (SIGTERM) lets uploads in flight finish before answering the rest 503. */
    drain_timeout_ms: z.number().int().positive().default(30_000).describe('On SIGTERM, how long uploads and /stream batches in flight may finish; shortly before it ends, whatever is still unanswered is answered 503 ERR_INGEST_DRAINING, then the producer is flushed.'),
    /** Retry-After sent with every 503. */
    retry_after_s: z.number().int().min(0).default(5).describe('Retry-After (seconds) sent with every 503; /stream nacks carry it as retry_after_ms.'),
    /** How much of a rejected line a dead letter keeps. */
    deadletter_line_bytes: bytes().default(4 * KiB).describe('How much of a rejected line its dead-letter record keeps, in bytes.'),
    fields: fieldLimitsSchema.prefault({}).describe('Length caps of event fields.'),
    stream: streamConfigSchema.prefault({}).describe('The /stream WebSocket endpoint.'),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.max_inflight_bytes < config.max_body_bytes) {
      context.addIssue({ code: 'custom', path: ['max_inflight_bytes'], message: 'must be at least max_body_bytes, or a largest upload could never be admitted' });
    }
  });

export type IngestConfig = z.output<typeof ingestConfigSchema>;
export type FieldLimitsConfig = z.output<typeof fieldLimitsSchema>;
export type StreamConfig = z.output<typeof streamConfigSchema>;
