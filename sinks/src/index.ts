export { sinksConfigSchema } from './config.js';
export type { SinksConfig } from './config.js';
export { SINK_ERRORS } from './errors.js';
export * from './memory-verdict-store/index.js';
export * from './deadletter-file/index.js';
export { SinkService, decodeJson } from './runtime/sink-service.js';
export type { SinkServiceOptions } from './runtime/sink-service.js';
