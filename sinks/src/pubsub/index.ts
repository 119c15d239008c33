export { pubsubConfigSchema, subscriptionName } from './config.js';
export type { PubSubConfig } from './config.js';
export { PubSubVerdictPublisher } from './pubsub-verdict-publisher.js';
export type { PubSubVerdictPublisherDeps } from './pubsub-verdict-publisher.js';
export { RegionalVerdictSubscriber, OWN_REGION } from './regional-verdict-subscriber.js';
export type { RegionalVerdictSubscriberDeps } from './regional-verdict-subscriber.js';
export { ATTRIBUTE, createPubSub } from './pubsub-client.js';
