/**
 * @botsieve/ingest: the ingest tier. Cloudflare Logpush uploads, origin events and live streams
 * in; canonical RequestEvents out on the bus, acknowledged only once they are safe.
 */
export { ingestConfigSchema, fieldLimitsSchema, streamConfigSchema } from './config.js';
export type { IngestConfig, FieldLimitsConfig, StreamConfig } from './config.js';
export { IngestServer } from './server/ingest-server.js';
export type { IngestDependencies } from './server/ingest-server.js';
export { INGEST_ERRORS, ingestError } from './errors.js';
export type { IngestErrorCode, IngestErrorInfo } from './errors.js';
export {
  parseLogpushLine, parseLogpushRecord, isValidationUpload, parseTimestampMs, REJECT_REASONS, DEFAULT_FIELD_LIMITS,
} from './logpush/index.js';
export type { FieldLimits, ParseResult, RejectReason } from './logpush/index.js';
