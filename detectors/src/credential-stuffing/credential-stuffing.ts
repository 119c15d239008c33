/**
 * `credential-stuffing` (SummaryDetector): login attempts and failures per subject. Brute force
 * is many attempts or failures from one `ip:`; credential stuffing is many attempts with a high
 * failure ratio spread over rotating IPs, seen whole on a `prefix:`, `asn:` or `ja4:` subject.
 *
 * Rules, per kind of subject (thresholds and defaults in config.ts), each reaching a rank
 * (0 nothing, 1 log, 2 challenge, 3 block); the subject's recommendation is the highest:
 * - failures:      failed logins in the window, when failures / attempts ≥ min_failure_ratio;
 * - attempts:      login attempts in the window, whatever their outcome;
 * - long_failures: failed logins decayed with long_half_life_ms, when the decayed ratio
 *                  ≥ min_failure_ratio (a sustained trickle below the short thresholds).
 * Every rule needs ≥ min_distinct_ips distinct IPs (10 for aggregates; an `ip:` subject is one).
 *
 * Score: the band score (levels.ts) of the rule with the highest rank, from its own quantity and
 * thresholds (the lowest score among ties). Cooldown: a subject is signalled again only when
 * the action escalates or its last signal is `reemit_ms` old.
 *
 * Windows: the short one is two tumbling segments of `window_ms` (window.ts); the long counters
 * decay exponentially, anchored at the subject's newest step, so a late partial adds its
 * decayed share and the order of partials does not matter. Distinct IPs over the long window:
 * two segments of one half-life.
 *
 * Cheap path: only summaries with login attempts matter (a summary without any returns after one
 * comparison) and only subjects with attempts get state. Distinct IPs come from the summaries'
 * `ips`, which count every IP of the step, not only those that tried to log in; merging only
 * steps with attempts keeps that close, but it is an upper bound (see the report on contracts).
 */
import type { Logger, SubjectKey } from '@botsieve/core';
import type { HostedDetectorContext } from '../detector-context.js';
import type { EngineDetectorFactory, StateSize, SummaryDetector } from '../engine/detector.js';
import { NO_SIGNALS, type Signal } from '../engine/signal.js';
import type { Summary, SummaryKind } from '../engine/summary.js';
import { ACTION_BY_RANK, Levels, round3, shouldSignal } from '../scraping/levels.js';
import { StateTable } from '../scraping/state-table.js';
import { distinct } from '../scraping/window.js';
import { credentialStuffingLookbackMs, parseCredentialStuffingConfig, type CredentialStuffingConfig, type CredentialStuffingSubjectConfig } from './config.js';
import { CREDENTIAL_STUFFING_DISCARD } from './metrics.js';
import { LoginState } from './login-state.js';

export const CREDENTIAL_STUFFING = 'credential-stuffing';

/** One kind's compiled thresholds. */
class KindRules {
  readonly minFailureRatio: number;
  readonly minIps: number;
  readonly failures: Levels;
  readonly attempts: Levels;
  readonly longFailures: Levels;

  constructor(config: CredentialStuffingSubjectConfig, aggregate: boolean) {
    this.minFailureRatio = config.min_failure_ratio;
    this.minIps = aggregate ? config.min_distinct_ips : 1;
    this.failures = new Levels(config.failures);
    this.attempts = new Levels(config.attempts);
    this.longFailures = new Levels(config.long_failures);
  }
}

class Tracker {
  readonly aggregate: boolean;
  rules: KindRules;
  readonly table: StateTable<LoginState>;

  constructor(readonly kind: SummaryKind, config: CredentialStuffingSubjectConfig) {
    this.aggregate = kind !== 'ip';
    this.rules = new KindRules(config, this.aggregate);
    this.table = new StateTable(config.max_tracked_subjects);
  }
}

type Trackers = Record<SummaryKind, Tracker | null>;
const KINDS: readonly SummaryKind[] = ['ip', 'prefix', 'asn', 'ja4', 'ua'];

export class CredentialStuffingDetector implements SummaryDetector {
  readonly id: string;
  readonly input = 'summaries' as const;
  private config: CredentialStuffingConfig;
  private trackers: Trackers;
  private late = 0;
  private watermark = 0;
  private readonly logger: Logger;
  private readonly isExpired = (s: LoginState): boolean => s.expired(this.watermark, this.config);

  constructor(config: CredentialStuffingConfig, private readonly context: HostedDetectorContext) {
    this.id = context.id ?? CREDENTIAL_STUFFING;
    this.config = config;
    this.trackers = buildTrackers(config, null);
    this.logger = context.logger;
  }

  summary(summary: Summary): Signal[] {
    if (summary.logins === 0) return NO_SIGNALS;
    const tracker = this.trackers[summary.kind];
    if (tracker === null) return NO_SIGNALS;
    const { window_ms, long_half_life_ms } = this.config;
    const step = summary.step_ms;
    let state = tracker.table.get(summary.subject);
    if (state === undefined) {
      state = new LoginState(Math.floor(step / window_ms), Math.floor(step / long_half_life_ms), step);
      tracker.table.add(summary.subject, state);
    }
    const before = state.bytes;
    if (!state.fold(summary, window_ms, long_half_life_ms, tracker.aggregate)) this.late += 1;
    state.bytes = state.measure();
    tracker.table.resized(state, before);
    return this.judge(tracker, summary.subject, state);
  }

