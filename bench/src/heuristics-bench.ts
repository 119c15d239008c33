/**
 * Benchmark of the `heuristics` detector: cost per event with 200 generated, realistic rules
 * (path contains, UA matches, score lt, ip in sets, asn in sets, combinations) over 100k varied
 * events, beside a baseline from the same run: the same 200 rules evaluated by a naive
 * interpreter that walks the parsed AST per event (field lookup by name, generic operator
 * switch; regexes and sets cached per node, so it measures interpretation, not construction).
 *
 *   npm run bench:heuristics
 */
import { CidrSet, type RequestEvent } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import type { EventFeatures } from '@botsieve/detectors';
import { compileRule, defaultFeatures, FIELDS, heuristics, parseRule, type Literal, type RuleNode, type ValueNode } from '@botsieve/detectors/internals';
import { makeEvent } from '@botsieve/detectors/test-support';
import { seededRandom } from './seeded-random.js';

const RULES = 200;
const EVENTS = 100_000;
const ROUNDS = 5;

const { random, pick, int } = seededRandom(0x5eed);

const WORDS = ['login', 'admin', 'wp-login.php', 'xmlrpc.php', 'api/v1/cart', 'checkout', 'search', 'graphql', '.env', 'phpmyadmin', 'account', 'signup', 'password/reset', 'api/v2/price', 'product'];
const TOOLS = ['curl', 'python-requests', 'Go-http-client', 'scrapy', 'HeadlessChrome', 'wget', 'okhttp', 'axios', 'node-fetch', 'Java'];
const ipv4 = (): string => `${1 + int(222)}.${int(256)}.${int(256)}.${int(256)}`;

function generateRules(): { id: string; expression: string; score: number; action: 'block' | 'challenge' | 'log' }[] {
  return Array.from({ length: RULES }, (_, i) => {
    let expression: string;
    switch (i % 6) {
      case 0:
        expression = `http.request.uri.path contains "/${pick(WORDS)}${int(50)}"`;
        break;
      case 1:
        expression = `http.user_agent matches "(?i)^${pick(TOOLS)}/${int(9)}\\\\."`;
        break;
      case 2:
        expression = `cf.bot_management.score lt ${5 + int(25)} and http.request.uri.path contains "/${pick(WORDS)}${int(50)}"`;
        break;
      case 3:
        expression = `ip.src in {${Array.from({ length: 12 }, () => `${ipv4()}/${20 + int(13)}`).join(' ')} 2001:db8:${int(65_536).toString(16)}::/48}`;
        break;
      case 4:
        expression = `ip.src.asnum in {${Array.from({ length: 8 }, () => 64_512 + int(20_000)).join(' ')}} and not botsieve.browser_ua`;
        break;
      default:
        expression = `(http.request.method eq "POST" and starts_with(http.request.uri.path, "/${pick(WORDS)}${int(50)}")) or (ip.src.country in {"${pick(['ru', 'cn', 'kp', 'ir'])}"} and len(http.user_agent) lt ${10 + int(10)})`;
    }
    return { id: `rule-${i}`, expression, score: 10 + int(30), action: pick(['block', 'challenge', 'log'] as const) };
  });
}

/** Traffic as most sites see it: 90 % browsers, 10 % tools; most events match no rule. */
function generateEvents(): { event: RequestEvent; features: EventFeatures }[] {
  const ips = Array.from({ length: 5_000 }, (_, i) => (i % 10 === 0 ? `2001:db8:${int(65_536).toString(16)}::${int(65_536).toString(16)}` : ipv4()));
  const browsers = [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  ];
  const tools = Array.from({ length: 100 }, () => `${pick(TOOLS)}/${int(9)}.${int(30)}`);
  return Array.from({ length: EVENTS }, (_, i) => {
    const path = `/${pick(WORDS)}${random() < 0.3 ? int(50) : ''}`;
    const browser = random() < 0.9;
    const event = makeEvent({
      ray_id: `r${i}`,
      timestamp_ms: 1_700_000_000_000 + i * 10,
      ip: pick(ips),
      asn: 64_512 + int(20_000),
      country: random() < 0.02 ? pick(['ru', 'cn', 'ir']) : pick(['nl', 'us', 'de', 'fr', 'gb', 'br', 'in']),
      method: random() < 0.8 ? 'GET' : 'POST',
      path,
      uri: random() < 0.5 ? `${path}?page=${int(20)}` : path,
      user_agent: browser ? pick(browsers) : pick(tools),
      bot_score: random() < 0.3 ? null : 1 + int(99),
    });
    return { event, features: { ...defaultFeatures(event), browser_ua: browser, automation_ua: !browser } };
  });
}

