/**
 * Rule compiler: AST → one closure tree, built once per rule at config time. Per event nothing is
 * parsed, looked up by name, or built: each node is a closure over its children, its field
 * getter and its literal (a string, number, Set, CidrSet or RegExp made here), specialised by
 * operator and type. Field names and operand types are checked here, so a rule that compiles
 * cannot fail on an event.
 *
 * Null (no Bot Management score, no JA4): every comparison and set test with a null value is
 * false, `ne` included; `not` of it is true.
 *
 * Measured (npm run bench:heuristics, 200 rules, 100k events): 8.6 µs per event for all 200 compiled
 * rules against 53.7 µs for a naive interpreter walking the same ASTs (6.3×).
 */
import { CidrSet, parseCidr, type RequestEvent } from '@botsieve/core';
import type { EventFeatures } from '../../engine/features.js';
import { FIELD_NAMES, lookupField, type FieldType, type Getter } from './fields.js';
import { RuleError } from './lexer.js';
import { parseRule, type CompareOp, type Literal, type RuleNode, type ValueNode } from './parser.js';

export type CompiledRule = (event: RequestEvent, features: EventFeatures) => boolean;

/** A value a comparison reads: a field or a function of one. */
interface Operand {
  type: FieldType;
  nullable: boolean;
  lowerCase: boolean;
  get: Getter;
  /** How the rule spells it, for error messages. */
  label: string;
}

/** Compiles one rule; throws RuleError (code ERR_DETECTOR_CONFIG) with the column and what was expected. */
export function compileRule(expression: string): CompiledRule {
  return new Compiler(expression).rule(parseRule(expression));
}

class Compiler {
  constructor(private readonly expression: string) {}

  rule(node: RuleNode): CompiledRule {
    switch (node.kind) {
      case 'and': {
        const a = this.rule(node.left);
        const b = this.rule(node.right);
        return (e, f) => a(e, f) && b(e, f);
      }
      case 'or': {
        const a = this.rule(node.left);
        const b = this.rule(node.right);
        return (e, f) => a(e, f) || b(e, f);
      }
      case 'xor': {
        const a = this.rule(node.left);
        const b = this.rule(node.right);
        return (e, f) => a(e, f) !== b(e, f);
      }
      case 'not': {
        const a = this.rule(node.operand);
        return (e, f) => !a(e, f);
      }
      case 'predicate': {
        const operand = this.operand(node.value);
        if (operand.type !== 'boolean') this.fail(node.pos, `${operand.label} is a ${operand.type}: compare it with an operator (e.g. 'eq'), only booleans stand alone`);
        const get = operand.get;
        return (e, f) => get(e, f) === true;
      }
      case 'compare':
        return this.compare(node.op, this.operand(node.left), node.right, node.pos);
      case 'in':
        return this.in(this.operand(node.left), node.items, node.pos);
    }
  }