  flush(watermark_ms: number): Signal[] {
    this.watermark = watermark_ms;
    const metrics = this.context.metrics;
    for (const kind of KINDS) {
      const tracker = this.trackers[kind];
      if (tracker === null) continue;
      tracker.table.sweep(this.isExpired);
      const evicted = tracker.table.takeEvictions();
      if (evicted > 0) metrics.discarded(CREDENTIAL_STUFFING_DISCARD.stateEvicted, evicted);
    }
    if (this.late > 0) {
      metrics.discarded(CREDENTIAL_STUFFING_DISCARD.lateSummary, this.late);
      this.late = 0;
    }
    return NO_SIGNALS;
  }

  stateSize(): StateSize {
    let keys = 0;
    let bytes = 0;
    for (const kind of KINDS) {
      const table = this.trackers[kind]?.table;
      if (table === undefined) continue;
      keys += table.size;
      bytes += table.bytes;
    }
    return { keys, bytes };
  }

  /** New thresholds keep the state; new window lengths or caps restart the kinds they change. */
  reconfigure(config: unknown): void {
    const next = config as CredentialStuffingConfig;
    const reset = next.window_ms !== this.config.window_ms || next.long_half_life_ms !== this.config.long_half_life_ms;
    this.trackers = buildTrackers(next, reset ? null : this.trackers);
    this.config = next;
    if (reset) this.logger.info({ detector: this.id }, 'credential-stuffing windows changed: state restarted');
  }

  /** Tracked subjects of one kind (tests, debugging). */
  trackedSubjects(kind: SummaryKind): number {
    return this.trackers[kind]?.table.size ?? 0;
  }

  /** What the rules see for a subject right now, cooldown aside (tests, debugging). */
  evidenceOf(kind: SummaryKind, subject: SubjectKey): Record<string, number> | null {
    const tracker = this.trackers[kind];
    const state = tracker?.table.peek(subject);
    return tracker === null || tracker === undefined || state === undefined ? null : this.evaluate(tracker, state).evidence;
  }

  private judge(tracker: Tracker, subject: SubjectKey, s: LoginState): Signal[] {
    const rules = tracker.rules;
    if (s.failures < rules.failures.lowest && s.attempts < rules.attempts.lowest && s.longFailures < rules.longFailures.lowest) return NO_SIGNALS;
    const { rank, score, evidence } = this.evaluate(tracker, s);
    if (!shouldSignal(rank, s.rank, s.signalAt, s.lastMs, this.config.reemit_ms)) return NO_SIGNALS;
    s.rank = rank;
    s.signalAt = s.lastMs;
    return [{ subject, at: s.lastMs, detector: this.id, score, action: ACTION_BY_RANK[rank]!, evidence }];
  }

  private evaluate(tracker: Tracker, s: LoginState): { rank: number; score: number; evidence: Record<string, number> } {
    const rules = tracker.rules;
    const ratio = s.attempts > 0 ? s.failures / s.attempts : 0;
    const ips = tracker.aggregate ? distinct(s.ips) : 1;
    const longRatio = s.longAttempts > 0 ? s.longFailures / s.longAttempts : 0;
    const longIps = tracker.aggregate ? distinct(s.longIps) : 1;
    const spread = ips >= rules.minIps;
    const failuresRank = spread && ratio >= rules.minFailureRatio ? rules.failures.rank(s.failures) : 0;
    const attemptsRank = spread ? rules.attempts.rank(s.attempts) : 0;
    const longRank = longIps >= rules.minIps && longRatio >= rules.minFailureRatio ? rules.longFailures.rank(s.longFailures) : 0;
    let rank = failuresRank;
    let score = rules.failures.score(failuresRank, s.failures);
    const attemptsScore = rules.attempts.score(attemptsRank, s.attempts);
    if (attemptsRank > rank || (attemptsRank === rank && attemptsScore < score)) [rank, score] = [attemptsRank, attemptsScore];
    const longScore = rules.longFailures.score(longRank, s.longFailures);
    if (longRank > rank || (longRank === rank && longScore < score)) [rank, score] = [longRank, longScore];
    const evidence = {
      login_attempts: s.attempts,
      login_failures: s.failures,
      failure_ratio: round3(ratio),
      distinct_ips: ips,
      attempts_per_ip: round3(s.attempts / Math.max(1, ips)),
      window_ms: s.lastMs - s.firstMs,
      long_attempts: round3(s.longAttempts),
      long_failures: round3(s.longFailures),
      long_failure_ratio: round3(longRatio),
      long_distinct_ips: longIps,
      long_half_life_ms: this.config.long_half_life_ms,
      rule_failures: failuresRank,
      rule_attempts: attemptsRank,
      rule_long_failures: longRank,
    };
    return { rank, score, evidence };
  }
}

/** Trackers for `config`, keeping a previous kind's state when its cap is unchanged. */
function buildTrackers(config: CredentialStuffingConfig, previous: Trackers | null): Trackers {
  const out: Trackers = { ip: null, prefix: null, asn: null, ja4: null, ua: null };
  for (const kind of KINDS) {
    const subject = config.subjects[kind];
    if (!subject.enabled) continue;
    const kept = previous?.[kind] ?? null;
    if (kept !== null && kept.table.capacity === subject.max_tracked_subjects) {
      kept.rules = new KindRules(subject, kept.aggregate);
      out[kind] = kept;
    } else {
      out[kind] = new Tracker(kind, subject);
    }
  }
  return out;
}

export const credentialStuffing: EngineDetectorFactory<CredentialStuffingConfig> = {
  parseConfig: parseCredentialStuffingConfig,
  create(config: CredentialStuffingConfig, context: HostedDetectorContext): CredentialStuffingDetector {
    return new CredentialStuffingDetector(config, context);
  },
  lookbackMs: credentialStuffingLookbackMs,
};
