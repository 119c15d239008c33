/**
 * `heuristics`: per-event rules. Each event that is neither verified nor safelisted is tested
 * against three built-ins (automation user agent, fake good crawler, browser UA with a
 * non-browser JA4, all read from the precomputed EventFeatures) and then the configured rules,
 * compiled once into closures. A match is a signal about the rule's subject, named
 * `<detector id>/<rule or built-in>` so verdicts say which rule fired.
 *
 * Cooldown: per (subject, rule), at most one signal per `cooldown_ms` of event time. Matches in
 * between are counted and reported as `matches` in the next signal's evidence. State is one
 * small object per (subject, rule) pair in a BoundedMap (LRU, `max_tracked_subjects`); `flush`
 * forgets pairs whose last match is a full cooldown behind the watermark (their next match
 * signals anyway, with `matches` counted afresh).
 *
 * Pure: no I/O, no timers, no wall clock; decisions use event time, so replay and production agree.
 */
import type { ComponentMetrics, RequestEvent, SubjectKey, SubjectKind, VerdictAction } from '@botsieve/core';
import type { EngineDetectorFactory, EventDetector, HostedDetectorContext, StateSize } from '../engine/detector.js';
import type { EventFeatures } from '../engine/features.js';
import { NO_SIGNALS, type Signal } from '../engine/signal.js';
import { parseHeuristicsConfig, type BuiltinConfig, type HeuristicsConfig } from './config.js';
import { CooldownTable, type Cooldown, type PairMap, type RawSubject } from './cooldown-table.js';
import { HEURISTICS_DISCARD } from './metrics.js';
import { compileRule, type CompiledRule } from './rules/index.js';

export const HEURISTICS = 'heuristics';

/** `rule_index` in the evidence of built-in heuristics (configured rules count from 0). */
export const BUILTIN_RULE_INDEX = -1;

/** Approximate bytes per tracked pair: state object with its links (~70), Map slot (~30), value (~30). */
const BYTES_PER_PAIR = 130;

interface ActiveRule {
  /** `<detector id>/<name>`: the signal's `detector`. */
  readonly detector: string;
  /** Rule id or built-in name: part of the cooldown key. */
  readonly name: string;
  readonly index: number;
  readonly subject: SubjectKind;
  readonly score: number;
  readonly action: VerdictAction;
  readonly test: CompiledRule | null;
  /** This rule's cooldowns, by the subject's raw value. */
  readonly pairs: PairMap;
}

export class HeuristicsDetector implements EventDetector<HeuristicsConfig> {
  readonly id: string;
  readonly input = 'events' as const;
  private rules: readonly ActiveRule[] = [];
  private automation: ActiveRule | null = null;
  private fakeCrawler: ActiveRule | null = null;
  /** fake_crawler again, on the claimed user-agent string (`on_user_agent`). */
  private fakeCrawlerUa: ActiveRule | null = null;
  private ja4Mismatch: ActiveRule | null = null;
  private cooldownMs = 0;
  private readonly cooldowns: CooldownTable;
  private readonly metrics: ComponentMetrics;
  private reportedEvictions = 0;
  /** The watermark of the running flush. */
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly expired = (pair: Cooldown): boolean => this.watermark - pair.lastMatchMs >= this.cooldownMs;

  constructor(config: HeuristicsConfig, context: HostedDetectorContext) {
    this.id = context.id ?? HEURISTICS;
    this.metrics = context.metrics;
    this.cooldowns = new CooldownTable(config.max_tracked_subjects);
    this.apply(config);
    context.logger.debug({ detector: this.id, rules: config.rules.length, cooldown_ms: config.cooldown_ms }, 'heuristics ready');
  }

