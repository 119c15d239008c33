export { loadBucket, LoadBucketDetector, loadBucketScore, LOAD_BUCKET } from './load-bucket.js';
export { loadBucketConfigSchema, parseLoadBucketConfig } from './config.js';
export type { LoadBucketConfig, LoadBucketKindConfig } from './config.js';
export { LOAD_BUCKET_DISCARD } from './metrics.js';
