/**
 * Maps the bus config to librdkafka properties, once per client.
 *
 * node-rdkafka always installs its own default topic configuration, built from the second
 * constructor argument, so a topic-level property put in the global object is silently ignored
 * (measured: `message.timeout.ms` there left the 300 s default in force). Topic-level
 * properties therefore go in `topic`, including those from `kafka.extra`.
 */
import rdkafka from 'node-rdkafka';
import type { ConsumerGlobalConfig, ConsumerTopicConfig, ProducerGlobalConfig, ProducerTopicConfig } from 'node-rdkafka';
import type { ConsumerOptions } from '@botsieve/core';
import type { KafkaConfig, SaslConfig } from '../config.js';

export type LibrdkafkaValue = string | number | boolean;

/** librdkafka's topic-level properties (CONFIGURATION.md, "Topic configuration properties"). */
const TOPIC_PROPERTIES = new Set([
  'request.required.acks', 'acks', 'request.timeout.ms', 'message.timeout.ms', 'delivery.timeout.ms',
  'queuing.strategy', 'produce.offset.report', 'partitioner', 'compression.codec', 'compression.type',
  'compression.level', 'auto.commit.enable', 'auto.commit.interval.ms', 'auto.offset.reset',
  'offset.store.path', 'offset.store.sync.interval.ms', 'offset.store.method', 'consume.callback.max.messages',
]);

/** Producer-only global properties, left out of consumers (librdkafka warns about them there). */
const PRODUCER_PROPERTIES = new Set([
  'enable.idempotence', 'queue.buffering.max.kbytes', 'queue.buffering.max.messages', 'linger.ms', 'queue.buffering.max.ms',
  'batch.num.messages', 'batch.size', 'message.send.max.retries', 'retries', 'transactional.id', 'sticky.partitioning.linger.ms',
]);

/** Consumer-only global properties, left out of producers (librdkafka warns about them there). */
const CONSUMER_PROPERTIES = new Set([
  'group.id', 'group.instance.id', 'group.protocol', 'group.remote.assignor', 'partition.assignment.strategy', 'session.timeout.ms',
  'heartbeat.interval.ms', 'max.poll.interval.ms', 'coordinator.query.interval.ms', 'enable.auto.commit', 'auto.commit.interval.ms',
  'enable.auto.offset.store', 'queued.min.messages', 'queued.max.messages.kbytes', 'fetch.wait.max.ms', 'fetch.message.max.bytes',
  'fetch.max.bytes', 'fetch.min.bytes', 'fetch.error.backoff.ms', 'fetch.queue.backoff.ms', 'isolation.level', 'enable.partition.eof', 'check.crcs',
]);

export interface ClientOptions<G, T> {
  global: G;
  topic: T;
}

/** How often the producer is polled, which is what hands delivery reports to JS. */
export const PRODUCER_POLL_INTERVAL_MS = 10;

export function producerOptions(config: KafkaConfig): ClientOptions<ProducerGlobalConfig, ProducerTopicConfig> {
  const global: Record<string, unknown> = {
    'metadata.broker.list': config.brokers,
    'client.id': config.client_id,
    'enable.idempotence': true,
    'queue.buffering.max.kbytes': Math.max(1, Math.floor(config.max_queue_bytes / 1024)),
    'queue.buffering.max.messages': config.max_queue_messages,
    'linger.ms': config.linger_ms,
    // librdkafka expires messages queued for a down broker only when that broker's thread wakes
    // to reconnect; with the 10 s default backoff, seal() rejected ~11 s after a 3 s
    // delivery timeout on the mock cluster, with 1 s it rejected at 3.1 s.
    'reconnect.backoff.max.ms': 1_000,
    dr_cb: true,
    ...securityProperties(config.sasl),
  };
  const topic: Record<string, unknown> = {
    acks: config.acks,
    'compression.type': config.compression,
    'message.timeout.ms': config.delivery_timeout_ms,
  };
  applyExtra(config.extra, global, topic, true);
  return { global: global as ProducerGlobalConfig, topic: topic as ProducerTopicConfig };
}

export function consumerOptions(
  config: KafkaConfig,
  options: ConsumerOptions,
  callbacks: Pick<ConsumerGlobalConfig, 'rebalance_cb' | 'offset_commit_cb'>,
): ClientOptions<ConsumerGlobalConfig, ConsumerTopicConfig> {
  const global: Record<string, unknown> = {
    'metadata.broker.list': config.brokers,
    'client.id': config.client_id,
    'group.id': options.group_id,
    // Offsets are committed explicitly, per partition, after the handler resolved: never on read.
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    ...securityProperties(config.sasl),
    ...callbacks,
  };
  const topic: Record<string, unknown> = { 'auto.offset.reset': options.from };
  applyExtra(config.extra, global, topic, false);
  return { global: global as ConsumerGlobalConfig, topic: topic as ConsumerTopicConfig };
}

/** Options for the metadata-only client behind `healthcheck` (no delivery reports). */
export function metadataClientOptions(config: KafkaConfig): ClientOptions<ProducerGlobalConfig, ProducerTopicConfig> {
  const global: Record<string, unknown> = { 'metadata.broker.list': config.brokers, 'client.id': `${config.client_id}-health`, ...securityProperties(config.sasl) };
  const topic: Record<string, unknown> = {};
  applyExtra(config.extra, global, topic, true);
  return { global: global as ProducerGlobalConfig, topic: topic as ProducerTopicConfig };
}

/**
 * SASL properties for every client. With OAUTHBEARER no token is configured here: the bus sets
 * one on each client before it connects and again on every refresh (OauthBearerTokens), because
 * node-rdkafka 3.6 does not expose librdkafka's refresh callback to JavaScript.
 */
export function securityProperties(sasl: SaslConfig): Record<string, LibrdkafkaValue> {
  if (sasl.mechanism === 'none') return {};
  const base = { 'security.protocol': sasl.security_protocol.toUpperCase() };
  if (sasl.mechanism === 'oauthbearer') return { ...base, 'sasl.mechanisms': 'OAUTHBEARER' };
  return { ...base, 'sasl.mechanisms': 'PLAIN', 'sasl.username': sasl.username ?? '', 'sasl.password': sasl.password ?? '' };
}

function applyExtra(extra: Record<string, LibrdkafkaValue>, global: Record<string, unknown>, topic: Record<string, unknown>, producer: boolean): void {
  for (const [name, value] of Object.entries(extra)) {
    if (TOPIC_PROPERTIES.has(name)) topic[name] = value;
    else if (producer ? !CONSUMER_PROPERTIES.has(name) : !PRODUCER_PROPERTIES.has(name)) global[name] = value;
  }
}

/** librdkafka error codes the bus reacts to. */
export const CODES = {
  queueFull: rdkafka.CODES.ERRORS.ERR__QUEUE_FULL,
  allBrokersDown: rdkafka.CODES.ERRORS.ERR__ALL_BROKERS_DOWN,
  transport: rdkafka.CODES.ERRORS.ERR__TRANSPORT,
  assignPartitions: rdkafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS,
  revokePartitions: rdkafka.CODES.ERRORS.ERR__REVOKE_PARTITIONS,
  noOffset: rdkafka.CODES.ERRORS.ERR__NO_OFFSET,
  timedOut: rdkafka.CODES.ERRORS.ERR__TIMED_OUT,
} as const;