  private compare(op: CompareOp, operand: Operand, literal: Literal, pos: number): CompiledRule {
    const get = operand.get;
    switch (operand.type) {
      case 'string': {
        if (op === 'lt' || op === 'le' || op === 'gt' || op === 'ge') this.fail(pos, `'${op}' compares numbers, but ${operand.label} is a string`);
        const value = this.literalOf(operand, op, literal, 'string') as string;
        const lit = operand.lowerCase ? value.toLowerCase() : value;
        switch (op) {
          case 'eq':
            return (e, f) => get(e, f) === lit; // null !== any string
          case 'ne':
            return (e, f) => {
              const v = get(e, f);
              return v !== null && v !== lit;
            };
          case 'contains':
            return (e, f) => {
              const v = get(e, f) as string | null;
              return v !== null && v.includes(lit);
            };
          case 'matches':
            return regexTest(get, this.regex(value, literal.pos, operand.lowerCase));
          default:
            return regexTest(get, wildcardRegex(value));
        }
      }
      case 'number': {
        if (op === 'contains' || op === 'matches' || op === 'wildcard') this.fail(pos, `'${op}' works on strings, but ${operand.label} is a number`);
        const lit = this.literalOf(operand, op, literal, 'number') as number;
        switch (op) {
          case 'eq':
            return (e, f) => get(e, f) === lit;
          case 'ne':
            return (e, f) => {
              const v = get(e, f);
              return v !== null && v !== lit;
            };
          case 'lt':
            return (e, f) => {
              const v = get(e, f) as number | null;
              return v !== null && v < lit;
            };
          case 'le':
            return (e, f) => {
              const v = get(e, f) as number | null;
              return v !== null && v <= lit;
            };
          case 'gt':
            return (e, f) => {
              const v = get(e, f) as number | null;
              return v !== null && v > lit;
            };
          default:
            return (e, f) => {
              const v = get(e, f) as number | null;
              return v !== null && v >= lit;
            };
        }
      }
      case 'boolean': {
        if (op !== 'eq' && op !== 'ne') this.fail(pos, `${operand.label} is a boolean: use it alone, with 'not', or with 'eq'/'ne'`);
        const lit = this.literalOf(operand, op, literal, 'boolean') as boolean;
        return op === 'eq' ? (e, f) => get(e, f) === lit : (e, f) => get(e, f) === !lit;
      }
      case 'number_list': {
        if (op !== 'eq' && op !== 'ne') this.fail(pos, `${operand.label} is a list of numbers: use 'eq' (holds), 'ne' (does not hold) or 'in {…}' (holds any)`);
        const lit = this.literalOf(operand, op, literal, 'number') as number;
        return op === 'eq'
          ? (e, f) => {
              const v = get(e, f) as readonly number[] | null;
              return v !== null && v.includes(lit);
            }
          : (e, f) => {
              const v = get(e, f) as readonly number[] | null;
              return v !== null && !v.includes(lit);
            };
      }
      case 'ip': {
        if (op !== 'eq' && op !== 'ne') this.fail(pos, `${operand.label} is an address: use 'eq', 'ne' or 'in {…}'`);
        const set = this.cidrSet([literal], operand);
        return op === 'eq' ? (e, f) => set.has(get(e, f) as string) : (e, f) => !set.has(get(e, f) as string);
      }
    }
  }

  private in(operand: Operand, items: Literal[], pos: number): CompiledRule {
    const get = operand.get;
    switch (operand.type) {
      case 'string': {
        const set = new Set(items.map((item) => {
          const value = this.literalOf(operand, 'in', item, 'string') as string;
          return operand.lowerCase ? value.toLowerCase() : value;
        }));
        return (e, f) => set.has(get(e, f) as string); // Set.has(null) is false
      }
      case 'number': {
        const set = new Set(items.map((item) => this.literalOf(operand, 'in', item, 'number') as number));
        return (e, f) => set.has(get(e, f) as number);
      }
      case 'ip': {
        const set = this.cidrSet(items, operand);
        return (e, f) => set.has(get(e, f) as string);
      }
      case 'number_list': {
        const set = new Set(items.map((item) => this.literalOf(operand, 'in', item, 'number') as number));
        return (e, f) => {
          const v = get(e, f) as readonly number[] | null;
          if (v === null) return false;
          for (let i = 0; i < v.length; i++) if (set.has(v[i] as number)) return true;
          return false;
        };
      }
      default:
        return this.fail(pos, `'in' needs a string, number or address, but ${operand.label} is a boolean`);
    }
  }

