/**
 * Every sink a process runs, made from the sinks config: each behind its own SinkService and
 * consumer group. Two kinds of group:
 *
 * - **shared** (`group_id_prefix`): the work is split between sink processes (Redis Cluster,
 *   BigQuery, Pub/Sub, dead letters): each record is written once by whichever process owns its
 *   partition.
 * - **per process** (`process_group_id_prefix`): the sink needs the whole verdict stream in every
 *   process (the in-memory store behind the admin API, the Cloudflare lists whose desired state is
 *   the whole set, the statistics' coverage feed).
 *
 * With nothing configured: memory store (snapshotted), local statistics, Cloudflare dry-run.
 */
import { BotsieveError, type Bus, type BusProducer, type BusRecord, type Clock, type RequestEvent, type Sink, type Verdict } from '@botsieve/core';
import { backoffDelay, type Random, type Telemetry } from '@botsieve/runtime';
import { BigQueryTrafficSink, BigQueryVerdictsSink, anonymousAuthClient, makeBigQueryClient } from '../bigquery/index.js';
import { CloudflareListsSink } from '../cloudflare-lists/index.js';
import type { SinksConfig } from '../config.js';
import { DeadletterFile } from '../deadletter-file/index.js';
import { LocalStatisticsTrafficSink, LocalStatisticsVerdictsSink } from '../local-statistics/index.js';
import { MemoryVerdictStore } from '../memory-verdict-store/index.js';
import { PubSubVerdictPublisher, RegionalVerdictSubscriber } from '../pubsub/index.js';
import { RedisClusterVerdictStore } from '../redis-cluster/index.js';
import type { TrafficItem } from '../statistics/index.js';
import type { TrafficStatisticsSink } from '../statistics/traffic-statistics-sink.js';
import { SinkService, type SinkServiceOptions, type SinkStatus } from './sink-service.js';
import type { CloudflareListsStatus } from '../cloudflare-lists/index.js';

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

/** Decodes a verdict record; undefined (dead-lettered) when it is not a verdict. */
export function decodeVerdictRecord(record: BusRecord): Verdict | undefined {
  try {
    const verdict = JSON.parse(record.value.toString('utf8')) as Verdict;
    const valid = typeof verdict === 'object' && verdict !== null && typeof verdict.id === 'string' && typeof verdict.subject === 'string' && typeof verdict.action === 'string' && Number.isFinite(verdict.score) && Number.isFinite(verdict.ttl_ms) && Number.isFinite(verdict.decided_at) && Array.isArray(verdict.detectors);
    return valid ? verdict : undefined;
  } catch {
    return undefined;
  }
}

function decodeTrafficRecord(record: BusRecord): TrafficItem | undefined {
  try {
    const event = JSON.parse(record.value.toString('utf8')) as RequestEvent;
    if (typeof event !== 'object' || event === null || !Number.isFinite(event.timestamp_ms) || typeof event.host !== 'string') return undefined;
    return { source_partition: `${record.topic}/${record.partition}`, offset: record.offset, rebuild: record.rebuild === true, event };
  } catch {
    return undefined;
  }
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
    this.cloudflare = new CloudflareListsSink(config.cloudflare_lists, { telemetry: telemetry.component('sink.cloudflare-lists'), clock });
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
    const shared = (name: string) => `${config.group_id_prefix}-${name}`;
    const own = (name: string) => `${config.process_group_id_prefix}-${name}`;
    const verdicts = { topic: bus.topics.verdicts, decode: decodeVerdictRecord };

    await this.run<Verdict>(this.store, { ...verdicts, group_id: own('memory') });
    if (bus.kind === 'embedded') {
      // With Kafka the deadletter topic itself is the record; a file only on the embedded default.
      await this.run<Buffer>(new DeadletterFile(config.deadletter_file), { topic: bus.topics.deadletter, decode: (record) => record.value, group_id: shared('deadletter') }, false);
    }
    let redis: RedisClusterVerdictStore | undefined;
    if (config.redis_cluster.nodes.length > 0) {
      redis = new RedisClusterVerdictStore(config.redis_cluster, { telemetry: telemetry.component('sink.redis-cluster'), clock });
      await this.run<Verdict>(redis, { ...verdicts, group_id: shared('redis-cluster') });
    }
    await this.run<Verdict>(this.cloudflare, { ...verdicts, group_id: own('cloudflare-lists'), consumers: config.cloudflare_lists.consumers });

    if (config.bigquery.project_id !== '') {
      const component = (name: string) => telemetry.component(`sink.${name}`);
      const endpoint = config.bigquery.api_endpoint;
      // A plain-HTTP endpoint is a local emulator or test server: no credentials are sent there.
      const auth = endpoint !== undefined && endpoint.startsWith('http://') ? { authClient: anonymousAuthClient() } : {};
      const bigquery = makeBigQueryClient(config.bigquery, auth);
      await this.run<Verdict>(new BigQueryVerdictsSink(config.bigquery, { telemetry: component('bigquery-verdicts'), clock, bigquery }), { ...verdicts, group_id: shared('bigquery-verdicts') });
      await this.runTraffic(new BigQueryTrafficSink(config.bigquery, { telemetry: component('bigquery-traffic'), clock, bigquery }), config.bigquery.allowed_lateness_ms);
    } else if (config.local_statistics.enabled) {
      await this.run<Verdict>(new LocalStatisticsVerdictsSink(config.local_statistics, { telemetry: telemetry.component('sink.local-statistics-verdicts'), clock }), { ...verdicts, group_id: shared('local-statistics-verdicts') });
      await this.runTraffic(new LocalStatisticsTrafficSink(config.local_statistics, { telemetry: telemetry.component('sink.local-statistics-traffic'), clock }), config.local_statistics.allowed_lateness_ms);
    }

    if (config.pubsub.project_id !== '') {
      await this.run<Verdict>(new PubSubVerdictPublisher(config.pubsub, { telemetry: telemetry.component('sink.pubsub'), clock }), { ...verdicts, group_id: shared('pubsub') });
      // Other regions' verdicts go to this region's Redis Cluster (its own client), else the memory store.
      this.subscriberTarget = redis === undefined ? this.store : new RedisClusterVerdictStore(config.redis_cluster, { telemetry: telemetry.component('pubsub-subscriber.redis-cluster'), clock });
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

  private async runTraffic(sink: TrafficStatisticsSink, lateness_ms: number): Promise<void> {
    const { config, deps } = this;
    // The coverage feed needs every verdict; the traffic minutes re-read what open minutes held.
    await this.run<Verdict>(sink.verdictFeed(), { topic: deps.bus.topics.verdicts, decode: decodeVerdictRecord, group_id: `${config.process_group_id_prefix}-${sink.id}-coverage` });
    await this.run<TrafficItem>(sink, {
      topic: deps.bus.topics.events,
      decode: decodeTrafficRecord,
      group_id: `${config.group_id_prefix}-${sink.id}`,
      rebuild_ms: lateness_ms + 120_000,
      on_revoked: (partitions) => sink.revoke(partitions),
    });
  }

  private async run<T>(sink: Sink<T>, options: Pick<SinkServiceOptions<T>, 'topic' | 'decode' | 'group_id' | 'rebuild_ms' | 'on_revoked' | 'consumers'>, deadletters = true): Promise<void> {
    const { config, deps } = this;
    if (this.producer === undefined) throw new BotsieveError('ERR_SINK_CLOSED', 'sink set is not started');
    const service = new SinkService<T>(
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
    this.services.push(service as SinkService<unknown>);
  }
}
