export { DEFAULT_CHANGE_LOG, DEFAULT_MAX_VERDICTS, VerdictReplica } from './replica.js';
export type { ReplicaStats, VerdictReplicaOptions } from './replica.js';
export { SubjectIndex } from './subjects.js';
// core's, re-exported for the benchmark's keyed baseline (bench/src/decide-bench.ts).
export { clientSubjects } from '@botsieve/core';
export type { Decision, DecisionClient, ReplicaChange, VerdictFeed, VerdictSync } from './types.js';
export { BusVerdictFeed, DEFAULT_REBUILD_MS } from './feeds/bus-feed.js';
export type { BusVerdictFeedOptions } from './feeds/bus-feed.js';
export { DEFAULT_STREAM_BACKOFF, STREAM_PATH, StreamVerdictFeed } from './feeds/stream-feed.js';
export type { StreamFeedStats, StreamVerdictFeedOptions } from './feeds/stream-feed.js';
export { DECIDE_ERRORS, decideError } from './errors.js';
export type { DecideErrorCode, DecideErrorInfo } from './errors.js';
export { DECIDE_METRIC, DecisionServer, decideConfigSchema } from './server/index.js';
export type { DecideConfig, DecisionServerDeps, DecisionServerStats } from './server/index.js';
