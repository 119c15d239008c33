export { inventoryHoarding, InventoryHoardingDetector, INVENTORY_HOARDING } from './inventory-hoarding.js';
export { inventoryHoardingConfigSchema, parseInventoryHoardingConfig, inventoryHoardingLookbackMs } from './config.js';
export type { InventoryHoardingConfig } from './config.js';
export { INVENTORY_HOARDING_DISCARD } from './metrics.js';
