/**
 * KafkaBus: the bus on Kafka through node-rdkafka. Each `producer()` and `consumer()` is its own
 * librdkafka client; the bus keeps track of them so `close()` closes everything it made.
 *
 * Topics are not created here: deployments create them (Terraform); the test cluster creates
 * them on first metadata request.
 */
import rdkafka from 'node-rdkafka';
import type { Bus, BusConsumer, BusProducer, Clock, ConsumerOptions, PartitionRange, TopicNames } from '@botsieve/core';
import { systemClock, type ComponentTelemetry, type Telemetry } from '@botsieve/runtime';
import type { BusConfig, KafkaConfig } from '../config.js';
import { closedError, connectError } from '../errors.js';
import { KafkaBusConsumer } from './kafka-consumer.js';
import { consumerOptions, metadataClientOptions } from './kafka-options.js';
import { rangesForTime, type OffsetLookupClient } from './offsets-for-time.js';
import { KafkaProducer } from './kafka-producer.js';
import { OauthBearerTokens, credentialSource, type CredentialSource } from './oauthbearer.js';

export interface KafkaBusOptions {
  /** OAUTHBEARER token source instead of `kafka.sasl.provider` (tests: no network). */
  credentials?: CredentialSource;
  clock?: Clock;
}

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
  /** One token and one refresh timer for every client of this bus (SASL/OAUTHBEARER only). */
  private readonly tokens: OauthBearerTokens | undefined;

  constructor(config: BusConfig, telemetry: Telemetry, options: KafkaBusOptions = {}) {
    this.topics = { ...config.topics };
    this.config = config.kafka;
    this.telemetry = telemetry.component('bus');
    const { sasl } = config.kafka;
    const clock = options.clock ?? systemClock;
    this.tokens = sasl.mechanism === 'oauthbearer'
      ? new OauthBearerTokens(options.credentials ?? credentialSource(sasl, clock), { refresh_margin_ms: sasl.refresh_margin_ms, clock, telemetry: this.telemetry })
      : undefined;
  }

  producer(): BusProducer {
    if (this.closed) throw closedError('kafka bus');
    const producer = new KafkaProducer(this.config, this.telemetry, (closed) => this.producers.delete(closed), this.tokens);
    this.producers.add(producer);
    return producer;
  }

  consumer(options: ConsumerOptions): BusConsumer {
    if (this.closed) throw closedError('kafka bus');
    const consumer = new KafkaBusConsumer(this.config, options, this.telemetry, (closed) => this.consumers.delete(closed), this.tokens);
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
      await this.attachToken(client);
      await new Promise<void>((resolve, reject) => client.connect({ topic, allTopics: false, timeout: timeout_ms }, (error) => (error ? reject(connectError(this.config.brokers, error)) : resolve())));
      const metadata = await new Promise<rdkafka.Metadata>((resolve, reject) => client.getMetadata({ topic, allTopics: false, timeout: timeout_ms }, (error, data) => (error ? reject(error) : resolve(data))));
      const partitions = (metadata.topics.find((found) => found.name === topic)?.partitions ?? []).map((partition) => partition.id).sort((a, b) => a - b);
      return await rangesForTime(client as unknown as OffsetLookupClient, topic, partitions, time_ms, timeout_ms);
    } finally {
      this.tokens?.detach(client);
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
    this.tokens?.close();
  }

  private async attachToken(client: rdkafka.Producer | rdkafka.KafkaConsumer): Promise<void> {
    if (this.tokens === undefined) return;
    await this.tokens.ready();
    this.tokens.attach(client);
  }

  private connectedMetadataClient(timeout_ms: number): Promise<rdkafka.Producer> {
    if (this.metadataClient === undefined) {
      const connecting = new Promise<rdkafka.Producer>((resolve, reject) => {
        const { global, topic } = metadataClientOptions(this.config);
        const client = new rdkafka.Producer(global, topic);
        this.attachToken(client).then(
          () => client.connect({ allTopics: false, timeout: timeout_ms }, (error) => {
            if (!error) return resolve(client);
            this.tokens?.detach(client);
            reject(error);
          }),
          reject,
        );
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
