import { z } from 'zod';

/**
 * Verdict fan-out across regions through one global Pub/Sub topic. Every region publishes the
 * verdicts it decides (ordering key = subject) and pulls its own subscription, applying verdicts
 * from the other regions to its local store.
 */
export const pubsubConfigSchema = z
  .object({
    /** Google Cloud project of the topic and subscriptions; '' disables the fan-out. */
    project_id: z.string().default('').describe("Google Cloud project of the topic and subscriptions; '' disables the fan-out."),
    /** Topic every region publishes its verdicts to. */
    topic: z.string().min(1).default('botsieve-verdicts').describe('Topic every region publishes its verdicts to.'),
    /**
     * This region's subscription to the topic (created by Terraform with message ordering on);
     * '' means `<topic>-<region>`.
     */
    subscription: z.string().default('').describe("This region's subscription to the topic, with message ordering enabled; '' means `<topic>-<region>`."),
    /**
     * Name of this region (e.g. `europe-west1`), carried in every published message's `region`
     * attribute; the subscriber skips messages carrying its own. Required when enabled.
     */
    region: z.string().regex(/^[a-z0-9-]*$/).default('').describe("This region's name, set as the `region` attribute of published verdicts; the subscriber skips its own. Required when enabled."),
    /**
     * `host:port` of a Pub/Sub emulator or local server: the client then speaks plain gRPC
     * without credentials. Unset: the production endpoint with Application Default Credentials
     * (or `PUBSUB_EMULATOR_HOST`, which the client reads itself).
     */
    emulator_host: z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d+$/).optional().describe('`host:port` of a Pub/Sub emulator or local server (plain gRPC, no credentials); unset uses the production endpoint.'),
    /** Most verdicts the client packs into one Publish call per ordering key. */
    max_batch_messages: z.number().int().min(1).max(1_000).default(100).describe('Most verdicts the client packs into one Publish call per ordering key.'),
    /** How long the client waits to fill a Publish batch; each writeBatch pays it at most once. */
    max_batch_delay_ms: z.number().int().min(0).max(1_000).default(10).describe('How long the client waits to fill a Publish batch.'),
    /** Deadline of one Publish attempt. */
    publish_timeout_ms: z.number().int().positive().default(5_000).describe('Deadline of one Publish attempt.'),
    /**
     * Attempts the client makes per Publish call on transient codes before the batch fails back
     * to the runtime (whose back-off then takes over). The client's default is to retry for up to
     * 600 s, which would hold a sink batch for ten minutes: keep this small.
     */
    publish_max_attempts: z.number().int().min(1).max(10).default(3).describe('Attempts per Publish call on transient codes before the batch fails back to the runtime (client default: retry for 600 s).'),
    /** Subscriber flow control: most messages held unacknowledged (pulled, waiting or being applied). */
    max_outstanding_messages: z.number().int().positive().default(1_000).describe('Subscriber flow control: most messages held unacknowledged at once.'),
    /** Most verdicts per write to the local store. */
    apply_batch_size: z.number().int().positive().default(100).describe('Most verdicts per write to the local store.'),
    /** How long the subscriber waits to fill an apply batch. */
    apply_delay_ms: z.number().int().min(0).default(20).describe('How long the subscriber waits to fill an apply batch.'),
    /**
     * Ack deadline the subscriber asks for and extends while a verdict waits or is applied. The
     * service accepts 10–600; lower values are for local tests.
     */
    ack_deadline_seconds: z.number().int().min(1).max(600).default(30).describe('Ack deadline the subscriber asks for and keeps extending while a message is held (the service accepts 10–600).'),
    /** Longest a message is held (lease extended) before the client lets it expire and be redelivered. */
    max_lease_seconds: z.number().int().positive().default(600).describe('Longest a message is held (lease extended) before it is left to expire and be redelivered.'),
    /** Streaming-pull streams per subscriber; verdict traffic is small, one stream is plenty. */
    streams: z.number().int().min(1).max(5).default(1).describe('Streaming-pull streams per subscriber.'),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.project_id !== '' && config.region === '') ctx.addIssue({ code: 'custom', path: ['region'], message: 'region is required when project_id is set' });
  });

export type PubSubConfig = z.output<typeof pubsubConfigSchema>;

/** The subscription this region pulls. */
export function subscriptionName(config: PubSubConfig): string {
  return config.subscription !== '' ? config.subscription : `${config.topic}-${config.region}`;
}
