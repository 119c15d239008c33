/**
 * A local Cloudflare API for tests and benchmarks: the Lists and ruleset rule endpoints the
 * `cloudflare` SDK calls, with Cloudflare's limits and injectable faults (see `CloudflareApiServer`).
 *
 * Its parts, in `cloudflare-api-server/`: `server.ts` (listener, settings, inspection),
 * `request-handler.ts` (token, injected faults, routing, envelope), `account-lists.ts` (lists,
 * items, capacity, value validation), `bulk-operations.ts` (one pending operation per account),
 * `rulesets.ts` (rule edits), `api-answer.ts` (failures, ids).
 */
export { CloudflareApiServer, type CloudflareApiServerOptions } from './cloudflare-api-server/server.js';
export type { LoggedRequest } from './cloudflare-api-server/request-handler.js';
