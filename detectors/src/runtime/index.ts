export { Watermark } from './watermark.js';
export { DetectorHost, HOST_DISCARD } from './detector-host.js';
export type { DetectorHostStats } from './detector-host.js';
export { DetectorService, SERVICE_DISCARD } from './detector-service.js';
export type { DetectorServiceDeps } from './detector-service.js';
export { decodeEvent } from './decode-event.js';
