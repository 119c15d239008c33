export { compileRule } from './compiler.js';
export type { CompiledRule } from './compiler.js';
export { parseRule, MAX_RULE_LENGTH } from './parser.js';
export type { CompareOp, Literal, RuleNode, ValueNode } from './parser.js';
export { RuleError, tokenize } from './lexer.js';
export type { Token, TokenKind } from './lexer.js';
export { FIELDS, FIELD_NAMES } from './fields.js';
export type { FieldDef, FieldType, Getter } from './fields.js';
