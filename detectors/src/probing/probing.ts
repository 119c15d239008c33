/**
 * `probing` (SummaryDetector): requests for sensitive paths (the engine's `probe` feature:
 * `.env`, `.git/`, `wp-login.php`, admin panels, backups…) and for paths that do not exist.
 *
 * Rules, per kind of subject (thresholds and defaults in config.ts), over the window (two
 * tumbling segments of `window_ms`: one to two windows of history, engine/segment-window.ts),
 * each reaching a rank (0 nothing, 1 log, 2 challenge, 3 block); the subject's recommendation is
 * the highest:
 * - probes:    requests for sensitive paths, when they come from ≥ min_probe_ips distinct IPs
 *              and make ≥ min_probe_ratio of the subject's requests. Defaults: `ip:` one → log,
 *              three → block; aggregates → at most challenge, from several IPs.
 * - not_found: 404/410 answers, when they are ≥ min_not_found_ratio of ≥ min_requests requests
 *              (a human's few broken links on a large site never add up). Never blocks by default.
 *
 * Score: the band score (engine/levels.ts) of the rule with the highest rank, from its own
 * quantity and thresholds (the lowest score among ties). Cooldown: a subject is signalled again
 * only when the action escalates or its last signal is `reemit_ms` old.
 *
 * Cheap path: a subject gets state at its first probe or 404; summaries of other subjects cost
 * one Map lookup. Requests before the first probe or 404 are not counted: they could only have
 * lowered the ratios, which is why the not_found rule also needs min_requests.
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
import { parseProbingConfig, probingLookbackMs, type ProbingConfig, type ProbingSubjectConfig } from './config.js';
import { PROBING_DISCARD } from './metrics.js';
import { ProbeState } from './probe-state.js';

export const PROBING = 'probing';

/** One kind's compiled thresholds. */
class KindRules {
  readonly probes: Levels;
  readonly minProbeIps: number;
  readonly minProbeRatio: number;
  readonly notFound: Levels;
  readonly minRequests: number;
  readonly minNotFoundRatio: number;

  constructor(config: ProbingSubjectConfig, aggregate: boolean) {
    this.probes = new Levels(config.probes);
    this.minProbeIps = aggregate ? config.min_probe_ips : 1;
    this.minProbeRatio = config.min_probe_ratio;
    this.notFound = new Levels(config.not_found);
    this.minRequests = config.min_requests;
    this.minNotFoundRatio = config.min_not_found_ratio;
  }
}

type Tracker = TableTracker<ProbingSubjectConfig, KindRules, ProbeState, ProbingConfig>;

const expired = (s: ProbeState, watermark_ms: number, config: ProbingConfig): boolean => s.expiredAt(watermark_ms, config.window_ms, config.reemit_ms);

const TRACKERS: KindTrackerFactory<ProbingConfig, ProbingSubjectConfig, Tracker> = {
  /** A kind keeps its state across a reconfigure only with the same window and cap. */
  shapeOf: (subject, config) => JSON.stringify([config.window_ms, subject.max_tracked_subjects]),
  create: (kind, subject, shape) => new TableTracker(kind, shape, subject, KindRules, expired),
};

export class ProbingDetector extends SummaryDetectorBase<ProbingConfig, ProbingSubjectConfig, Tracker> {
  constructor(config: ProbingConfig, context: HostedDetectorContext) {
    super(PROBING, config, context, TRACKERS, { evicted: PROBING_DISCARD.stateEvicted, late: PROBING_DISCARD.lateSummary });
  }

  summary(summary: Summary): Signal[] {
    const tracker = this.kinds.byKind[summary.kind];
    if (tracker === null) return NO_SIGNALS;
    const flagged = summary.probes > 0 || summary.not_found > 0;
    let state = tracker.table.get(summary.subject);
    if (state === undefined) {
      if (!flagged) return NO_SIGNALS;
      state = new ProbeState(Math.floor(summary.step_ms / this.config.window_ms), summary.step_ms);
      tracker.table.add(summary.subject, state);
    }
    const before = state.bytes;
    if (!state.fold(summary, this.config.window_ms, tracker.aggregate)) {
      this.kinds.late += 1;
      return NO_SIGNALS;
    }
    state.bytes = state.measure();
    tracker.table.resized(state, before);
    // A summary without probes or 404s only lowers the ratios: it cannot raise any rank.
    return flagged ? this.judge(tracker, summary.subject, state) : NO_SIGNALS;
  }

  /** New thresholds keep the state; a new window length or cap restarts what it changes. */
  override reconfigure(next: ProbingConfig): void {
    const reset = next.window_ms !== this.config.window_ms;
    super.reconfigure(next);
    if (reset) this.logger.info({ detector: this.id }, 'probing window changed: state restarted');
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

  private judge(tracker: Tracker, subject: SubjectKey, s: ProbeState): Signal[] {
    const rules = tracker.rules;
    if (s.probes < rules.probes.lowest && s.notFound < rules.notFound.lowest) return NO_SIGNALS;
    return signalOnce(s, subject, s.lastMs, this.id, this.evaluate(tracker, s), this.config.reemit_ms);
  }

  private evaluate(tracker: Tracker, s: ProbeState): Judgement {
    const rules = tracker.rules;
    const requests = s.requests;
    const ips = tracker.aggregate ? distinct(s.ips) : 1;
    const probeRatio = requests > 0 ? s.probes / requests : 0;
    const errorRatio = requests > 0 ? s.notFound / requests : 0;
    const probesRank = ips >= rules.minProbeIps && probeRatio >= rules.minProbeRatio ? rules.probes.rank(s.probes) : 0;
    const notFoundRank = requests >= rules.minRequests && errorRatio >= rules.minNotFoundRatio ? rules.notFound.rank(s.notFound) : 0;
    let rank = probesRank;
    let score = rules.probes.score(probesRank, s.probes);
    const notFoundScore = rules.notFound.score(notFoundRank, s.notFound);
    if (notFoundRank > rank || (notFoundRank === rank && notFoundScore < score)) [rank, score] = [notFoundRank, notFoundScore];
    const evidence = {
      probes: s.probes,
      not_found: s.notFound,
      client_errors: s.clientErrors,
      error_ratio: round3(errorRatio),
      requests,
      probe_ratio: round3(probeRatio),
      distinct_ips: ips,
      window_ms: s.lastMs - s.firstMs,
      rule_probes: probesRank,
      rule_not_found: notFoundRank,
    };
    return { rank, score, evidence };
  }
}

export const probing: EngineDetectorFactory<ProbingConfig> = {
  parseConfig: parseProbingConfig,
  create(config: ProbingConfig, context: HostedDetectorContext): ProbingDetector {
    return new ProbingDetector(config, context);
  },
  lookbackMs: probingLookbackMs,
};
