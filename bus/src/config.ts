/**
 * Configuration of the bus: which implementation, the topic names, and each implementation's
 * bounds. Every field has a default, so `busConfigSchema.parse({})` is the embedded
 * single-machine setup; unknown keys are rejected at every level.
 */
import { z } from 'zod';

const MIB = 1024 * 1024;

/** Names of the topics the tiers hand data through. */
export const topicsConfigSchema = z
  .object({
    /** Ingest → detectors: one RequestEvent a message, keyed by client IP. */
    events: z.string().min(1).default('events').describe('Topic ingest writes events to (key: client IP).'),
    /** Detectors → sinks: one Verdict a message, keyed by subject. */
    verdicts: z.string().min(1).default('verdicts').describe('Topic detectors write verdicts to (key: subject).'),
    /** Lines ingest could not parse and records a tier could not decode, with their reason. */
    deadletter: z.string().min(1).default('deadletter').describe('Topic for rejected lines and undecodable records.'),
    /** Detector partition stage → aggregation stage: partial per-subject summaries, keyed by subject. */
    rollups: z.string().min(1).default('rollups').describe('Topic of partial per-subject summaries for the aggregation stage (key: subject).'),
  })
  .strict();

/**
 * The in-process bus. Durability is the process's memory: what `seal()` confirmed is lost if
 * the process dies, so use it for single-machine runs and tests, not where losing the in-flight
 * window matters.
 */
export const embeddedConfigSchema = z
  .object({
    /** Partitions per topic; consumers of one group share them, so this caps a group's parallelism. */
    partitions: z.number().int().min(1).max(1024).default(4).describe('Partitions per topic (caps the consumers of one group).'),
    /**
     * Records a topic may hold that some subscribed group has not committed yet. A `send` past
     * it returns false (backpressure). Per topic, so a full `events` topic cannot stop detectors
     * from writing the `verdicts` that let them commit `events` (a shared budget deadlocks).
     */
    max_buffered_messages: z.number().int().positive().default(1_000_000).describe('Uncommitted records one topic may hold before send() returns false.'),
    /** Same bound in value bytes (keys not counted), per topic. */
    max_buffered_bytes: z.number().int().positive().default(256 * MIB).describe('Uncommitted value bytes one topic may hold before send() returns false.'),
    /**
     * Committed records are kept at least this long after they were appended, so a consumer
     * that takes over a partition can rebuild its windows from them (Kafka's retention.ms).
     * They still count against the bounds above. 0: trim as soon as every group committed.
     */
    retention_ms: z.number().int().nonnegative().default(0).describe('Keep committed records this long after append (for rebuilds on partition moves); 0 trims on commit.'),
  })
  .strict();

/** librdkafka pass-through values. */
const librdkafkaValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/**
 * SASL login to the brokers. Google's Managed Service for Apache Kafka accepts only SASL_SSL with
 * OAUTHBEARER or PLAIN; `oauthbearer` with provider `google` logs in as the pod's Workload
 * Identity (Application Default Credentials) and refreshes the token before it expires.
 */
export const saslConfigSchema = z
  .object({
    /** `none`: no SASL (security from `kafka.extra`, if any); `oauthbearer`; `plain`. */
    mechanism: z.enum(['none', 'oauthbearer', 'plain']).default('none').describe('SASL mechanism: none, oauthbearer (tokens from `provider`, refreshed before expiry) or plain (username/password).'),
    /** librdkafka `security.protocol` when a mechanism is set; Managed Kafka needs `sasl_ssl`. */
    security_protocol: z.enum(['sasl_ssl', 'sasl_plaintext']).default('sasl_ssl').describe('security.protocol with a mechanism set: sasl_ssl (Managed Kafka), or sasl_plaintext for test brokers only.'),
    /** Where OAUTHBEARER tokens come from. */
    provider: z.enum(['google']).default('google').describe('oauthbearer: token source; google = Application Default Credentials (GKE Workload Identity, GOOGLE_APPLICATION_CREDENTIALS, the metadata server), in the token shape Managed Service for Apache Kafka expects.'),
    /** The principal (`sub`) in the token; null takes the service account email the credentials name. */
    principal: z.string().min(1).nullable().default(null).describe('oauthbearer: principal (service account email) in the token; null: the one the credentials name (needed for credentials that name none, e.g. some federated identities).'),
    /** A new token is fetched this long before the current one expires (Google tokens last ~1 h). */
    refresh_margin_ms: z.number().int().min(1_000).default(300_000).describe('oauthbearer: fetch a new token this long before the current one expires; a failed refresh is retried with back-off meanwhile.'),
    /** PLAIN user name (Managed Kafka: the service account email). */
    username: z.string().min(1).nullable().default(null).describe('plain: user name (Managed Kafka: the service account email).'),
    /** PLAIN password (Managed Kafka: a base64 service account key or an access token). Never logged. */
    password: z.string().min(1).nullable().default(null).describe('plain: password; set it through BOTSIEVE_BUS__KAFKA__SASL__PASSWORD rather than a file. Never logged.'),
  })
  .strict()
  .superRefine((sasl, context) => {
    if (sasl.mechanism !== 'plain') return;
    for (const field of ['username', 'password'] as const) {
      if (sasl[field] === null) context.addIssue({ code: 'custom', path: [field], message: `bus.kafka.sasl.${field} is required with mechanism plain` });
    }
  });

