export { DEFAULT_CHANGE_LOG, DEFAULT_MAX_VERDICTS, VerdictReplica } from './replica.js';
export type { ReplicaStats, VerdictReplicaOptions } from './replica.js';
export { SubjectIndex, clientSubjects } from './subjects.js';
export type { Decision, DecisionClient, ReplicaChange, VerdictFeed, VerdictSync } from './types.js';
