/**
 * Config fields the summary detectors share, spelled (validated, bounded, described) once:
 * - per kind of subject: `enabled` and the cap `max_tracked_subjects` (what KindTrackers reads),
 *   and the `subjects` object holding one schema per kind;
 * - for the ring-window detectors (`volumetric`, `l7-flood`, `load-bucket`): `step_ms` and the
 *   rule that a window is a whole number of steps (WindowTable's ring).
 * Descriptions a detector words its own way (what "tracked" means: every page-fetching subject,
 * only subjects with logins…) stay in its config.ts and are passed in.
 */
import { z } from 'zod';
import type { SubjectKind } from '@botsieve/core';

/** Largest cap on one kind's table. */
export const MAX_TRACKED_SUBJECTS = 10_000_000;

/** The cap description of the ring-window detectors, whose evictions are all alike. */
export const CAP_EVICTS_COUNTED = 'Most subjects of this kind tracked at once; when full the least recently seen is evicted (discarded `state_evicted`).';

/** Defaults of the settings every kind has. */
export interface TrackedKindDefaults {
  enabled: boolean;
  max_tracked_subjects: number;
}

/** `enabled` of a kind: "Track `ip:` subjects." / "Judge `ip:` subjects." */
export function kindEnabledSchema(verb: 'Track' | 'Judge', kind: SubjectKind, enabled: boolean) {
  return z.boolean().default(enabled).describe(`${verb} \`${kind}:\` subjects.`);
}

/** A cap on one kind's table (`max_tracked_subjects`, scraping's `max_long_tracked_subjects`). */
export function maxTrackedSubjectsSchema(max: number, description: string) {
  return z.number().int().positive().max(MAX_TRACKED_SUBJECTS).default(max).describe(description);
}

/** The `subjects` object: one schema per kind (each with its defaults), the whole optional. */
export function subjectsSchema<S extends Record<SubjectKind, z.ZodType>>(kinds: S, description: string) {
  return z.strictObject(kinds).prefault({} as z.input<z.ZodObject<S>>).describe(description);
}

/** Ring step of a windowed detector: the engine's summary step. */
export const ringStepMsSchema = z.number().int().positive().default(1_000).describe('Ring step; the engine summary step. Must divide window_ms.');

/** A window of whole steps, at most `maxSteps` of them (the ring's length). */
export function inWholeSteps<S extends z.ZodType<{ window_ms: number; step_ms: number }>>(schema: S, maxSteps: number): S {
  return schema
    .refine((c) => c.window_ms % c.step_ms === 0, { message: 'window_ms must be a multiple of step_ms', path: ['window_ms'] })
    .refine((c) => c.window_ms / c.step_ms <= maxSteps, { message: `at most ${maxSteps} steps per window`, path: ['step_ms'] });
}
