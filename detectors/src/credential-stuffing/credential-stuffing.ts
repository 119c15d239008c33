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
 * - surge_failures: while the login route fails above its baseline share (`surge`, a
 *                  LoginSurge per kind fed by that kind's summaries: a sudden run or a sustained
 *                  campaign), unsuccessful logins in the window (failed, or answered with an
 *                  error in steps of nothing but logins) when their share of the subject's
 *                  attempts ≥ surge_min_failure_ratio (departing from the route's ~10–20 %) from
 *                  ≥ surge_min_distinct_ips IPs seen in steps where the subject did nothing
 *                  but log in (login_only_ips: one busy brute forcer in a cloud full of other
 *                  traffic cannot pass for many): a network, user agent or JA4 that carries a
 *                  share of the surge. Humans in the population are the collateral guard's
 *                  to see (fusion caps the verdict at `log`); per address the surge is
 *                  address-bursts' (sessionless_logins), so `ip:` has no surge levels.
 * The first three rules need ≥ min_distinct_ips distinct IPs (10 for aggregates; an `ip:`
 * subject is one).
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
import type { SubjectKey } from '@botsieve/core';
import type { EngineDetectorFactory, HostedDetectorContext } from '../engine/detector.js';
import { round3 } from '../engine/evidence.js';
import type { KindTrackerFactory } from '../engine/kind-trackers.js';
import { Levels, signalOnce, type Judgement } from '../engine/levels.js';
import { distinct } from '../engine/segment-window.js';
import { NO_SIGNALS, type Signal } from '../engine/signal.js';
import { SummaryDetectorBase } from '../engine/summary-detector-base.js';
import type { Summary, SummaryKind } from '../engine/summary.js';
import { TableTracker } from '../engine/table-tracker.js';
import { credentialStuffingLookbackMs, parseCredentialStuffingConfig, type CredentialStuffingConfig, type CredentialStuffingSubjectConfig } from './config.js';
import { CREDENTIAL_STUFFING_DISCARD } from './metrics.js';
import { LoginState } from './login-state.js';
import { LoginSurge } from './login-surge.js';

export const CREDENTIAL_STUFFING = 'credential-stuffing';

/** One kind's compiled thresholds. */
class KindRules {
  readonly minFailureRatio: number;
  readonly minIps: number;
  readonly failures: Levels;
  readonly attempts: Levels;
  readonly longFailures: Levels;
  readonly surgeFailures: Levels;
  readonly surgeMinFailureRatio: number;
  readonly surgeMinIps: number;

  constructor(config: CredentialStuffingSubjectConfig, aggregate: boolean) {
    this.minFailureRatio = config.min_failure_ratio;
    this.minIps = aggregate ? config.min_distinct_ips : 1;
    this.failures = new Levels(config.failures);
    this.attempts = new Levels(config.attempts);
    this.longFailures = new Levels(config.long_failures);
    this.surgeFailures = new Levels(config.surge_failures);
    this.surgeMinFailureRatio = config.surge_min_failure_ratio;
    this.surgeMinIps = aggregate ? config.surge_min_distinct_ips : 1;
  }
}

type Tracker = TableTracker<CredentialStuffingSubjectConfig, KindRules, LoginState, CredentialStuffingConfig>;

const expired = (s: LoginState, watermark_ms: number, config: CredentialStuffingConfig): boolean => s.expired(watermark_ms, config);

const TRACKERS: KindTrackerFactory<CredentialStuffingConfig, CredentialStuffingSubjectConfig, Tracker> = {
  /** A kind keeps its state across a reconfigure only with the same windows and cap. */
  shapeOf: (subject, config) => JSON.stringify([config.window_ms, config.long_half_life_ms, subject.max_tracked_subjects]),
  create: (kind, subject, shape) => new TableTracker(kind, shape, subject, KindRules, expired),
};

export class CredentialStuffingDetector extends SummaryDetectorBase<CredentialStuffingConfig, CredentialStuffingSubjectConfig, Tracker> {
  /** The login route's surge per kind of subject (each kind's summaries carry the stage's logins). */
  private surges: Record<SummaryKind, LoginSurge>;
  /** Whether the route surged at the summary being judged (set in `summary`). */
  private surging = false;

  constructor(config: CredentialStuffingConfig, context: HostedDetectorContext) {
    super(CREDENTIAL_STUFFING, config, context, TRACKERS, { evicted: CREDENTIAL_STUFFING_DISCARD.stateEvicted, late: CREDENTIAL_STUFFING_DISCARD.lateSummary });
    this.surges = surgesOf(config);
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
    this.surging = false;
    if (tracker.rules.surgeFailures.lowest !== Number.POSITIVE_INFINITY) {
      const surge = this.surges[summary.kind];
      surge.add(step, summary.logins, summary.login_failures);
      this.surging = surge.surging(summary.last_ms);
    }
    return this.judge(tracker, summary.subject, state);
  }

  /** New thresholds keep the state; new window lengths or caps restart the kinds they change. */
  override reconfigure(next: CredentialStuffingConfig): void {
    const previous = this.config;
    const reset = next.window_ms !== previous.window_ms || next.long_half_life_ms !== previous.long_half_life_ms;
    super.reconfigure(next);
    if (JSON.stringify(next.surge) !== JSON.stringify(previous.surge)) this.surges = surgesOf(next);
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
    return tracker === null || state === undefined ? null : this.evaluate(tracker, state, kind).evidence;
  }

  private judge(tracker: Tracker, subject: SubjectKey, s: LoginState): Signal[] {
    const rules = tracker.rules;
    if (s.failures < rules.failures.lowest && s.attempts < rules.attempts.lowest && s.longFailures < rules.longFailures.lowest && !(this.surging && s.failures + s.errors >= rules.surgeFailures.lowest)) return NO_SIGNALS;
    return signalOnce(s, subject, s.lastMs, this.id, this.evaluate(tracker, s, null), this.config.reemit_ms);
  }

  /** `kind` set: judged from outside `summary` (evidenceOf), so the surge is read from that kind's state. */
  private evaluate(tracker: Tracker, s: LoginState, kind: SummaryKind | null): Judgement {
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
    const surging = kind === null ? this.surging : this.surges[kind].surging(s.lastMs);
    const loginIps = tracker.aggregate ? distinct(s.loginIps) : 1;
    const unsuccessful = Math.min(s.attempts, s.failures + s.errors);
    const unsuccessfulRatio = s.attempts > 0 ? unsuccessful / s.attempts : 0;
    const surgeRank = surging && unsuccessfulRatio >= rules.surgeMinFailureRatio && loginIps >= rules.surgeMinIps ? rules.surgeFailures.rank(unsuccessful) : 0;
    const surgeScore = rules.surgeFailures.score(surgeRank, unsuccessful);
    if (surgeRank > rank || (surgeRank === rank && surgeScore < score)) [rank, score] = [surgeRank, surgeScore];
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
      login_only_ips: loginIps,
      unsuccessful_ratio: round3(unsuccessfulRatio),
      rule_surge_failures: surgeRank,
    };
    if (surgeRank > 0) this.surges[kind ?? tracker.kind].evidence(evidence);
    return { rank, score, evidence };
  }
}

/** One LoginSurge per kind of subject. */
function surgesOf(config: CredentialStuffingConfig): Record<SummaryKind, LoginSurge> {
  return {
    ip: new LoginSurge(config.surge),
    prefix: new LoginSurge(config.surge),
    asn: new LoginSurge(config.surge),
    ja4: new LoginSurge(config.surge),
    ua: new LoginSurge(config.surge),
  };
}

export const credentialStuffing: EngineDetectorFactory<CredentialStuffingConfig> = {
  parseConfig: parseCredentialStuffingConfig,
  create(config: CredentialStuffingConfig, context: HostedDetectorContext): CredentialStuffingDetector {
    return new CredentialStuffingDetector(config, context);
  },
  lookbackMs: credentialStuffingLookbackMs,
};
