export { requestRate, RequestRateDetector, requestRateScore, REQUEST_RATE } from './request-rate.js';
export { requestRateConfigSchema, parseRequestRateConfig } from './config.js';
export type { RequestRateConfig, SubjectConfig } from './config.js';
