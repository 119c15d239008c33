export { decideConfigSchema, decideStreamConfigSchema } from './config.js';
export type { DecideConfig, DecideStreamConfig } from './config.js';
export { DecisionServer } from './decision-server.js';
export type { DecisionServerDeps, DecisionServerStats } from './decision-server.js';
export { DECIDE_METRIC, DecideMetrics } from './metrics.js';
