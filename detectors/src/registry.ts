/**
 * Detector types by name: a plain map from the `type` in DetectConfig to its factory (CrowdSec's
 * bucket types). Adding a detector is one line here; nothing registers itself on import.
 */
import type { AnyDetectorFactory } from './detector-context.js';
import { requestRate } from './request-rate/index.js';

export const registry = {
  'request-rate': requestRate,
} as const satisfies Record<string, AnyDetectorFactory>;

export type DetectorType = keyof typeof registry;

export const DETECTOR_TYPES = Object.keys(registry) as [DetectorType, ...DetectorType[]];
