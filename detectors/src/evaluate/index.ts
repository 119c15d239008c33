export { Scorer } from './scorer.js';
export type { ScorerOptions, ClassReport, EvaluationReport, MitigationCauses, ScoredAnnotation } from './scorer.js';
export { DEFAULT_TARGETS, DEFAULT_GROUPS, checkTarget, describeTarget, percent } from './targets.js';
export type { Target, TargetResult, Outcome } from './targets.js';
export { formatText, formatMarkdown, describeCauses } from './format.js';
