export { parseLogpushLine, parseLogpushRecord, isValidationUpload, REJECT_REASONS, DEFAULT_FIELD_LIMITS } from './parse-event.js';
export type { FieldLimits, ParseResult, RejectReason, TimeWindow } from './parse-event.js';
export { parseTimestampMs } from './timestamp.js';
export { arrayElements, exceedsDepth, forEachArrayElement, forEachObjectMember, nestingDepth } from './json-structure.js';
