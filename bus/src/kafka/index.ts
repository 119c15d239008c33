export { KafkaBus } from './kafka-bus.js';
export type { KafkaBusOptions } from './kafka-bus.js';
export { KafkaProducer } from './kafka-producer.js';
export { KafkaBusConsumer } from './kafka-consumer.js';
export { OauthBearerTokens, managedKafkaToken } from './oauthbearer.js';
export type { AccessToken, CredentialSource } from './oauthbearer.js';
