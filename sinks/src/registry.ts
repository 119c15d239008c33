/**
 * Sink types by name: a plain map from name to factory, like the detectors' registry (CrowdSec's
 * bucket types). Each factory reads its part of the sinks config and returns the sinks it runs,
 * each with how its SinkService consumes; none when that sink is not configured. SinkSet starts
 * them in this order. Adding a sink is one entry here; nothing registers itself on import.
 *
 * Two kinds of consumer group:
 * - **shared** (`group_id_prefix`): the work is split between sink processes (Redis Cluster,
 *   BigQuery, Pub/Sub, dead letters): each record is written once by whichever process owns its
 *   partition.
 * - **per process** (`process_group_id_prefix`): the sink needs the whole verdict stream in every
 *   process (the in-memory store behind the admin API, the Cloudflare lists whose desired state is
 *   the whole set, the statistics' coverage feed).
 */
import type { Bus, Clock, Sink, Verdict } from '@botsieve/core';
import type { Telemetry } from '@botsieve/runtime';
import { BigQueryTrafficSink, BigQueryVerdictsSink, anonymousAuthClient, makeBigQueryClient } from './bigquery/index.js';
import type { CloudflareListsSink } from './cloudflare-lists/index.js';
import type { SinksConfig } from './config.js';
import { DeadletterFile } from './deadletter-file/index.js';
import { LocalStatisticsTrafficSink, LocalStatisticsVerdictsSink } from './local-statistics/index.js';
import type { MemoryVerdictStore } from './memory-verdict-store/index.js';
import { PubSubVerdictPublisher } from './pubsub/index.js';
import { RedisClusterVerdictStore } from './redis-cluster/index.js';
import { decodeTrafficRecord, decodeVerdictRecord } from './service/records.js';
import type { SinkServiceOptions } from './service/sink-service.js';
import type { TrafficItem } from './statistics/index.js';
import type { TrafficStatisticsSink } from './statistics/traffic-statistics-sink.js';

/** What a factory gets: the config, the process's dependencies, and the two sinks SinkSet owns. */
export interface SinkFactoryContext {
  config: SinksConfig;
  bus: Bus;
  telemetry: Telemetry;
  clock: Clock;
  /** Made with the SinkSet (the admin API reads it before start), run like any other sink. */
  store: MemoryVerdictStore;
  /** Likewise: its status is read before start. */
  cloudflare: CloudflareListsSink;
}

/** One sink to run behind its own SinkService. */
export interface SinkRun {
  sink: Sink<unknown>;
  options: Pick<SinkServiceOptions<unknown>, 'topic' | 'decode' | 'group_id' | 'rebuild_ms' | 'on_revoked' | 'consumers'>;
  /** Dead letters go to the deadletter topic (false only for the deadletter sink itself). */
  deadletters: boolean;
}

/** The sinks a type runs; empty when its config leaves it off. */
export type SinkFactory = (context: SinkFactoryContext) => SinkRun[];

function run<T>(sink: Sink<T>, options: Pick<SinkServiceOptions<T>, 'topic' | 'decode' | 'group_id' | 'rebuild_ms' | 'on_revoked' | 'consumers'>, deadletters = true): SinkRun {
  return { sink: sink as Sink<unknown>, options: options as SinkRun['options'], deadletters };
}

const shared = (config: SinksConfig, name: string) => `${config.group_id_prefix}-${name}`;
const own = (config: SinksConfig, name: string) => `${config.process_group_id_prefix}-${name}`;
const verdicts = (bus: Bus) => ({ topic: bus.topics.verdicts, decode: decodeVerdictRecord });

