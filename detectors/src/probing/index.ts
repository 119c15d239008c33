export { probing, ProbingDetector, PROBING } from './probing.js';
export { probingConfigSchema, parseProbingConfig, probingLookbackMs } from './config.js';
export type { ProbingConfig, ProbingSubjectConfig } from './config.js';
export { PROBING_DISCARD } from './metrics.js';
