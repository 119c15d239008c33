import type { DetectorContext, DetectorFactory, Verdict } from '@botsieve/core';

/**
 * What the DetectorHost passes a factory: core's context plus the instance id from DetectConfig
 * (`detectors[].id`), which names the detector in verdicts. Optional, so a detector made by hand
 * (`requestRate.create(config, { clock, logger, metrics })`) falls back to its type name.
 */
export interface HostedDetectorContext extends DetectorContext {
  readonly id?: string;
}

/** A factory the registry holds; config types differ per detector, so the map erases them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDetectorFactory = DetectorFactory<any>;

/**
 * The result of a call that decided nothing: one shared frozen array instead of a new `[]` per
 * event (the common case by far). Callers only read verdict arrays; pushing into it throws.
 */
export const NO_VERDICTS: Verdict[] = Object.freeze([]) as unknown as Verdict[];
