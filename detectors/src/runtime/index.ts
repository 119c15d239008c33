export { Watermark } from './watermark.js';
export { DetectorService, SERVICE_CORRECTED, SERVICE_DISCARD } from './detector-service.js';
export type { DetectorServiceDeps, ServiceStage, ServiceStats } from './detector-service.js';
export { decodeEvent } from './decode-event.js';
