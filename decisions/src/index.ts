export { DEFAULT_CHANGE_LOG, DEFAULT_MAX_VERDICTS, VerdictReplica } from './replica.js';
export type { ReplicaStats, VerdictReplicaOptions } from './replica.js';
export { clientSubjects } from './subjects.js';
export type { Decision, DecisionClient, ReplicaChange, VerdictFeed } from './types.js';
export { BusVerdictFeed, DEFAULT_REBUILD_MS } from './feeds/bus-feed.js';
export type { BusVerdictFeedOptions } from './feeds/bus-feed.js';
export { DECIDE_ERRORS, DECIDE_METRIC, DecisionServer, decideConfigSchema, decideError } from './server/index.js';
export type { DecideConfig, DecideErrorCode, DecisionServerDeps, DecisionServerStats } from './server/index.js';
