/**
 * Parser of the rules language: tokens → AST, by recursive descent with Cloudflare's precedence
 * (`not` binds tightest, then `and`, `xor`, `or`; all binary operators associate left).
 *
 *   expression := or
 *   or         := xor (("or" | "||") xor)*
 *   xor        := and (("xor" | "^^") and)*
 *   and        := not (("and" | "&&") not)*
 *   not        := ("not" | "!") not | "(" expression ")" | comparison
 *   comparison := value [ operator literal | "in" "{" literal* "}" ]    (no operator: a boolean predicate)
 *   value      := field | function "(" value ["," literal] ")"
 *   literal    := string | number | true | false | ip/cidr
 *
 * The right-hand side of a comparison is always a literal, so regexes, sets and CIDR sets are
 * built once by the compiler. Only syntax is checked here; field names and types are checked by
 * the compiler, which has the field table.
 */
import { RuleError, tokenize, type Token } from './lexer.js';

export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'contains' | 'matches' | 'wildcard';

export type Literal =
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'boolean'; value: boolean; pos: number }
  | { kind: 'ip'; value: string; pos: number };

export type ValueNode =
  | { kind: 'field'; name: string; pos: number }
  | { kind: 'call'; name: string; args: (ValueNode | Literal)[]; pos: number };

export type RuleNode =
  | { kind: 'and' | 'or' | 'xor'; left: RuleNode; right: RuleNode; pos: number }
  | { kind: 'not'; operand: RuleNode; pos: number }
  | { kind: 'predicate'; value: ValueNode; pos: number }
  | { kind: 'compare'; op: CompareOp; left: ValueNode; right: Literal; pos: number }
  | { kind: 'in'; left: ValueNode; items: Literal[]; pos: number };

const COMPARE_OPS: ReadonlySet<string> = new Set<CompareOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'contains', 'matches', 'wildcard']);

/** Longest accepted expression: rules are config, not programs. */
export const MAX_RULE_LENGTH = 8_192;

export function parseRule(expression: string): RuleNode {
  if (expression.length > MAX_RULE_LENGTH) throw new RuleError(expression.slice(0, 80), 0, `rule longer than ${MAX_RULE_LENGTH} characters`);
  return new Parser(expression).parse();
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(private readonly expression: string) {
    this.tokens = tokenize(expression);
  }

  parse(): RuleNode {
    if (this.peek().kind === 'end') this.fail(this.peek(), 'a condition');
    const node = this.or();
    const rest = this.peek();
    if (rest.kind !== 'end') this.fail(rest, "'and', 'or', 'xor' or the end of the rule");
    return node;
  }

  private or(): RuleNode {
    return this.binary('or', () => this.xor());
  }

  private xor(): RuleNode {
    return this.binary('xor', () => this.and());
  }

  private and(): RuleNode {
    return this.binary('and', () => this.not());
  }

  private binary(op: 'and' | 'or' | 'xor', next: () => RuleNode): RuleNode {
    let left = next();
    while (this.isOp(op)) {
      const token = this.advance();
      const right = next();
      left = { kind: op, left, right, pos: token.pos };
    }
    return left;
  }

  private not(): RuleNode {
    const token = this.peek();
    if (this.isOp('not')) {
      this.advance();
      return { kind: 'not', operand: this.not(), pos: token.pos };
    }
    if (token.kind === 'lparen') {
      this.advance();
      const inner = this.or();
      this.expect('rparen', "')'");
      return inner;
    }
    return this.comparison();
  }

  private comparison(): RuleNode {
    const left = this.value();
    const token = this.peek();
    if (token.kind === 'op' && COMPARE_OPS.has(token.text)) {
      this.advance();
      return { kind: 'compare', op: token.text as CompareOp, left, right: this.literal(`a value after '${token.text}'`), pos: token.pos };
    }
    if (this.isOp('in')) {
      this.advance();
      this.expect('lbrace', "'{' after 'in'");
      const items: Literal[] = [];
      while (this.peek().kind !== 'rbrace') {
        if (this.peek().kind === 'end') this.fail(this.peek(), "a value or '}'");
        items.push(this.literal("a value or '}' in the set"));
        if (this.peek().kind === 'comma') this.advance(); // Cloudflare separates by spaces; commas are tolerated
      }
      this.advance();
      if (items.length === 0) this.fail(token, "a non-empty set after 'in'");
      return { kind: 'in', left, items, pos: token.pos };
    }
    return { kind: 'predicate', value: left, pos: left.pos };
  }

  private value(): ValueNode {
    const token = this.peek();
    if (token.kind !== 'field' || token.text === 'true' || token.text === 'false') this.fail(token, "a field (e.g. 'http.user_agent') or a function");
    this.advance();
    if (this.peek().kind !== 'lparen') return { kind: 'field', name: token.text, pos: token.pos };
    this.advance();
    const args: (ValueNode | Literal)[] = [this.value()];
    while (this.peek().kind === 'comma') {
      this.advance();
      args.push(this.literal('a value as the function argument'));
    }
    this.expect('rparen', `')' closing ${token.text}(`);
    return { kind: 'call', name: token.text, args, pos: token.pos };
  }

  private literal(expected: string): Literal {
    const token = this.peek();
    switch (token.kind) {
      case 'string':
        this.advance();
        return { kind: 'string', value: token.text, pos: token.pos };
      case 'number':
        this.advance();
        return { kind: 'number', value: Number(token.text), pos: token.pos };
      case 'ip':
        this.advance();
        return { kind: 'ip', value: token.text, pos: token.pos };
      case 'field':
        if (token.text === 'true' || token.text === 'false') {
          this.advance();
          return { kind: 'boolean', value: token.text === 'true', pos: token.pos };
        }
        return this.fail(token, `${expected} (the right-hand side must be a literal, not a field)`);
      default:
        return this.fail(token, expected);
    }
  }

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private advance(): Token {
    const token = this.tokens[this.index] as Token;
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private isOp(text: string): boolean {
    const token = this.peek();
    return token.kind === 'op' && token.text === text;
  }

  private expect(kind: Token['kind'], expected: string): Token {
    const token = this.peek();
    if (token.kind !== kind) this.fail(token, expected);
    return this.advance();
  }

  private fail(token: Token, expected: string): never {
    const found = token.kind === 'end' ? 'the end of the rule' : token.kind === 'string' ? `"${token.text}"` : `'${token.text}'`;
    throw new RuleError(this.expression, token.pos, `expected ${expected}, found ${found}`);
  }
}
