/**
 * @botsieve/origin: bot protection in the origin's own process. The client address done right
 * behind Cloudflare, decisions enforced within a budget (failing open), request metadata streamed
 * to ingest, and a load-adaptive bucket for low-score bots; for node:http, Express and Fastify.
 */
export { ORIGIN_ERRORS } from './errors.js';
export type { OriginErrorCode } from './errors.js';
export * from './client-address/index.js';
export * from './middleware/index.js';
export * from './request-stream/index.js';
export * from './load-bucket/index.js';
export { createOriginProtection } from './protect.js';
export type { DecisionsConnection, OriginProtection, OriginProtectionOptions, ServiceAuth } from './protect.js';
