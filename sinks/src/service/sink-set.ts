/**
 * Every sink a process runs, made from the sinks config by the registry (registry.ts: sink type
 * → factory), each behind its own SinkService and consumer group, started in registry order;
 * then the Pub/Sub subscriber of other regions' verdicts, which is not a sink.
 *
 * With nothing configured: memory store (snapshotted), local statistics, Cloudflare dry-run.
 */
import { BotsieveError, type Bus, type BusProducer, type Clock, type Sink, type Verdict } from '@botsieve/core';
import { backoffDelay, type Random, type Telemetry } from '@botsieve/runtime';
import { CloudflareListsSink } from '../cloudflare-lists/index.js';
import type { SinksConfig } from '../config.js';
import { makeWriterLease } from '../lease/index.js';
import { MemoryVerdictStore } from '../memory-verdict-store/index.js';
import { RegionalVerdictSubscriber } from '../pubsub/index.js';
import { RedisClusterVerdictStore } from '../redis-cluster/index.js';
import { sinkRegistry, type SinkFactoryContext, type SinkRun } from '../registry.js';
import { SinkService, type SinkStatus } from './sink-service.js';
import type { CloudflareListsStatus } from '../cloudflare-lists/index.js';

export { decodeVerdictRecord } from './records.js';

/** Every sink's status and the Cloudflare lists' state, for `/sinks`. */
export interface SinkSetStatus {
  sinks: SinkStatus[];
  cloudflare_lists: CloudflareListsStatus;
  pubsub_subscriber: boolean;
}

export interface SinkSetDependencies {
  bus: Bus;
  telemetry: Telemetry;
  /** Wall clock: expiry of active verdicts, budgets, `inserted_at`. */
  clock: Clock;
  /** Jitter of the sinks' retry back-off (default `Math.random`). */
  random?: Random;
}

export class SinkSet {
  /** The in-process store of active verdicts (admin API, embedded lookups). */
  readonly store: MemoryVerdictStore;
  readonly cloudflare: CloudflareListsSink;
  private readonly services: SinkService<unknown>[] = [];
  private producer: BusProducer | undefined;
  private subscriber: RegionalVerdictSubscriber | undefined;
  private subscriberTarget: Sink<Verdict> | undefined;
  private targetConnecting: Promise<void> | undefined;
  private closing = false;

  constructor(
    private readonly config: SinksConfig,
    private readonly deps: SinkSetDependencies,
  ) {
    const { telemetry, clock } = deps;
    this.store = new MemoryVerdictStore(config.memory_verdict_store, clock, telemetry.component('sink.memory-verdict-store'));
    const cloudflare = telemetry.component('sink.cloudflare-lists');
    // One writer per Cloudflare account among the sink processes (`writer_lease`; none: always this one).
    const lease = makeWriterLease(config.cloudflare_lists.writer_lease, {
      kind: 'cloudflare',
      target: config.cloudflare_lists.account_id,
      redis: config.redis_cluster,
      telemetry,
      component: cloudflare,
      component_name: 'sink.cloudflare-lists',
      clock,
    });
    this.cloudflare = new CloudflareListsSink(config.cloudflare_lists, { telemetry: cloudflare, clock, lease });
  }

  status(): SinkSetStatus {
    return { sinks: this.services.map((service) => service.status()), cloudflare_lists: this.cloudflare.status(), pubsub_subscriber: this.subscriber !== undefined };
  }

  /** Sink ids running, in start order. */
  get running(): string[] {
    return this.services.map((service) => service.id);
  }

  async start(): Promise<void> {
    const { config, deps } = this;
    const { bus, telemetry, clock } = deps;
    this.producer = bus.producer();
    await this.producer.connect();
    const context: SinkFactoryContext = { config, bus, telemetry, clock, store: this.store, cloudflare: this.cloudflare };
    // Each type's sinks are made just before they start, so a sink failing its start leaves the later types unmade.
    for (const factory of Object.values(sinkRegistry)) {
      for (const entry of factory(context)) await this.run(entry);
    }

    if (config.pubsub.project_id !== '') {
      // Other regions' verdicts go to this region's Redis Cluster (its own client), else the memory store.
      this.subscriberTarget = config.redis_cluster.nodes.length === 0 ? this.store : new RedisClusterVerdictStore(config.redis_cluster, { telemetry: telemetry.component('pubsub-subscriber.redis-cluster'), clock });
      if (this.subscriberTarget !== this.store) this.targetConnecting = this.connectSubscriberTarget(this.subscriberTarget);
      this.subscriber = new RegionalVerdictSubscriber(config.pubsub, { telemetry: telemetry.component('pubsub-subscriber'), target: this.subscriberTarget, clock });
      await this.subscriber.start();
    }
  }

  /** Stops in reverse order: the Pub/Sub subscriber, then each sink finishes its batch and commits. */
  async close(): Promise<void> {
    this.closing = true;
    await this.subscriber?.close();
    await this.targetConnecting;
    if (this.subscriberTarget !== undefined && this.subscriberTarget !== this.store) await this.subscriberTarget.close();
    for (const service of [...this.services].reverse()) await service.close();
    await this.producer?.close();
  }

  /**
   * Connects the subscriber's Redis client, retrying while the cluster is unreachable: until then
   * the subscriber's writes fail with ERR_SINK_CLOSED and its messages are nacked and redelivered,
   * so nothing is acknowledged unapplied and the other sinks run meanwhile.
   */
  private async connectSubscriberTarget(target: Sink<Verdict>): Promise<void> {
    const log = this.deps.telemetry.component('pubsub-subscriber').log;
    for (let attempt = 0; !this.closing; attempt += 1) {
      try {
        await target.connect();
        return;
      } catch (error) {
        log.warn({ err: error, attempt }, 'the subscriber cannot reach this region’s Redis Cluster yet; its messages are redelivered meanwhile');
        // At most 1 s between attempts, so close() never waits long for this loop.
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, { base_ms: this.config.initial_retry_backoff_ms, max_ms: 1_000, jitter: 'none' })));
      }
    }
  }

  private async run({ sink, options, deadletters }: SinkRun): Promise<void> {
    const { config, deps } = this;
    if (this.producer === undefined) throw new BotsieveError('ERR_SINK_CLOSED', 'sink set is not started');
    const service = new SinkService<unknown>(
      deps.bus,
      sink,
      {
        ...options,
        max_batch_records: config.max_batch_records,
        maintain_interval_ms: config.maintain_interval_ms,
        retry: { initial_backoff_ms: config.initial_retry_backoff_ms, max_backoff_ms: config.max_retry_backoff_ms },
        ...(deadletters ? { deadletter: { producer: this.producer, topic: deps.bus.topics.deadletter } } : {}),
      },
      { telemetry: deps.telemetry, clock: deps.clock, random: deps.random },
    );
    await service.start();
    this.services.push(service);
  }
}