  private operand(node: ValueNode): Operand {
    if (node.kind === 'field') {
      const def = lookupField(node.name);
      if (def === undefined) this.fail(node.pos, `unknown field '${node.name}'${suggest(node.name)}`);
      return { ...def, label: node.name };
    }
    const [first, second, ...rest] = node.args;
    const arity = (n: number) => {
      if (node.args.length !== n) this.fail(node.pos, `${node.name}() takes ${n} argument${n === 1 ? '' : 's'}, found ${node.args.length}`);
    };
    if (first === undefined || !('name' in first) || rest.length > 0) return this.fail(node.pos, `${node.name}(): expected a field as first argument`);
    const inner = this.operand(first);
    const label = `${node.name}(${inner.label})`;
    if (inner.type !== 'string') this.fail(first.pos, `${node.name}() takes a string, but ${inner.label} is a ${inner.type}`);
    const get = inner.get;
    switch (node.name) {
      case 'lower':
      case 'upper': {
        arity(1);
        const upper = node.name === 'upper';
        // Memo per call site: consecutive rules and events with the same value convert once.
        let lastIn: string | null = null;
        let lastOut = '';
        const convert: Getter = (e, f) => {
          const v = get(e, f) as string | null;
          if (v === null) return null;
          if (v !== lastIn) {
            lastOut = upper ? v.toUpperCase() : v.toLowerCase();
            lastIn = v;
          }
          return lastOut;
        };
        return { type: 'string', nullable: inner.nullable, lowerCase: false, get: convert, label };
      }
      case 'len': {
        arity(1);
        return { type: 'number', nullable: inner.nullable, lowerCase: false, get: (e, f) => (get(e, f) as string | null)?.length ?? null, label };
      }
      case 'starts_with':
      case 'ends_with': {
        arity(2);
        if (second === undefined || second.kind !== 'string') return this.fail(second?.pos ?? node.pos, `${node.name}() takes a string literal as second argument`);
        const lit = inner.lowerCase ? second.value.toLowerCase() : second.value;
        const test: Getter =
          node.name === 'starts_with'
            ? (e, f) => (get(e, f) as string | null)?.startsWith(lit) === true
            : (e, f) => (get(e, f) as string | null)?.endsWith(lit) === true;
        return { type: 'boolean', nullable: false, lowerCase: false, get: test, label };
      }
      default:
        return this.fail(node.pos, `unknown function '${node.name}': expected lower, upper, len, starts_with or ends_with`);
    }
  }

  /** The literal's value when its type is the one the operand needs. */
  private literalOf(operand: Operand, op: string, literal: Literal, type: 'string' | 'number' | 'boolean'): string | number | boolean {
    if (literal.kind !== type) this.fail(literal.pos, `${operand.label} is a ${operand.type}: '${op}' needs a ${type}, found ${describe(literal)}`);
    return literal.value;
  }

  private cidrSet(items: Literal[], operand: Operand): CidrSet {
    for (const item of items) {
      if (item.kind !== 'ip' || parseCidr(item.value) === null) this.fail(item.pos, `${operand.label} is an address: expected an IP address or CIDR, found ${describe(item)}`);
    }
    return new CidrSet(items.map((item) => item.value as string));
  }

  private regex(source: string, pos: number, lowerCase: boolean): RegExp {
    // Cloudflare's regexes are Rust's; `(?i)` at the start is the one inline flag accepted here.
    const insensitive = lowerCase || source.startsWith('(?i)');
    const body = source.startsWith('(?i)') ? source.slice(4) : source;
    try {
      return new RegExp(body, insensitive ? 'i' : '');
    } catch (error) {
      return this.fail(pos, `invalid regular expression: ${(error as Error).message}`);
    }
  }

  private fail(pos: number, message: string): never {
    throw new RuleError(this.expression, pos, message);
  }
}

function regexTest(get: Getter, regex: RegExp): CompiledRule {
  return (e, f) => {
    const v = get(e, f) as string | null;
    return v !== null && regex.test(v);
  };
}

/** Cloudflare `wildcard`: `*` is any run of characters, `\*` a literal star; whole value, case-insensitive. */
function wildcardRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      source += `\\${pattern[i + 1]}`;
      i += 1;
    } else if (c === '*') {
      source += '.*';
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 'is');
}

function describe(literal: Literal): string {
  return literal.kind === 'string' ? `string "${literal.value}"` : `${literal.kind} ${String(literal.value)}`;
}

function suggest(name: string): string {
  const tail = name.slice(name.lastIndexOf('.') + 1);
  const close = FIELD_NAMES.filter((f) => f.endsWith(`.${tail}`) || f.startsWith(name));
  return close.length > 0 ? ` (did you mean ${close.slice(0, 3).map((c) => `'${c}'`).join(', ')}?)` : '';
}
