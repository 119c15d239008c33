/**
 * Configuration of the decision service (`botsieve start --role decide`). The schema yields the
 * type and the defaults and rejects unknown keys; the README's configuration reference is
 * generated from it.
 */
import { z } from 'zod';

const KiB = 1_024;
const MiB = 1_024 * KiB;

export const decideStreamConfigSchema = z
  .object({
    /** Stream clients served at once; more are answered 503. */
    max_clients: z.number().int().positive().default(1_000).describe('Clients of /v1/verdicts/stream served at once; more are answered 503 with Retry-After.'),
    /** Bytes queued towards one client that does not read; over this it is cut (connection closed). */
    max_unsent_bytes: z.number().int().positive().default(8 * MiB).describe('Bytes of changes queued towards one stream client that does not read them; over this the client is cut (its connection closed, counted) and reconnects with its token.'),
    /** Sent to a client that got nothing else for this long. */
    heartbeat_ms: z.number().int().positive().default(5_000).describe('A stream client that got no line for this long gets a heartbeat line (with the resume token).'),
  })
  .strict();

export const decideConfigSchema = z
  .object({
    /** Address to listen on. */
    host: z.string().min(1).default('0.0.0.0').describe('Address the decision service listens on.'),
    /** Port to listen on; 0 picks a free one. */
    port: z.number().int().min(0).max(65_535).default(8_090).describe('Port the decision service listens on; 0 picks a free one.'),
    /** `auto`: uWebSockets.js when a build loads here, else node:http; the others insist on one. */
    http_server: z.enum(['auto', 'uwebsockets', 'node']).default('auto').describe('HTTP server: auto = uWebSockets.js when a build loads here, else node:http (logged); uwebsockets = refuse to start without it; node = always node:http.'),
    auth: z
      .object({
        /** Request header carrying the token. */
        header: z.string().min(1).default('authorization').transform((name) => name.toLowerCase()).describe('Request header carrying the token.'),
        /** Expected header value, e.g. `Bearer SECRET`; null turns authentication off (warned at start). */
        token: z.string().min(1).nullable().default(null).describe('Expected header value on /v1/*, e.g. "Bearer SECRET"; null turns authentication off (a warning is logged at start).'),
      })
      .strict()
      .prefault({})
      .describe('Authentication of /v1/* by a shared token in a header, as on ingest.'),
    /** Clients in one POST /v1/decisions. */
    max_batch: z.number().int().positive().default(1_000).describe('Clients in one POST /v1/decisions; more are answered 413.'),
    /** Bytes of one POST /v1/decisions body. */
    max_body_bytes: z.number().int().positive().default(1 * MiB).describe('Largest POST /v1/decisions body in bytes; larger ones are answered 413.'),
    /** Active verdicts the replica holds; over it the weakest, soonest-expiring is evicted. */
    max_verdicts: z.number().int().positive().default(1_000_000).describe('Active verdicts held in memory; over it the weakest, soonest-expiring is evicted (and a remove line streamed).'),
    /** Changes kept so stream clients can resume; an older token gets a full snapshot. */
    change_log: z.number().int().positive().default(100_000).describe('Replica changes kept for resuming streams; a token older than that gets a full snapshot.'),
    /** Re-read this far back at start: at least the longest verdict TTL. */
    rebuild_ms: z.number().int().positive().default(24 * 60 * 60 * 1_000).describe('At start the replica is rebuilt from the verdicts appended within this window (at least the longest verdict TTL); /readyz fails until it is.'),
    /** Prefix of this process's consumer group on the verdicts topic (unique per start). */
    group_id_prefix: z.string().min(1).default('botsieve-decide').describe('Prefix of the consumer group each decision process makes for itself on the verdicts topic (<prefix>-<host>-<pid>-<random>: every process sees every partition).'),
    /** How often expired verdicts are dropped from memory. */
    sweep_interval_ms: z.number().int().positive().default(10_000).describe('How often expired verdicts are dropped from memory (lookups skip them anyway).'),
    /** Longest graceful drain: stream clients are closed, requests in flight answered. */
    drain_timeout_ms: z.number().int().nonnegative().default(5_000).describe('Longest wait on shutdown for requests in flight after readiness failed and stream clients were closed.'),
    stream: decideStreamConfigSchema.prefault({}).describe('GET /v1/verdicts/stream: snapshot then changes (decisions/README.md, "Stream protocol").'),
  })
  .strict();

export type DecideConfig = z.infer<typeof decideConfigSchema>;
export type DecideStreamConfig = z.infer<typeof decideStreamConfigSchema>;
