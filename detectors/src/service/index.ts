export { DetectorService, SERVICE_DISCARD } from './detector-service.js';
export { SERVICE_CORRECTED } from './event-time-ceiling.js';
export type { DetectorServiceDeps, ServiceStage, ServiceStats } from './detector-service.js';
