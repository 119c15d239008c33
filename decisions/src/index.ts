export { DEFAULT_CHANGE_LOG, DEFAULT_MAX_VERDICTS, VerdictReplica } from './replica.js';
export type { ReplicaStats, VerdictReplicaOptions } from './replica.js';
export { SubjectIndex, clientSubjects } from './subjects.js';
export type { Decision, DecisionClient, ReplicaChange, VerdictFeed, VerdictSync } from './types.js';
export { DEFAULT_STREAM_BACKOFF, STREAM_PATH, StreamVerdictFeed } from './feeds/stream-feed.js';
export type { StreamFeedStats, StreamVerdictFeedOptions } from './feeds/stream-feed.js';
