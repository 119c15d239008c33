export { Watermark } from './watermark.js';
export { DetectorService, SERVICE_DISCARD } from './detector-service.js';
export type { DetectorServiceDeps, ServiceStage } from './detector-service.js';
export { decodeEvent } from './decode-event.js';
