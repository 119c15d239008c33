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
 * Score: the band score (engine/levels.ts) of the rule with the highest rank, from its own
 * quantity and thresholds (the lowest score among ties). Cooldown: a subject is signalled again
 * only when the action escalates or its last signal is `reemit_ms` old.
 *
 * Windows: the short one is two tumbling segments of `window_ms` (engine/segment-window.ts); the
 * long counters decay exponentially, anchored at the subject's newest step, so a late partial
 * adds its decayed share and the order of partials does not matter. Distinct IPs over the long
 * window: two segments of one half-life.
 *
 * Cheap path: only summaries with login attempts matter (a summary without any returns after one
 * comparison) and only subjects with attempts get state. Distinct IPs come from the summaries'
 * `ips`, which count every IP of the step, not only those that tried to log in; merging only
 * steps with attempts keeps that close, but it is an upper bound (see the report on contracts).
 */
import type { Logger, SubjectKey } from '@botsieve/core';
import type { HostedDetectorContext } from '../detector-context.js';
import type { EngineDetectorFactory, StateSize, SummaryDetector } from '../engine/detector.js';
import { KindTrackers, type KindTrackerFactory } from '../engine/kind-trackers.js';
import { Levels, round3, signalOnce, type Judgement } from '../engine/levels.js';
import { distinct } from '../engine/segment-window.js';
import { NO_SIGNALS, type Signal } from '../engine/signal.js';
import type { Summary, SummaryKind } from '../engine/summary.js';
import { TableTracker } from '../engine/table-tracker.js';
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

type Tracker = TableTracker<CredentialStuffingSubjectConfig, KindRules, LoginState>;

const TRACKERS: KindTrackerFactory<CredentialStuffingConfig, CredentialStuffingSubjectConfig, Tracker> = {
  /** A kind keeps its state across a reconfigure only with the same windows and cap. */
  shapeOf: (subject, config) => JSON.stringify([config.window_ms, config.long_half_life_ms, subject.max_tracked_subjects]),
  create: (kind, subject, shape) => new TableTracker(kind, shape, subject, KindRules),
};

export class CredentialStuffingDetector implements SummaryDetector {
  readonly id: string;
  readonly input = 'summaries' as const;
  private config: CredentialStuffingConfig;
  private readonly kinds = new KindTrackers(TRACKERS);
  private watermark = 0;
  private readonly logger: Logger;
  private readonly isExpired = (s: LoginState): boolean => s.expired(this.watermark, this.config);

  constructor(config: CredentialStuffingConfig, private readonly context: HostedDetectorContext) {
    this.id = context.id ?? CREDENTIAL_STUFFING;
    this.config = config;
    this.logger = context.logger;
    this.kinds.reconfigure(config);
  }

  summary(summary: Summary): Signal[] {
    if (summary.logins === 0) return NO_SIGNALS;
    const tracker = this.kinds.byKind[summary.kind];
    if (tracker === null) return NO_SIGNALS;
    const { window_ms, long_half_life_ms } = this.config;
    const step = summary.step_ms;
    let state = tracker.table.get(summary.subject);
    if (state === undefined) {
      state = new LoginState(Math.floor(step / window_ms), Math.floor(step / long_half_life_ms), step);
      tracker.table.add(summary.subject, state);
    }
    const before = state.bytes;
    if (!state.fold(summary, window_ms, long_half_life_ms, tracker.aggregate)) this.kinds.late += 1;
    state.bytes = state.measure();
    tracker.table.resized(state, before);
    return this.judge(tracker, summary.subject, state);
  }

  flush(watermark_ms: number): Signal[] {
    this.watermark = watermark_ms;
    for (const tracker of this.kinds.all) tracker.table.sweep(this.isExpired);
    this.kinds.reportDiscards(this.context.metrics, CREDENTIAL_STUFFING_DISCARD.stateEvicted, CREDENTIAL_STUFFING_DISCARD.lateSummary);
    return NO_SIGNALS;
  }

  stateSize(): StateSize {
    return this.kinds.stateSize();
  }

  /** New thresholds keep the state; new window lengths or caps restart the kinds they change. */
  reconfigure(config: unknown): void {
    const next = config as CredentialStuffingConfig;
    const reset = next.window_ms !== this.config.window_ms || next.long_half_life_ms !== this.config.long_half_life_ms;
    this.kinds.reconfigure(next);
    this.config = next;
    if (reset) this.logger.info({ detector: this.id }, 'credential-stuffing windows changed: state restarted');
  }

  /** Tracked subjects of one kind (tests, debugging). */
  trackedSubjects(kind: SummaryKind): number {
    return this.kinds.byKind[kind]?.table.size ?? 0;
  }

  /** What the rules see for a subject right now, cooldown aside (tests, debugging). */
  evidenceOf(kind: SummaryKind, subject: SubjectKey): Record<string, number> | null {
    const tracker = this.kinds.byKind[kind];
    const state = tracker?.table.peek(subject);
    return tracker === null || state === undefined ? null : this.evaluate(tracker, state).evidence;
  }

  private judge(tracker: Tracker, subject: SubjectKey, s: LoginState): Signal[] {
    const rules = tracker.rules;
    if (s.failures < rules.failures.lowest && s.attempts < rules.attempts.lowest && s.longFailures < rules.longFailures.lowest) return NO_SIGNALS;
    return signalOnce(s, subject, s.lastMs, this.id, this.evaluate(tracker, s), this.config.reemit_ms);
  }

  private evaluate(tracker: Tracker, s: LoginState): Judgement {
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

export const credentialStuffing: EngineDetectorFactory<CredentialStuffingConfig> = {
  parseConfig: parseCredentialStuffingConfig,
  create(config: CredentialStuffingConfig, context: HostedDetectorContext): CredentialStuffingDetector {
    return new CredentialStuffingDetector(config, context);
  },
  lookbackMs: credentialStuffingLookbackMs,
};
