/**
 * Applies verdicts decided in OTHER regions to this region's store (the Redis Cluster sink in
 * production): a streaming-pull subscriber of this region's subscription.
 *
 * Invariants:
 * - Nothing is acknowledged before it is applied: a message is acked only after the
 *   `target.writeBatch` that carried it resolved, or once the target said it can never take it
 *   (see `failed`); when the write fails otherwise it is nacked (redelivered). Own-region
 *   messages and undecodable ones are acked at once: skipped, counted, never applied (a poison
 *   message must not loop).
 * - Per-key order: messages are applied in arrival order through one serial chain of micro-batches
 *   (the v6 client has no per-key dispatch of its own: it emits every message as it arrives, and
 *   the service keeps a key's messages in order). After a failed write, later messages of the
 *   failed keys already held are nacked unapplied, so none overtakes the one being redelivered;
 *   the service redelivers a nacked message before the ones published after it.
 * - Bounded: client flow control (`max_outstanding_messages`, no excess) caps what is held; when
 *   full the client stops reading the stream.
 */
import { Duration, type Message, type PubSub, type Subscription } from '@google-cloud/pubsub';
import { BotsieveError, decodeVerdict, isBotsieveError, isPartialWriteError, type Clock, type Sink, type Verdict } from '@botsieve/core';
import { REDELIVERY_BACKOFF, backoffDelay, type ComponentTelemetry } from '@botsieve/runtime';
import { SINK_ERRORS, sinkError } from '../errors.js';
import { subscriptionName, type PubSubConfig } from './config.js';
import { ATTRIBUTE, classify, createPubSub, grpcCodeName } from './pubsub-client.js';

export interface RegionalVerdictSubscriberDeps {
  telemetry: ComponentTelemetry;
  /** The local store, connected and closed by the caller. */
  target: Sink<Verdict>;
  clock: Clock;
  /** A client to use instead of one made from the config (the caller then closes it). */
  pubsub?: PubSub;
}

/** Discard reason of a message this region published itself. */
export const OWN_REGION = 'own_region';

/** At most one decode-failure warning per this interval; the rest go to debug (counted in metrics). */
const DECODE_WARN_INTERVAL_MS = 10_000;

interface Held {
  message: Message;
  verdict: Verdict;
}

export class RegionalVerdictSubscriber {
  private pubsub: PubSub | undefined;
  private subscription: Subscription | undefined;
  private pending: Held[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The serial apply chain; every batch is appended to it. */
  private tail: Promise<void> = Promise.resolve();
  private queuedBatches = 0;
  /** Keys whose write failed while the chain has not drained since. */
  private readonly failedKeys = new Set<string>();
  private consecutiveFailures = 0;
  private wake: (() => void) | undefined;
  private closing = false;
  private open = false;
  private lastDecodeWarning = -Infinity;
  private readonly name: string;

  constructor(
    private readonly config: PubSubConfig,
    private readonly deps: RegionalVerdictSubscriberDeps,
  ) {
    this.name = subscriptionName(config);
  }

  async start(): Promise<void> {
    if (this.subscription !== undefined) return;
    if (this.config.project_id === '' || this.config.region === '') {
      throw new BotsieveError(SINK_ERRORS.ERR_SINK_CONFIG.code, 'pubsub: project_id and region are required');
    }
    this.pubsub = this.deps.pubsub ?? createPubSub(this.config);
    const deadline = Duration.from({ seconds: this.config.ack_deadline_seconds });
    this.subscription = this.pubsub.subscription(this.name, {
      flowControl: { maxMessages: this.config.max_outstanding_messages, allowExcessMessages: false },
      // Pinning min = max makes the stream ask for exactly this deadline and the lease manager
      // extend by it, instead of the client's adaptive 99th-percentile guess.
      minAckDeadline: deadline,
      maxAckDeadline: deadline,
      maxExtensionTime: Duration.from({ seconds: this.config.max_lease_seconds }),
      streamingOptions: { maxStreams: this.config.streams },
      closeOptions: { behavior: 'NACK', timeout: Duration.from({ seconds: 10 }) },
    });
    this.closing = false;
    this.open = true;
    this.subscription.on('error', this.onError);
    this.subscription.on('close', this.onClose);
    this.subscription.on('message', this.onMessage);
    this.deps.telemetry.log.info({ subscription: this.name, region: this.config.region }, 'pubsub subscriber started');
  }

  /** False once the subscription stopped for good (missing, no permission) or was closed. */
  async healthcheck(): Promise<boolean> {
    return this.open;
  }

  /**
   * Stops taking messages (any delivered from now on is nacked at once), applies what is held,
   * waits for the apply in flight, then closes the subscription, which flushes the acks. The
   * client's stream is not stopped first: `subscription.close()` would nack the messages being
   * applied.
   */
  async close(): Promise<void> {
    const subscription = this.subscription;
    if (subscription === undefined || this.closing) return;
    this.closing = true;
    this.flush();
    this.wake?.();
    while (this.queuedBatches > 0) await this.tail;
    await subscription.close();
    subscription.removeListener('message', this.onMessage);
    if (this.deps.pubsub === undefined) await this.pubsub?.close();
    this.subscription = undefined;
    this.pubsub = undefined;
    this.open = false;
  }

  private readonly onMessage = (message: Message): void => {
    if (this.closing) {
      message.nack();
      return;
    }
    const { metrics } = this.deps.telemetry;
    metrics.received();
    if (message.attributes[ATTRIBUTE.region] === this.config.region) {
      message.ack();
      metrics.discarded(OWN_REGION);
      return;
    }
    const decoded = decodeVerdict(message.data);
    if (!decoded.ok) {
      message.ack();
      metrics.discarded(SINK_ERRORS.ERR_SINK_DECODE.code);
      this.logDecodeFailure(message, decoded.reason);
      return;
    }
    this.pending.push({ message, verdict: decoded.verdict });
    if (this.pending.length >= this.config.apply_batch_size) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.config.apply_delay_ms);
  };

