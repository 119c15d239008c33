export { EmbeddedBus } from './embedded-bus.js';
export { stableHash } from './topic-log.js';
