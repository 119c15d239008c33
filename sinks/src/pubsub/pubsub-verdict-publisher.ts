/**
 * Publishes this region's verdicts to the global topic, ordered per subject (ordering key =
 * subject), so every other region applies a subject's verdicts in the order they were decided.
 *
 * `writeBatch` resolves only when the service confirmed every verdict of the batch. When Publish
 * calls fail, only the failed ordering keys are handed back (`PartialWriteError.retry`): for each,
 * the first failed verdict and every later verdict of that key in the batch, in order, so a retry
 * can never put a subject's later verdict ahead of an earlier one. Verdicts of other keys that
 * were confirmed are not sent again.
 */
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { BotsieveError, encodeVerdict, PartialWriteError, type Clock, type RejectedItem, type Sink, type Verdict } from '@botsieve/core';
import type { ComponentTelemetry } from '@botsieve/runtime';
import { SINK_ERRORS } from '../errors.js';
import type { PubSubConfig } from './config.js';
import { ATTRIBUTE, classify, createPubSub, grpcCodeName, type Outcome } from './pubsub-client.js';

export interface PubSubVerdictPublisherDeps {
  telemetry: ComponentTelemetry;
  clock: Clock;
  /** A client to use instead of one made from the config (the caller then closes it). */
  pubsub?: PubSub;
}

export class PubSubVerdictPublisher implements Sink<Verdict> {
  readonly id = 'pubsub';
  private pubsub: PubSub | undefined;
  private topic: Topic | undefined;
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly config: PubSubConfig,
    private readonly deps: PubSubVerdictPublisherDeps,
  ) {}

  /** Makes the client; no call goes out (the publisher role cannot read topic metadata). */
  async connect(): Promise<void> {
    if (this.topic !== undefined) return;
    if (this.config.project_id === '' || this.config.region === '') {
      throw new BotsieveError(SINK_ERRORS.ERR_SINK_CONFIG.code, 'pubsub: project_id and region are required');
    }
    this.pubsub = this.deps.pubsub ?? createPubSub(this.config);
    this.topic = this.pubsub.topic(this.config.topic, {
      messageOrdering: true,
      batching: { maxMessages: this.config.max_batch_messages, maxMilliseconds: this.config.max_batch_delay_ms },
      // The client's own retry, bounded: `maxRetries` counts attempts (google-gax
      // `retryable`: it stops once `retries >= maxRetries`) and replaces the default 600 s total
      // timeout; each attempt gets `timeout`. The retry codes stay the client's (UNAVAILABLE,
      // DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, ABORTED, CANCELLED, UNKNOWN). Worst case
      // a writeBatch waits attempts × timeout plus ~0.5 s of jittered back-off, then fails back to
      // the runtime, whose back-off takes over.
      gaxOpts: { timeout: this.config.publish_timeout_ms, maxRetries: this.config.publish_max_attempts },
    });
    this.closed = false;
  }

  async writeBatch(verdicts: readonly Verdict[]): Promise<void> {
    const topic = this.topic;
    if (topic === undefined || this.closed) throw new BotsieveError(SINK_ERRORS.ERR_SINK_CLOSED.code, 'pubsub publisher is not connected');
    if (verdicts.length === 0) return;
    const write = this.publishAll(topic, verdicts);
    this.inFlight.add(write);
    try {
      await write;
    } finally {
      this.inFlight.delete(write);
    }
  }

  async healthcheck(): Promise<boolean> {
    return this.topic !== undefined && !this.closed;
  }

  /** Waits for the writes in flight, publishes whatever the client still batches, closes the client. */
  async close(): Promise<void> {
    if (this.topic === undefined || this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.topic.flush().catch((error: unknown) => this.deps.telemetry.log.warn({ err: error }, 'pubsub flush on close failed'));
    if (this.deps.pubsub === undefined) await this.pubsub?.close();
    this.topic = undefined;
    this.pubsub = undefined;
  }

  /**
   * One publish per verdict, all enqueued before any settles (the batch is bounded by the
   * runtime's `max_batch_records`). No `topic.flush()` here: flushing a key whose batch is in
   * flight starts a second Publish for that key concurrently (client v6 `OrderedQueue.publish`
   * does not check `inFlight`), which could reorder it; the batch delay is at most
   * `max_batch_delay_ms`.
   */
  private async publishAll(topic: Topic, verdicts: readonly Verdict[]): Promise<void> {
    const region = this.config.region;
    const outcomes = await Promise.allSettled(verdicts.map((verdict) => {
      try {
        return topic.publishMessage({ data: encodeVerdict(verdict), orderingKey: verdict.subject, attributes: { [ATTRIBUTE.region]: region, [ATTRIBUTE.verdict_id]: verdict.id } });
      } catch (error) {
        return Promise.reject(error);
      }
    }));
    /** First failure of each failed ordering key: its index in the batch and its error. */
    const failedKeys = new Map<string, { index: number; error: unknown }>();
    outcomes.forEach((outcome, index) => {
      const key = verdicts[index]!.subject;
      if (outcome.status === 'rejected' && !failedKeys.has(key)) failedKeys.set(key, { index, error: outcome.reason });
    });
    if (failedKeys.size === 0) return;
    // A failed key refuses further messages until resumed (v6 also drops the paused queue once it
    // drained, but resuming is the documented contract).
    for (const key of failedKeys.keys()) topic.resumePublishing(key);
    this.fail(verdicts, failedKeys);
  }

  private fail(verdicts: readonly Verdict[], failedKeys: Map<string, { index: number; error: unknown }>): never {
    const byOutcome = new Map<string, Outcome>();
    const codes: Record<string, number> = {};
    let firstError: unknown;
    let configError: unknown;
    for (const [key, { error }] of failedKeys) {
      const outcome = classify(error);
      byOutcome.set(key, outcome);
      const name = grpcCodeName(error);
      codes[name] = (codes[name] ?? 0) + 1;
      firstError ??= error;
      if (outcome === 'config') configError ??= error;
    }
    this.deps.telemetry.log.warn({ failed_keys: failedKeys.size, codes }, 'pubsub publish failed for some ordering keys');
    if (configError !== undefined) {
      throw new BotsieveError(SINK_ERRORS.ERR_SINK_CONFIG.code, `pubsub topic ${this.config.topic} cannot be published to (${grpcCodeName(configError)})`, { cause: configError });
    }
    const retry: Verdict[] = [];
    const rejected: RejectedItem<Verdict>[] = [];
    verdicts.forEach((verdict, index) => {
      const failed = failedKeys.get(verdict.subject);
      if (failed === undefined || index < failed.index) return;
      if (byOutcome.get(verdict.subject) === 'rejected') rejected.push({ item: verdict, reason: 'invalid', detail: String((failed.error as Error)?.message ?? failed.error) });
      else retry.push(verdict);
    });
    throw new PartialWriteError(`pubsub publish failed for ${failedKeys.size} of the batch's ordering keys`, retry, rejected, { cause: firstError });
  }
}
