export { parseLogpushLine, parseLogpushRecord, isValidationUpload, REJECT_REASONS, DEFAULT_FIELD_LIMITS } from './parse-event.js';
export type { FieldLimits, ParseResult, RejectReason } from './parse-event.js';
export { parseIp, newIpParts } from './ip.js';
export type { IpParts } from './ip.js';
export { parseTimestampMs } from './timestamp.js';
