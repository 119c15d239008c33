/**
 * The detectors' side of the client exemption, which lives in @botsieve/runtime (one
 * implementation for every tier): what this package uses of it, and the safelist section
 * validated with this package's errors.
 */
export { ClientExemption, CrawlerDirectory, loadCrawlerRanges } from '@botsieve/runtime';
export type { ClientFacts, Exemption } from '@botsieve/runtime';
export { Safelist, safelistConfigObject, safelistConfigSchema, parseSafelistConfig } from './safelist.js';
export type { SafelistConfig } from './safelist.js';
