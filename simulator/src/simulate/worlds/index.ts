export { WORLD_RANGES } from './ranges.js';
export type { NumberRange, ChoiceRange, AttackerRanges } from './ranges.js';
export type { WorldParameters, AttackPlan, Drawn } from './parameters.js';
export { drawWorld } from './draw.js';
export type { WorldOptions } from './draw.js';
export { worldScenario } from './world-scenario.js';
export type { WorldScenarioOptions } from './world-scenario.js';
export { describeWorld, describeClass } from './describe.js';
export { worldRangesMarkdown } from './ranges-markdown.js';
