export { main } from './main.js';
export { Pipeline, ALL_ROLES } from './pipeline.js';
export type { Role, PipelineOptions } from './pipeline.js';
export { botsieveConfigSchema, loadConfig } from './config.js';
export type { BotsieveConfig } from './config.js';
export { configReference, REFERENCE_BEGIN, REFERENCE_END } from './config-reference.js';
