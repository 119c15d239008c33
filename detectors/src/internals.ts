/**
 * `@botsieve/detectors/internals`: the pieces below the engine that the benchmarks (bench/)
 * measure one by one: the sketches, the rules language, single detectors' factories and the
 * default features. Not a stable API; applications use the package's index.
 */
export { BoundedMap, CountMinSketch, HyperLogLog, SpaceSaving, decayFactor, hash32 } from './sketch/index.js';
export { FIELDS, compileRule, parseRule } from './heuristics/rules/index.js';
export type { Literal, RuleNode, ValueNode } from './heuristics/rules/index.js';
export { heuristics } from './heuristics/index.js';
export { attackSignatures } from './attack-signatures/index.js';
export { addressBursts } from './address-bursts/index.js';
export { defaultFeatures } from './engine/default-features.js';
export type { AnyEngineDetectorFactory } from './engine/registry-types.js';
export { detectorsPackageRoot } from './package-root.js';
