export { OriginGuard, BLOCKED_RESPONSE } from './origin-guard.js';
export type { BotsieveRequestInfo, ChallengeHandling, DecisionSource, GuardResponse, OriginGuardOptions } from './origin-guard.js';
export { nodeHttpGuard, expressGuard, fastifyGuard } from './adapters.js';
export { readEdgeFacts } from './edge-headers.js';
export type { EdgeFacts } from './edge-headers.js';
export { GuardMetrics, FAIL_OPEN_REASONS } from './metrics.js';
export type { FailOpenReason, GuardMetricsSnapshot } from './metrics.js';