  process(event: RequestEvent, features: EventFeatures): Signal[] {
    if (features.verified || features.safelisted) return NO_SIGNALS;
    let out: Signal[] | null = null;
    if (this.automation !== null && features.automation_ua) out = this.matched(this.automation, event, features, out);
    if (this.fakeCrawler !== null && features.claimed_crawler !== '') {
      out = this.matched(this.fakeCrawler, event, features, out);
      if (this.fakeCrawlerUa !== null) out = this.matched(this.fakeCrawlerUa, event, features, out);
    }
    if (this.ja4Mismatch !== null && features.ua_ja4_mismatch) out = this.matched(this.ja4Mismatch, event, features, out);
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as ActiveRule;
      if ((rule.test as CompiledRule)(event, features)) out = this.matched(rule, event, features, out);
    }
    return out ?? NO_SIGNALS;
  }

  flush(watermark_ms: number): Signal[] {
    // Least recently matched first: stop at the first pair still inside its cooldown. Events
    // arrive in event time within the allowed lateness, so the few pairs touched out of order
    // are freed at a later flush.
    this.watermark = watermark_ms;
    this.cooldowns.sweep(this.expired);
    const evicted = this.cooldowns.evictions - this.reportedEvictions;
    if (evicted > 0) {
      this.metrics.discarded(HEURISTICS_DISCARD.stateEvicted, evicted);
      this.reportedEvictions = this.cooldowns.evictions;
    }
    return NO_SIGNALS;
  }

  stateSize(): StateSize {
    const keys = this.cooldowns.size;
    return { keys, bytes: keys * BYTES_PER_PAIR };
  }

  /**
   * New rules, built-ins and cooldown (config validated by the factory); cooldown state is kept,
   * so a rule whose id stays keeps its cooldowns. `max_tracked_subjects` applies at restart.
   */
  reconfigure(config: HeuristicsConfig): void {
    this.apply(config);
  }

  private apply(config: HeuristicsConfig): void {
    const builtin = (name: string, c: BuiltinConfig, subject: SubjectKind = 'ip'): ActiveRule | null =>
      c.enabled ? { detector: `${this.id}/${name}`, name, index: BUILTIN_RULE_INDEX, subject, score: c.score, action: c.action, test: null, pairs: this.cooldowns.pairsOf(name, subject) } : null;
    // Compile everything before replacing anything: a throw leaves the old rules in place.
    const rules = config.rules.map((rule, index) => ({
      detector: `${this.id}/${rule.id}`,
      name: rule.id,
      index,
      subject: rule.subject,
      score: rule.score,
      action: rule.action,
      test: compileRule(rule.expression),
      pairs: this.cooldowns.pairsOf(rule.id, rule.subject),
    }));
    this.automation = builtin('automation_ua', config.automation_ua);
    this.fakeCrawler = builtin('fake_crawler', config.fake_crawler);
    this.fakeCrawlerUa = config.fake_crawler.on_user_agent ? builtin('fake_crawler', config.fake_crawler, 'ua') : null;
    this.ja4Mismatch = builtin('ua_ja4_mismatch', config.ua_ja4_mismatch);
    this.rules = rules;
    this.cooldownMs = config.cooldown_ms;
  }

  private matched(rule: ActiveRule, event: RequestEvent, features: EventFeatures, out: Signal[] | null): Signal[] | null {
    const value = valueOf(rule.subject, event);
    if (value === null) return out;
    const ts = event.timestamp_ms;
    // The features' hashes of the IP and the user agent key the cooldowns' recent-pairs cache.
    const hash = rule.subject === 'ip' ? features.ip_hash : rule.subject === 'ua' ? features.ua_hash : -1;
    const state = this.cooldowns.touch(rule.pairs, value, ts, hash);
    state.pending += 1;
    if (ts > state.lastMatchMs) state.lastMatchMs = ts;
    // A late event (before the last signal) is inside the cooldown too.
    if (ts - state.lastSignalMs < this.cooldownMs) return out;
    const matches = state.pending;
    state.pending = 0;
    state.lastSignalMs = ts;
    const evidence: Record<string, number> = { matches, rule_index: rule.index };
    if (event.bot_score !== null) evidence.bot_score = event.bot_score;
    const signal: Signal = { subject: `${rule.subject}:${value}` as SubjectKey, at: ts, detector: rule.detector, score: rule.score, action: rule.action, evidence };
    // A header rule judges the request's client: on an address, that user agent (see Signal.user_agent).
    if (rule.subject === 'ip') signal.user_agent = event.user_agent;
    if (out === null) return [signal];
    out.push(signal);
    return out;
  }
}

/** The event's value for a subject of `kind` (the subject is `kind:value`); null when it has none (no JA4, ASN 0, no IP); no user agent is `ua:`. */
function valueOf(kind: SubjectKind, event: RequestEvent): RawSubject | null {
  switch (kind) {
    case 'ip':
      return event.ip === '' ? null : event.ip;
    case 'prefix':
      return event.prefix === '' ? null : event.prefix;
    case 'asn':
      return event.asn === 0 ? null : event.asn;
    case 'ja4':
      return event.ja4 === null || event.ja4 === '' ? null : event.ja4;
    case 'ua':
      // '' is a value too: `ua:`, the requests that send no user agent.
      return event.user_agent;
  }
}

export const heuristics: EngineDetectorFactory<HeuristicsConfig> = {
  parseConfig: parseHeuristicsConfig,
  create(config: HeuristicsConfig, context: HostedDetectorContext): HeuristicsDetector {
    return new HeuristicsDetector(config, context);
  },
  /** Replaying one cooldown rebuilds the cooldowns a failover would otherwise lose. */
  lookbackMs(config: HeuristicsConfig): number {
    return config.cooldown_ms;
  },
};
