/**
 * KafkaBus: the bus on Kafka through node-rdkafka. Each `producer()` and `consumer()` is its own
 * librdkafka client; the bus keeps track of them so `close()` closes everything it made.
 *
 * Topics are not created here: deployments create them (Terraform); the test cluster creates
 * them on first metadata request.
 */
import rdkafka from 'node-rdkafka';
import type { Bus, BusConsumer, BusProducer, ConsumerOptions, PartitionRange, TopicNames } from '@botsieve/core';
import type { ComponentTelemetry, Telemetry } from '@botsieve/runtime';
import type { BusConfig, KafkaConfig } from '../config.js';
import { closedError, connectError } from '../errors.js';
import { KafkaBusConsumer } from './kafka-consumer.js';
import { consumerOptions, metadataClientOptions } from './kafka-options.js';
import { rangesForTime, type OffsetLookupClient } from './offsets-for-time.js';
import { KafkaProducer } from './kafka-producer.js';

export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  readonly topics: TopicNames;
  private readonly config: KafkaConfig;
  private readonly telemetry: ComponentTelemetry;
  private readonly producers = new Set<KafkaProducer>();
  private readonly consumers = new Set<KafkaBusConsumer>();
  /** Client used only by healthcheck(), connected on first use. */
  private metadataClient: Promise<rdkafka.Producer> | undefined;
  private closed = false;

  constructor(config: BusConfig, telemetry: Telemetry) {
    this.topics = { ...config.topics };
    this.config = config.kafka;
    this.telemetry = telemetry.component('bus');
  }

  producer(): BusProducer {
    if (this.closed) throw closedError('kafka bus');
    const producer = new KafkaProducer(this.config, this.telemetry, (closed) => this.producers.delete(closed));
    this.producers.add(producer);
    return producer;
  }

  consumer(options: ConsumerOptions): BusConsumer {
    if (this.closed) throw closedError('kafka bus');
    const consumer = new KafkaBusConsumer(this.config, options, this.telemetry, (closed) => this.consumers.delete(closed));
    this.consumers.add(consumer);
    return consumer;
  }

  async healthcheck(timeout_ms: number): Promise<boolean> {
    if (this.closed) return false;
    try {
      const client = await this.connectedMetadataClient(timeout_ms);
      await new Promise<void>((resolve, reject) => client.getMetadata({ allTopics: false, timeout: timeout_ms }, (error) => (error ? reject(error) : resolve())));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Looked up through a short-lived consumer client: only a consumer can look offsets up by
   * time, and the consumer's own `from_time_ms` start uses the same lookup (rangesForTime).
   */
  async offsetsForTime(topic: string, time_ms: number, timeout_ms: number): Promise<PartitionRange[]> {
    if (this.closed) throw closedError('kafka bus');
    const { global, topic: topicConfig } = consumerOptions(this.config, { group_id: `${this.config.client_id}-offsets`, topics: [topic], from: 'latest', max_batch_records: 1 }, {});
    const client = new rdkafka.KafkaConsumer(global, topicConfig);
    try {
      await new Promise<void>((resolve, reject) => client.connect({ topic, allTopics: false, timeout: timeout_ms }, (error) => (error ? reject(connectError(this.config.brokers, error)) : resolve())));
      const metadata = await new Promise<rdkafka.Metadata>((resolve, reject) => client.getMetadata({ topic, allTopics: false, timeout: timeout_ms }, (error, data) => (error ? reject(error) : resolve(data))));
      const partitions = (metadata.topics.find((found) => found.name === topic)?.partitions ?? []).map((partition) => partition.id).sort((a, b) => a - b);
      return await rangesForTime(client as unknown as OffsetLookupClient, topic, partitions, time_ms, timeout_ms);
    } finally {
      if (client.isConnected()) await new Promise<void>((resolve) => client.disconnect(() => resolve()));
    }
  }

  /** Closes consumers first (they wait for their handlers), then producers (they flush). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.consumers].map((consumer) => consumer.close()));
    await Promise.all([...this.producers].map((producer) => producer.close()));
    const client = await this.metadataClient?.catch(() => undefined);
    this.metadataClient = undefined;
    if (client?.isConnected()) await new Promise<void>((resolve) => client.disconnect(0, () => resolve()));
  }

  private connectedMetadataClient(timeout_ms: number): Promise<rdkafka.Producer> {
    if (this.metadataClient === undefined) {
      const connecting = new Promise<rdkafka.Producer>((resolve, reject) => {
        const { global, topic } = metadataClientOptions(this.config);
        const client = new rdkafka.Producer(global, topic);
        client.connect({ allTopics: false, timeout: timeout_ms }, (error) => (error ? reject(error) : resolve(client)));
      });
      // A failed connect is tried again on the next healthcheck.
      connecting.catch(() => {
        if (this.metadataClient === connecting) this.metadataClient = undefined;
      });
      this.metadataClient = connecting;
    }
    return this.metadataClient;
  }
}