  private readonly onError = (error: Error): void => {
    const outcome = classify(error);
    const wrapped = sinkError(outcome === 'config' ? 'ERR_SINK_CONFIG' : 'ERR_SINK_CONNECT', `pubsub subscription ${this.name} failed (${grpcCodeName(error)})`, { cause: error });
    this.deps.telemetry.fail(wrapped, wrapped.message);
  };

  private readonly onClose = (): void => {
    if (!this.closing) this.deps.telemetry.log.error({ subscription: this.name }, 'pubsub subscription stopped');
    this.open = false;
  };

  /** Appends the held messages to the apply chain as one batch. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.queuedBatches += 1;
    this.tail = this.tail
      .then(() => this.apply(batch))
      .catch((error: unknown) => this.deps.telemetry.fail(error, 'pubsub apply chain failed', SINK_ERRORS.ERR_SINK_WRITE.code))
      .finally(() => {
        this.queuedBatches -= 1;
        if (this.queuedBatches === 0) this.failedKeys.clear();
      });
  }

  private async apply(batch: Held[]): Promise<void> {
    const ready: Held[] = [];
    const blocked: Held[] = [];
    for (const held of batch) (this.failedKeys.has(held.verdict.subject) ? blocked : ready).push(held);
    for (const held of blocked) held.message.nack();
    if (ready.length === 0) return;
    try {
      await this.deps.target.writeBatch(ready.map((held) => held.verdict));
    } catch (error) {
      await this.failed(ready, error);
      return;
    }
    this.consecutiveFailures = 0;
    for (const held of ready) held.message.ack();
    this.deps.telemetry.metrics.sent(ready.length);
  }

  /**
   * What the target's error says decides each message's fate, as the sink runtime would decide:
   * - PartialWriteError: `retry` is nacked, `rejected` acked and discarded (retrying cannot help),
   *   the rest was stored and is acked;
   * - another non-retryable error (other than ERR_SINK_CLOSED, which a redelivery elsewhere fixes):
   *   the batch can never be applied, so it is acked and discarded under its code;
   * - anything else: the whole batch is nacked.
   * Nacks wait for a back-off first (the leases are extended meanwhile), so a target that is down
   * sees one redelivery per back-off instead of a hot loop; close() cuts the wait short.
   */
  private async failed(ready: Held[], error: unknown): Promise<void> {
    const { telemetry } = this.deps;
    telemetry.fail(error, `applying ${ready.length} verdicts from other regions failed`, SINK_ERRORS.ERR_SINK_WRITE.code);
    let nack = ready;
    if (isPartialWriteError<Verdict>(error)) {
      const retry = new Set(error.retry.map((v) => v.id));
      const rejected = new Map(error.rejected.map((r) => [r.item.id, r.reason]));
      nack = [];
      let stored = 0;
      for (const held of ready) {
        const reason = rejected.get(held.verdict.id);
        if (retry.has(held.verdict.id)) nack.push(held);
        else {
          held.message.ack();
          if (reason === undefined) stored += 1;
          else telemetry.metrics.discarded(SINK_ERRORS.ERR_SINK_REJECTED.code);
        }
      }
      telemetry.metrics.sent(stored);
    } else if (isBotsieveError(error) && !error.retryable && error.code !== SINK_ERRORS.ERR_SINK_CLOSED.code) {
      for (const held of ready) held.message.ack();
      telemetry.metrics.discarded(error.code, ready.length);
      return;
    }
    if (nack.length === 0) return;
    this.consecutiveFailures += 1;
    for (const held of nack) this.failedKeys.add(held.verdict.subject);
    // The buses' redelivery back-off, per consecutive failure.
    await this.sleep(backoffDelay(this.consecutiveFailures - 1, REDELIVERY_BACKOFF));
    for (const held of nack) held.message.nack();
  }

  private sleep(ms: number): Promise<void> {
    if (this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private logDecodeFailure(message: Message, reason: string): void {
    const now = this.deps.clock.now();
    const fields = { subscription: this.name, message_id: message.id, bytes: message.length, reason };
    if (now - this.lastDecodeWarning >= DECODE_WARN_INTERVAL_MS) {
      this.lastDecodeWarning = now;
      this.deps.telemetry.log.warn(fields, 'pubsub message is not a verdict; acked and dropped (further ones in the next 10 s are logged at debug)');
    } else {
      this.deps.telemetry.log.debug(fields, 'pubsub message is not a verdict; acked and dropped');
    }
  }
}
