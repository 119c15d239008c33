import type { EngineDetectorFactory } from './detector.js';

/** A factory the registry holds; config types differ per detector, so the map erases them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEngineDetectorFactory = EngineDetectorFactory<any>;
