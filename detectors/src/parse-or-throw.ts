/**
 * One way to validate config in the detectors package: every problem listed with its path, in
 * one ERR_DETECTOR_CONFIG, so a bad file fails at boot saying everything that is wrong at once.
 */
import type { z } from 'zod';
import { BotsieveError } from '@botsieve/core';
import { DETECTOR_ERRORS } from './errors.js';

/** `raw` parsed by `schema`; throws ERR_DETECTOR_CONFIG "invalid <what>:" with one line per problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n');
  throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `invalid ${what}:\n${problems}`);
}
