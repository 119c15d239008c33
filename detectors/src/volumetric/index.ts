export { volumetric, VolumetricDetector, volumetricScore, VOLUMETRIC } from './volumetric.js';
export { volumetricConfigSchema, parseVolumetricConfig } from './config.js';
export type { VolumetricConfig, VolumetricKindConfig, VolumetricBaselineConfig } from './config.js';
export { VOLUMETRIC_DISCARD } from './metrics.js';
export { WindowTable } from '../engine/window-table.js';
export { EpochDistinct } from '../engine/epoch-distinct.js';
