/**
 * The safelist (schema and matching) lives in @botsieve/runtime (runtime/src/exemption/safelist.ts)
 * so that every tier applies the same one; this package's config section validates with it.
 */
import { safelistConfigSchema, type SafelistConfig } from '@botsieve/runtime';
import { parseOrThrow } from '../parse-or-throw.js';

export { Safelist, safelistConfigObject, safelistConfigSchema } from '@botsieve/runtime';
export type { SafelistConfig } from '@botsieve/runtime';

/** Validates raw config; every problem is listed with its path (ERR_DETECTOR_CONFIG). */
export function parseSafelistConfig(raw: unknown): SafelistConfig {
  return parseOrThrow(safelistConfigSchema, raw ?? {}, 'safelist config');
}
