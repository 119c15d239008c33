export { LoadBucket } from './load-bucket.js';
export type { LoadBucketOptions, LoadBucketStats, RetryAfterSeconds } from './load-bucket.js';
