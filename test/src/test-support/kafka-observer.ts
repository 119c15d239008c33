/**
 * An independent reader of Kafka topics for end-to-end tests: kafkajs, a pure-JavaScript client,
 * so what the tests see on the wire is read by another implementation than the node-rdkafka
 * producer that wrote it.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { registerLz4 } from './lz4-codec.js';

registerLz4();

export interface ObservedMessage {
  topic: string;
  key: string | null;
  value: string;
}

export class KafkaObserver {
  readonly messages: ObservedMessage[] = [];
  private readonly consumer: Consumer;

  constructor(brokers: string) {
    const kafka = new Kafka({ clientId: 'botsieve-test-observer', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `observer-${randomBytes(4).toString('hex')}`, sessionTimeout: 6_000, heartbeatInterval: 500 });
  }

  async start(topics: string[]): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        this.messages.push({ topic, key: message.key?.toString('utf8') ?? null, value: message.value?.toString('utf8') ?? '' });
      },
    });
  }

  on(topic: string): ObservedMessage[] {
    return this.messages.filter((message) => message.topic === topic);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
