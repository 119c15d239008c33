/**
 * Tokenizer of the rules language (a subset of Cloudflare's Rules language, see ../README.md).
 * Runs once per rule at config time; every token keeps its offset so errors can point at it.
 *
 * IP literals need care: `1.2.3.0/24`, `2001:db8::/32` and `fe80::/10` share characters with
 * numbers and field names. A run of `[0-9A-Za-z_.:/]` is an IP literal when it contains `:`
 * (field names never do) or, starting with a digit, when it is not a plain number.
 */
import { BotsieveError } from '@botsieve/core';
import { DETECTOR_ERRORS } from '../../errors.js';

export type TokenKind = 'field' | 'string' | 'number' | 'ip' | 'op' | 'lparen' | 'rparen' | 'lbrace' | 'rbrace' | 'comma' | 'end';

export interface Token {
  kind: TokenKind;
  /** Source text of the token (decoded value for strings; lower-cased keyword for word operators). */
  text: string;
  /** Offset of the token's first character in the expression. */
  pos: number;
}

/** A rule that does not compile: the message names the column and what was expected there. */
export class RuleError extends BotsieveError {
  /** 0-based offset in the expression. */
  readonly position: number;

  constructor(expression: string, position: number, message: string) {
    const caret = `${' '.repeat(Math.min(position, expression.length))}^`;
    super(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `rule error at column ${position + 1}: ${message}\n  ${expression}\n  ${caret}`);
    this.name = 'RuleError';
    this.position = position;
  }
}

/** Word operators and their symbol twins, as the parser sees them. */
const WORD_OPERATORS: ReadonlyMap<string, string> = new Map([
  ['eq', 'eq'], ['ne', 'ne'], ['lt', 'lt'], ['le', 'le'], ['gt', 'gt'], ['ge', 'ge'],
  ['contains', 'contains'], ['matches', 'matches'], ['wildcard', 'wildcard'], ['in', 'in'],
  ['and', 'and'], ['or', 'or'], ['xor', 'xor'], ['not', 'not'],
]);

/** Longest first, so `<=` is not read as `<`. */
const SYMBOL_OPERATORS: readonly [string, string][] = [
  ['==', 'eq'], ['!=', 'ne'], ['<=', 'le'], ['>=', 'ge'], ['&&', 'and'], ['||', 'or'], ['^^', 'xor'],
  ['<', 'lt'], ['>', 'gt'], ['~', 'matches'], ['!', 'not'],
];

const PUNCTUATION: Readonly<Record<string, TokenKind>> = { '(': 'lparen', ')': 'rparen', '{': 'lbrace', '}': 'rbrace', ',': 'comma' };

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r' };

function isWordChar(c: string): boolean {
  return /[0-9A-Za-z_.:/]/.test(c);
}

export function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = expression.length;
  while (i < n) {
    const c = expression[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i += 1;
      continue;
    }
    const punctuation = PUNCTUATION[c];
    if (punctuation !== undefined) {
      tokens.push({ kind: punctuation, text: c, pos: i });
      i += 1;
      continue;
    }
    if (c === '"') {
      i = readString(expression, i, tokens);
      continue;
    }
    const symbol = SYMBOL_OPERATORS.find(([text]) => expression.startsWith(text, i));
    if (symbol !== undefined) {
      tokens.push({ kind: 'op', text: symbol[1], pos: i });
      i += symbol[0].length;
      continue;
    }
    if (isWordChar(c)) {
      const start = i;
      while (i < n && isWordChar(expression[i] as string)) i += 1;
      tokens.push(classifyWord(expression, expression.slice(start, i), start));
      continue;
    }
    throw new RuleError(expression, i, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'end', text: '', pos: n });
  return tokens;
}

function readString(expression: string, start: number, tokens: Token[]): number {
  let value = '';
  let i = start + 1;
  while (i < expression.length) {
    const c = expression[i] as string;
    if (c === '"') {
      tokens.push({ kind: 'string', text: value, pos: start });
      return i + 1;
    }
    if (c === '\\') {
      const next = expression[i + 1];
      const decoded = next === undefined ? undefined : ESCAPES[next];
      if (decoded === undefined) throw new RuleError(expression, i, `unknown escape ${JSON.stringify(`\\${next ?? ''}`)} in string: expected \\" \\\\ \\n \\t or \\r`);
      value += decoded;
      i += 2;
      continue;
    }
    value += c;
    i += 1;
  }
  throw new RuleError(expression, start, 'unterminated string: expected a closing "');
}

function classifyWord(expression: string, word: string, pos: number): Token {
  if (word.includes(':')) return { kind: 'ip', text: word, pos };
  const first = word.charCodeAt(0);
  if (first >= 48 && first <= 57) {
    if (/^\d+(\.\d+)?$/.test(word)) return { kind: 'number', text: word, pos };
    if (/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,3})?$/.test(word)) return { kind: 'ip', text: word, pos };
    throw new RuleError(expression, pos, `${JSON.stringify(word)} is neither a number nor an IP address or CIDR`);
  }
  if (word.includes('/')) throw new RuleError(expression, pos, `${JSON.stringify(word)}: '/' only belongs in a CIDR`);
  const operator = WORD_OPERATORS.get(word.toLowerCase());
  if (operator !== undefined) return { kind: 'op', text: operator, pos };
  return { kind: 'field', text: word, pos };
}
