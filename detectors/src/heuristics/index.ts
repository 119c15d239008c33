export { heuristics, HeuristicsDetector, HEURISTICS, BUILTIN_RULE_INDEX } from './heuristics.js';
export { heuristicsConfigSchema, heuristicRuleSchema, parseHeuristicsConfig, BUILTIN_NAMES } from './config.js';
export type { HeuristicsConfig, HeuristicRule, BuiltinConfig, BuiltinName } from './config.js';
export { HEURISTICS_DISCARD } from './metrics.js';
export { UserAgentClassifier, MAX_CACHED_USER_AGENT_LENGTH } from './user-agent.js';
export type { UserAgentClass } from './user-agent.js';
export { ja4LooksLikeBrowser, ja4APart, Ja4BrowserMatcher, DEFAULT_BROWSER_JA4_A_PATTERNS } from './ja4.js';
export { compileRule, parseRule, RuleError, FIELD_NAMES } from './rules/index.js';
export type { CompiledRule, RuleNode } from './rules/index.js';
