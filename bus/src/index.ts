export { busConfigSchema, embeddedConfigSchema, kafkaConfigSchema, saslConfigSchema, topicsConfigSchema } from './config.js';
export type { BusConfig, EmbeddedConfig, KafkaConfig, SaslConfig } from './config.js';
export { BUS_ERRORS, busError } from './errors.js';
export type { BusErrorCode } from './errors.js';
export { BUS_KINDS, createBus } from './create-bus.js';
export type { BusFactory } from './create-bus.js';
export { EmbeddedBus, stableHash } from './embedded/index.js';
export { KafkaBus, OauthBearerTokens, managedKafkaToken } from './kafka/index.js';
export type { AccessToken, CredentialSource, KafkaBusOptions } from './kafka/index.js';
