export { decodeEvent, encodeEvent, eventProblem } from './event.js';
export type { EventDecoding } from './event.js';
export { decodeVerdict, encodeVerdict, verdictJson, verdictProblem } from './verdict.js';
export type { VerdictDecoding } from './verdict.js';