// ---- the baseline: a naive AST interpreter --------------------------------------------------
const cache = new WeakMap<object, RegExp | Set<unknown> | CidrSet>();

function value(node: ValueNode, e: RequestEvent, f: EventFeatures): unknown {
  if (node.kind === 'field') return FIELDS.get(node.name)?.get(e, f) ?? null;
  const v = value(node.args[0] as ValueNode, e, f) as string | null;
  if (v === null) return node.name === 'starts_with' || node.name === 'ends_with' ? false : null;
  const arg = (node.args[1] as Literal | undefined)?.value as string;
  switch (node.name) {
    case 'lower':
      return v.toLowerCase();
    case 'upper':
      return v.toUpperCase();
    case 'len':
      return v.length;
    case 'starts_with':
      return v.startsWith(arg);
    default:
      return v.endsWith(arg);
  }
}

function evaluate(node: RuleNode, e: RequestEvent, f: EventFeatures): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, e, f) && evaluate(node.right, e, f);
    case 'or':
      return evaluate(node.left, e, f) || evaluate(node.right, e, f);
    case 'xor':
      return evaluate(node.left, e, f) !== evaluate(node.right, e, f);
    case 'not':
      return !evaluate(node.operand, e, f);
    case 'predicate':
      return value(node.value, e, f) === true;
    case 'in': {
      const v = value(node.left, e, f);
      let set = cache.get(node);
      if (set === undefined) {
        set = node.left.kind === 'field' && node.left.name === 'ip.src' ? new CidrSet(node.items.map((i) => String(i.value))) : new Set(node.items.map((i) => (typeof i.value === 'string' ? i.value.toLowerCase() : i.value)));
        cache.set(node, set);
      }
      return set instanceof CidrSet ? set.has(v as string) : (set as Set<unknown>).has(v);
    }
    case 'compare': {
      const v = value(node.left, e, f);
      if (v === null) return false;
      const lit = node.right.value;
      switch (node.op) {
        case 'eq':
          return v === lit;
        case 'ne':
          return v !== lit;
        case 'lt':
          return (v as number) < (lit as number);
        case 'le':
          return (v as number) <= (lit as number);
        case 'gt':
          return (v as number) > (lit as number);
        case 'ge':
          return (v as number) >= (lit as number);
        case 'contains':
          return (v as string).includes(lit as string);
        default: {
          let regex = cache.get(node) as RegExp | undefined;
          if (regex === undefined) {
            const source = lit as string;
            regex = source.startsWith('(?i)') ? new RegExp(source.slice(4), 'i') : new RegExp(source);
            cache.set(node, regex);
          }
          return regex.test(v as string);
        }
      }
    }
  }
}

// ---- measurement ------------------------------------------------------------------------------
function time(label: string, run: () => number): number {
  let best = Number.POSITIVE_INFINITY;
  let result = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    result = run();
    const us = Number(process.hrtime.bigint() - start) / 1_000 / EVENTS;
    if (us < best) best = us;
  }
  process.stdout.write(`${label.padEnd(44)} ${best.toFixed(3)} µs/event   (${result} matches/signals in the last round)\n`);
  return best;
}

const rules = generateRules();
const events = generateEvents();
const config = heuristics.parseConfig({ rules });
const component = nullTelemetry().component('detector/bench');
const compiled = rules.map((r) => compileRule(r.expression));
const asts = rules.map((r) => parseRule(r.expression));

process.stdout.write(`heuristics bench: ${RULES} rules, ${EVENTS} events, best of ${ROUNDS} rounds (Node ${process.version})\n`);
const detectorUs = time('detector.process (compiled, + cooldowns)', () => {
  const detector = heuristics.create(config, { clock: { now: () => 0 }, logger: component.log, metrics: component.metrics, id: 'bench' });
  let signals = 0;
  for (const { event, features } of events) signals += (detector as { process(e: RequestEvent, f: EventFeatures): unknown[] }).process(event, features).length;
  return signals;
});
const compiledUs = time('compiled rules only (closure tree)', () => {
  let matches = 0;
  for (const { event, features } of events) for (const rule of compiled) if (rule(event, features)) matches++;
  return matches;
});
const interpretedUs = time('baseline: naive AST interpreter', () => {
  let matches = 0;
  for (const { event, features } of events) for (const ast of asts) if (evaluate(ast, event, features)) matches++;
  return matches;
});
process.stdout.write(`compiled is ${(interpretedUs / compiledUs).toFixed(1)}× faster than the interpreter; the detector costs ${detectorUs.toFixed(2)} µs/event (target < 20)\n`);
