/**
 * Configuration of the `heuristics` detector: per-event rules in a subset of Cloudflare's rules
 * language, three built-in heuristics, and the cooldown that bounds how often a (subject, rule)
 * pair signals. Every rule is compiled here, at parse time, so a bad rule fails at boot with its
 * path (`rules.<n>.expression`), column and what was expected.
 */
import { z } from 'zod';
import { parseOrThrow } from '../parse-or-throw.js';
import { DEFAULT_BROWSER_JA4_A_PATTERNS } from './ja4.js';
import { compileRule, RuleError } from './rules/index.js';

export const BUILTIN_NAMES = ['automation_ua', 'fake_crawler', 'ua_ja4_mismatch'] as const;
export type BuiltinName = (typeof BUILTIN_NAMES)[number];

const actionSchema = z.enum(['block', 'challenge', 'log']);
const scoreSchema = z.number().int().min(1).max(99);

const FAKE_CRAWLER = 'user agents claiming a good crawler from outside its published ranges';

function builtinSchema(what: string, defaults: { score: number; action: 'block' | 'challenge' | 'log' }) {
  return z.strictObject(builtinShape(what, defaults)).prefault({}).describe(`Built-in: ${what}.`);
}

function builtinShape(what: string, defaults: { score: number; action: 'block' | 'challenge' | 'log' }) {
  return {
    /** Whether this heuristic signals at all. */
    enabled: z.boolean().default(true).describe(`Signal ${what}.`),
    score: scoreSchema.default(defaults.score).describe('Score of its signals (1 certainly automated … 99 certainly human).'),
    action: actionSchema.default(defaults.action).describe('What this heuristic alone recommends.'),
  };
}

export const heuristicRuleSchema = z.strictObject({
  /** Names the rule in signals (`<detector id>/<rule id>`) and in the cooldown. */
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, - and _ (at most 63)')
    .describe('Names the rule in signals (`<detector id>/<rule id>`); lower-case letters, digits, - and _.'),
  /** Condition in the rules language (see the heuristics README), e.g. `http.request.uri.path contains "/login" and cf.bot_management.score lt 30`. */
  expression: z
    .string()
    .min(1)
    .superRefine((expression, ctx) => {
      // Compiled here so a bad rule fails at boot; the detector compiles it again on create.
      try {
        compileRule(expression);
      } catch (error) {
        if (!(error instanceof RuleError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
      }
    })
    .describe('Condition in the rules language (Cloudflare subset; see the heuristics README).'),
  score: scoreSchema.describe('Score of the rule\'s signals (1 certainly automated … 99 certainly human).'),
  action: actionSchema.describe('What a match alone recommends: block, challenge or log.'),
  subject: z.enum(['ip', 'prefix', 'asn', 'ja4', 'ua']).default('ip').describe('Who the signal is about: ip, prefix (/24 or /64), asn, ja4 or ua (the user-agent string).'),
});

export type HeuristicRule = z.output<typeof heuristicRuleSchema>;

export const heuristicsConfigSchema = z
  .strictObject({
    /** Custom rules, evaluated in order on every event that is neither verified nor safelisted. */
    rules: z
      .array(heuristicRuleSchema)
      .max(2_000)
      .superRefine(
        (rules, ctx) => {
          const seen = new Set<string>(BUILTIN_NAMES);
          rules.forEach((rule, index) => {
            // Runs even when other fields of the rules are invalid (`when` below), so every
            // problem is listed at once: the entries are not validated yet.
            if (typeof rule?.id !== 'string') return;
            if (seen.has(rule.id)) {
              const clash = (BUILTIN_NAMES as readonly string[]).includes(rule.id) ? 'a built-in heuristic' : 'another rule';
              ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `rule id '${rule.id}' is already used by ${clash}` });
            }
            seen.add(rule.id);
          });
        },
        { when: () => true },
      )
      .default([])
      .describe('Custom rules, evaluated in order on every event that is neither verified nor safelisted.'),
    /**
     * The user agent is on the maintained automation list (isbot): scripts, tools, headless
     * browsers, crawlers. `log` by default: a bot that says what it is (uptime monitors, SEO
     * tools) is let be unless other detectors or origin load (load-bucket) say otherwise; the
     * signal still counts in fusion.
     */
    automation_ua: builtinSchema('user agents on the maintained automation list (isbot), unless verified', { score: 35, action: 'log' }),
    /**
     * The user agent claims a good crawler (Googlebot, Bingbot, …) from outside that crawler's
     * published ranges. Signals on the address and, with `on_user_agent`, on the exact user-agent
     * string: a `ua:` verdict blocks every request that sends it and is not verified (the
     * exemption every enforcement path applies keeps the real crawler out), so a fake crawler on
     * an address people share (a carrier NAT exit, where the collateral guard keeps the address's
     * verdict at `log`) is still blocked, without touching the people behind it: no person's
     * browser claims to be Googlebot.
     */
    fake_crawler: z
      .strictObject({
        ...builtinShape(FAKE_CRAWLER, { score: 2, action: 'block' }),
        on_user_agent: z.boolean().default(true).describe('Also signal on the claimed user-agent string (`ua:` subject): blocks the fake wherever it comes from; verified crawlers with that string stay exempt in every enforcement path.'),
      })
      .prefault({})
      .describe(`Built-in: ${FAKE_CRAWLER}.`),
    /** A browser user agent with a TLS fingerprint (JA4) no browser sends. */
    ua_ja4_mismatch: builtinSchema('browser user agents with a non-browser TLS fingerprint (JA4)', { score: 15, action: 'challenge' }),
    /** Per (subject, rule): at most one signal per this much event time; also the detector's lookback. */
    cooldown_ms: z.number().int().positive().max(86_400_000).default(60_000).describe('Per (subject, rule): at most one signal per this much event time.'),
    /**
     * Most (subject, rule) pairs whose cooldown is tracked. When full, the least recently matched
     * pair is forgotten (counted as discarded `state_evicted`) and may signal again early.
     */
    max_tracked_subjects: z.number().int().positive().max(10_000_000).default(100_000).describe('Most (subject, rule) cooldowns tracked; when full the least recently matched is forgotten.'),
    /**
     * JA4 "a" parts (regex sources, e.g. `^t13d151[2-9]h2$`) that count as a browser's TLS
     * handshake for `ua_ja4_mismatch`; read by the feature extractor. Defaults: Chromium,
     * Firefox, Safari over TCP, and any of them over QUIC (see heuristics/ja4.ts for sources).
     */
    browser_ja4_a_patterns: z
      .array(
        z.string().refine(
          (source) => {
            try {
              new RegExp(source);
              return true;
            } catch {
              return false;
            }
          },
          { message: 'not a valid regular expression' },
        ),
      )
      .min(1)
      .default([...DEFAULT_BROWSER_JA4_A_PATTERNS])
      .describe('JA4 "a" parts (regex sources) that count as a browser TLS handshake for ua_ja4_mismatch.'),
  });

export type HeuristicsConfig = z.output<typeof heuristicsConfigSchema>;
export type BuiltinConfig = HeuristicsConfig['automation_ua'];

/** Validates raw config and compiles every rule; throws ERR_DETECTOR_CONFIG listing every problem. */
export function parseHeuristicsConfig(raw: unknown): HeuristicsConfig {
  return parseOrThrow(heuristicsConfigSchema, raw ?? {}, 'heuristics config');
}
