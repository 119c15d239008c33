export { busConfigSchema, embeddedConfigSchema, kafkaConfigSchema, topicsConfigSchema } from './config.js';
export type { BusConfig, EmbeddedConfig, KafkaConfig } from './config.js';
export { BUS_ERRORS, busError } from './errors.js';
export type { BusErrorCode } from './errors.js';
export { BUS_KINDS, createBus } from './create-bus.js';
export type { BusFactory } from './create-bus.js';
export { EmbeddedBus, stableHash } from './embedded/index.js';
export { KafkaBus } from './kafka/index.js';