/** Kafka through node-rdkafka (librdkafka). */
export const kafkaConfigSchema = z
  .object({
    /** Bootstrap brokers, comma-separated `host:port` (librdkafka `metadata.broker.list`). */
    brokers: z.string().min(1).default('localhost:9092').describe('Bootstrap brokers, comma-separated host:port.'),
    /** Client id the brokers see (quotas, logs). */
    client_id: z.string().min(1).default('botsieve').describe('Client id the brokers see.'),
    /** Producer compression (`compression.type`). */
    compression: z.enum(['lz4', 'zstd']).default('lz4').describe('Producer compression codec (zstd needs a librdkafka built with it).'),
    /**
     * Always `all`, with the idempotent producer: `seal()` means every in-sync replica has the
     * message. A field only so the semantics are visible in the reference.
     */
    acks: z.literal('all').default('all').describe('Producer acks; fixed to all (idempotent producer).'),
    /** Producer queue bound in bytes (`queue.buffering.max.kbytes`); past it `send` returns false. */
    max_queue_bytes: z.number().int().min(1024).max(2_000 * MIB).default(256 * MIB).describe('Producer queue bound in bytes; send() returns false past it. In durable mode one whole upload must fit: the default holds a default Logpush batch (100,000 lines, ~68 MB of events) with room for several in flight.'),
    /** Producer queue bound in messages (`queue.buffering.max.messages`). */
    max_queue_messages: z.number().int().positive().default(500_000).describe('Producer queue bound in messages; send() returns false past it.'),
    /** How long the producer waits to fill a batch (`linger.ms`). */
    linger_ms: z.number().int().min(0).default(5).describe('How long the producer waits to fill a batch.'),
    /** A message not confirmed within this fails its batch with ERR_BUS_DELIVERY (`message.timeout.ms`). */
    delivery_timeout_ms: z.number().int().positive().default(30_000).describe('Time after which an unconfirmed message fails its batch.'),
    /** How long `connect()` / a consumer's `start()` waits for the brokers before failing with ERR_BUS_CONNECT. */
    connect_timeout_ms: z.number().int().positive().default(10_000).describe('How long connecting waits for the brokers.'),
    /** Period of the metadata probe behind `isReady()`; also the probe's own timeout. */
    health_interval_ms: z.number().int().min(100).default(1_000).describe('Period (and timeout) of the metadata probe behind isReady().'),
    /** SASL login (Managed Kafka: oauthbearer with Workload Identity, or plain). */
    sasl: saslConfigSchema.prefault({}).describe('SASL login to the brokers.'),
    /** Extra librdkafka properties for producers and consumers (security, tuning); they win over ours. */
    extra: z.record(z.string(), librdkafkaValueSchema).default({}).describe('Extra librdkafka properties (e.g. security.protocol); they override the ones set here.'),
  })
  .strict();

export const busConfigSchema = z
  .object({
    /** `embedded`: in-process, bounded; `kafka`: node-rdkafka against `kafka.brokers`. */
    kind: z.enum(['embedded', 'kafka']).default('embedded').describe('embedded (in-process, memory only) or kafka.'),
    /** Topic names, shared by both kinds. */
    topics: topicsConfigSchema.prefault({}).describe('Topic names.'),
    /** Settings of the embedded bus (ignored with kind kafka). */
    embedded: embeddedConfigSchema.prefault({}).describe('The in-process bus (kind embedded).'),
    /** Settings of the Kafka bus (ignored with kind embedded). */
    kafka: kafkaConfigSchema.prefault({}).describe('The Kafka bus (kind kafka).'),
  })
  .strict();

export type BusConfig = z.output<typeof busConfigSchema>;
export type EmbeddedConfig = BusConfig['embedded'];
export type KafkaConfig = BusConfig['kafka'];
export type SaslConfig = KafkaConfig['sasl'];
