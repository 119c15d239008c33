export { l7Flood, L7FloodDetector, l7FloodScore, L7_FLOOD } from './l7-flood.js';
export { l7FloodConfigSchema, parseL7FloodConfig } from './config.js';
export type { L7FloodConfig, L7FloodKindConfig } from './config.js';
export { L7_FLOOD_DISCARD } from './metrics.js';
