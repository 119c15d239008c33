export { RequestStream } from './request-stream.js';
export type { RequestStreamOptions, RequestStreamStats } from './request-stream.js';
export { buildRequestRecord, localRayId } from './record.js';
export type { RequestRecord, RequestRecordSink } from './record.js';
