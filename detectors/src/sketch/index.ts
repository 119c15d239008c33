/**
 * Bounded-memory sketches for the detectors' hot paths: hashes, HyperLogLog distinct counts,
 * Count-Min counts, Space-Saving top-k, an LRU-capped map, a robust adaptive baseline and
 * half-life decay. Each file's header states its memory bound.
 */
export { hash32, hashNumber } from './hash.js';
export { HyperLogLog } from './hyperloglog.js';
export { CountMinSketch } from './count-min.js';
export { SpaceSaving } from './space-saving.js';
export type { HeavyHitter } from './space-saving.js';
export { BoundedMap } from './bounded-map.js';
export { RobustBaseline } from './baseline.js';
export type { RobustBaselineOptions } from './baseline.js';
export { decayFactor } from './decay.js';
