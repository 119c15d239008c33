/** Moved to @botsieve/runtime (runtime/src/exemption/private-ranges.ts): one implementation for every tier. */
export { PRIVATE_RANGES, PRIVATE_SET } from '@botsieve/runtime';
