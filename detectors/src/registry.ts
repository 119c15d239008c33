/**
 * Detector types by name: a plain map from the `type` in DetectConfig to its factory (CrowdSec's
 * bucket types). Adding a detector is one line here; nothing registers itself on import.
 */
import { addressBursts } from './address-bursts/index.js';
import { attackSignatures } from './attack-signatures/index.js';
import { credentialStuffing } from './credential-stuffing/index.js';
import type { AnyEngineDetectorFactory } from './engine/registry-types.js';
import { heuristics } from './heuristics/index.js';
import { inventoryHoarding } from './inventory-hoarding/index.js';
import { l7Flood } from './l7-flood/index.js';
import { loadBucket } from './load-bucket/index.js';
import { probing } from './probing/index.js';
import { scraping } from './scraping/index.js';
import { volumetric } from './volumetric/index.js';

export const registry = {
  heuristics,
  volumetric,
  'l7-flood': l7Flood,
  scraping,
  'credential-stuffing': credentialStuffing,
  probing,
  'load-bucket': loadBucket,
  'attack-signatures': attackSignatures,
  'address-bursts': addressBursts,
  'inventory-hoarding': inventoryHoarding,
} as const satisfies Record<string, AnyEngineDetectorFactory>;

export type DetectorType = keyof typeof registry;

export const DETECTOR_TYPES = Object.keys(registry) as [DetectorType, ...DetectorType[]];