/** A traffic statistics sink runs twice: the verdicts for its coverage feed, and the events it counts. */
function traffic({ config, bus }: SinkFactoryContext, sink: TrafficStatisticsSink, lateness_ms: number): SinkRun[] {
  return [
    // The coverage feed needs every verdict; the traffic minutes re-read what open minutes held.
    run<Verdict>(sink.verdictFeed(), { ...verdicts(bus), group_id: own(config, `${sink.id}-coverage`) }),
    run<TrafficItem>(sink, { topic: bus.topics.events, decode: decodeTrafficRecord, group_id: shared(config, sink.id), rebuild_ms: lateness_ms + 120_000, on_revoked: (partitions) => sink.revoke(partitions) }),
  ];
}

export const sinkRegistry = {
  'memory-verdict-store': ({ config, bus, store }) => [run<Verdict>(store, { ...verdicts(bus), group_id: own(config, 'memory') })],
  // With Kafka the deadletter topic itself is the record; a file only on the embedded default.
  'deadletter-file': ({ config, bus }) =>
    bus.kind !== 'embedded' ? [] : [run<Buffer>(new DeadletterFile(config.deadletter_file), { topic: bus.topics.deadletter, decode: (record) => record.value, group_id: shared(config, 'deadletter') }, false)],
  'redis-cluster': ({ config, bus, telemetry, clock }) =>
    config.redis_cluster.nodes.length === 0 ? [] : [run<Verdict>(new RedisClusterVerdictStore(config.redis_cluster, { telemetry: telemetry.component('sink.redis-cluster'), clock }), { ...verdicts(bus), group_id: shared(config, 'redis-cluster') })],
  'cloudflare-lists': ({ config, bus, cloudflare }) => [run<Verdict>(cloudflare, { ...verdicts(bus), group_id: own(config, 'cloudflare-lists'), consumers: config.cloudflare_lists.consumers })],
  bigquery: (context) => {
    const { config, bus, telemetry, clock } = context;
    if (config.bigquery.project_id === '') return [];
    const component = (name: string) => telemetry.component(`sink.${name}`);
    const endpoint = config.bigquery.api_endpoint;
    // A plain-HTTP endpoint is a local emulator or test server: no credentials are sent there.
    const auth = endpoint !== undefined && endpoint.startsWith('http://') ? { authClient: anonymousAuthClient() } : {};
    const bigquery = makeBigQueryClient(config.bigquery, auth);
    return [
      run<Verdict>(new BigQueryVerdictsSink(config.bigquery, { telemetry: component('bigquery-verdicts'), clock, bigquery }), { ...verdicts(bus), group_id: shared(config, 'bigquery-verdicts') }),
      ...traffic(context, new BigQueryTrafficSink(config.bigquery, { telemetry: component('bigquery-traffic'), clock, bigquery }), config.bigquery.allowed_lateness_ms),
    ];
  },
  // The statistics go to BigQuery when it is configured, else to local files when enabled.
  'local-statistics': (context) => {
    const { config, bus, telemetry, clock } = context;
    if (config.bigquery.project_id !== '' || !config.local_statistics.enabled) return [];
    return [
      run<Verdict>(new LocalStatisticsVerdictsSink(config.local_statistics, { telemetry: telemetry.component('sink.local-statistics-verdicts'), clock }), { ...verdicts(bus), group_id: shared(config, 'local-statistics-verdicts') }),
      ...traffic(context, new LocalStatisticsTrafficSink(config.local_statistics, { telemetry: telemetry.component('sink.local-statistics-traffic'), clock }), config.local_statistics.allowed_lateness_ms),
    ];
  },
  // The publisher only; SinkSet runs the subscriber of other regions' verdicts beside the sinks.
  pubsub: ({ config, bus, telemetry, clock }) =>
    config.pubsub.project_id === '' ? [] : [run<Verdict>(new PubSubVerdictPublisher(config.pubsub, { telemetry: telemetry.component('sink.pubsub'), clock }), { ...verdicts(bus), group_id: shared(config, 'pubsub') })],
} as const satisfies Record<string, SinkFactory>;

export type SinkType = keyof typeof sinkRegistry;

export const SINK_TYPES = Object.keys(sinkRegistry) as [SinkType, ...SinkType[]];
