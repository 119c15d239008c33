/**
 * Connecting a producer or a consumer: the bus's OAUTHBEARER token goes to the client before its
 * first authentication, and a client that fails to connect is dropped from the token's refreshes.
 */
import type { MetadataOptions } from 'node-rdkafka';
import type { KafkaConfig } from '../config.js';
import { connectError } from '../errors.js';
import type { OauthBearerTokens, TokenTarget } from './oauthbearer.js';

/** The part of a node-rdkafka Producer or KafkaConsumer this needs. */
export interface ConnectableClient extends TokenTarget {
  connect(options: MetadataOptions, callback: (error: unknown) => void): unknown;
}

/** Connects within `connect_timeout_ms`; ERR_BUS_CONNECT (naming the brokers) otherwise. */
export async function connectClient(client: ConnectableClient, tokens: OauthBearerTokens | undefined, config: KafkaConfig): Promise<void> {
  if (tokens !== undefined) {
    await tokens.ready();
    tokens.attach(client);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      client.connect({ allTopics: false, timeout: config.connect_timeout_ms }, (error) => (error ? reject(connectError(config.brokers, error)) : resolve()));
    });
  } catch (error) {
    tokens?.detach(client);
    throw error;
  }
}
