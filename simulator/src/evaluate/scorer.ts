/**
 * The quality scorer behind `botsieve eval`: fed one `(label, event, annotation)` per request,
 * in replay order, it counts what botsieve's verdicts did to each traffic class and what the
 * usual Cloudflare baseline, one custom rule `cf.bot_management.score lt 30`, would have done.
 *
 * The annotation is causal (verdicts issued before the request), so a share here is what
 * enforcement would really have achieved, detection delay included. "Mitigated" means blocked
 * or challenged; `log` (shadow) verdicts are counted apart and mitigate nothing.
 *
 * The baseline applies per request with no state: it mitigates whenever BotScore < 30. It is the
 * literal rule, so it also hits verified bots (score 1) and Cloudflare's false positives among
 * humans; without Bot Management (no BotScore) it mitigates nothing.
 *
 * Pure and bounded: one tally per class (a handful), no per-request state.
 */
import { VERDICT_SUBJECT_KINDS, subjectKind, type EventAction, type RequestEvent, type VerdictSubjectKind } from '@botsieve/core';
import { ALL_CLASSES, TRAFFIC_CLASSES } from '../simulate/classes.js';
import { DEFAULT_GROUPS, DEFAULT_TARGETS, checkTarget, describeTarget, type Outcome, type Target, type TargetResult } from './targets.js';

export interface ScorerOptions {
  /** Targets by class (or group) name; default DEFAULT_TARGETS. */
  targets?: Readonly<Record<string, Target>>;
  /** Aggregate rows; default `humans` = every human class. */
  groups?: Readonly<Record<string, readonly string[]>>;
  /** Classes always listed, in this order (even with no requests); others seen follow (simulator classes in their order, then by name). */
  classes?: readonly string[];
  /** What the baseline rule does: `block` (default) or `challenge`. */
  baseline_action?: 'block' | 'challenge';
  /** The baseline mitigates when BotScore is below this (30). */
  baseline_threshold?: number;
}

/** What botsieve's mitigations of one class were about, and which detectors took part. */
export interface MitigationCauses {
  /** Mitigated requests by the kind of subject of the verdict applied. */
  subjects: Record<VerdictSubjectKind, number>;
  /** Mitigated requests each detector had a finding in (a verdict may name several). */
  detectors: Record<string, number>;
}

/** The part of an annotation the scorer reads (`replay`'s Annotation fits). */
export interface ScoredAnnotation {
  readonly action: EventAction;
  readonly subject?: string | null;
  readonly reasons?: readonly string[];
}

export interface ClassReport {
  class: string;
  /** A sum of classes (`humans`), not a class of its own. */
  aggregate: boolean;
  requests: number;
  target: Target | null;
  /** The target in words ('' without one). */
  goal: string;
  engine: Outcome;
  baseline: Outcome;
  /** Why botsieve mitigated this class: where it goes wrong for humans and good bots. */
  causes: MitigationCauses;
  engine_result: TargetResult | null;
  baseline_result: TargetResult | null;
}

export interface EvaluationReport {
  requests: number;
  /** Whether any request carried a BotScore (else the baseline cannot act). */
  bot_management: boolean;
  baseline_rule: string;
  baseline_action: 'block' | 'challenge';
  classes: ClassReport[];
  /** Every target met (classes without requests are not judged). */
  targets_met: boolean;
  /** `class: what missed`, one per missed target. */
  missed: string[];
}

class Tally {
  requests = 0;
  blocked = 0;
  challenged = 0;
  logged = 0;
  first_ms = Number.POSITIVE_INFINITY;
  first_mitigated_ms = Number.POSITIVE_INFINITY;
  baseline = 0;
  baseline_first_ms = Number.POSITIVE_INFINITY;
  /** Mitigated requests by subject kind. */
  readonly subjects: Record<VerdictSubjectKind, number> = { ipua: 0, ip: 0, prefix: 0, asn: 0, ja4: 0, ua: 0 };
  /** Detector id → mitigated requests it took part in (ids come from the config: a small set). */
  readonly detectors = new Map<string, number>();

  merge(other: Tally): void {
    for (const kind of VERDICT_SUBJECT_KINDS) this.subjects[kind] += other.subjects[kind];
    for (const [id, count] of other.detectors) this.detectors.set(id, (this.detectors.get(id) ?? 0) + count);
    this.requests += other.requests;
    this.blocked += other.blocked;
    this.challenged += other.challenged;
    this.logged += other.logged;
    this.first_ms = Math.min(this.first_ms, other.first_ms);
    this.first_mitigated_ms = Math.min(this.first_mitigated_ms, other.first_mitigated_ms);
    this.baseline += other.baseline;
    this.baseline_first_ms = Math.min(this.baseline_first_ms, other.baseline_first_ms);
  }
}

export class Scorer {
  private readonly tallies = new Map<string, Tally>();
  private readonly targets: Readonly<Record<string, Target>>;
  private readonly groups: Readonly<Record<string, readonly string[]>>;
  private readonly order: readonly string[];
  private readonly baselineAction: 'block' | 'challenge';
  private readonly threshold: number;
  private scored = false;
  private requests = 0;

  constructor(options: ScorerOptions = {}) {
    this.targets = options.targets ?? DEFAULT_TARGETS;
    this.groups = options.groups ?? DEFAULT_GROUPS;
    this.order = options.classes ?? TRAFFIC_CLASSES;
    this.baselineAction = options.baseline_action ?? 'block';
    this.threshold = options.baseline_threshold ?? 30;
  }

  add(label: { readonly class: string }, event: RequestEvent, annotation: ScoredAnnotation): void {
    let tally = this.tallies.get(label.class);
    if (tally === undefined) {
      tally = new Tally();
      this.tallies.set(label.class, tally);
    }
    const ts = event.timestamp_ms;
    this.requests += 1;
    tally.requests += 1;
    if (ts < tally.first_ms) tally.first_ms = ts;
    const action = annotation.action;
    if (action === 'block' || action === 'challenge') {
      if (action === 'block') tally.blocked += 1;
      else tally.challenged += 1;
      if (ts < tally.first_mitigated_ms) tally.first_mitigated_ms = ts;
      countCauses(tally, annotation);
    } else if (action === 'log') {
      tally.logged += 1;
    }
    const score = event.bot_score;
    if (score !== null) {
      this.scored = true;
      if (score < this.threshold) {
        tally.baseline += 1;
        if (ts < tally.baseline_first_ms) tally.baseline_first_ms = ts;
      }
    }
  }

  report(): EvaluationReport {
    const rows: ClassReport[] = [];
    // Each aggregate row goes right after the last of its members in the listing order.
    const groupAfter = new Map<string, string>();
    for (const [group, members] of Object.entries(this.groups)) {
      const last = [...members].reverse().find((member) => this.order.includes(member));
      if (last !== undefined) groupAfter.set(last, group);
    }
    for (const name of this.order) {
      rows.push(this.classReport(name, this.tallies.get(name) ?? new Tally(), false));
      const group = groupAfter.get(name);
      if (group !== undefined) rows.push(this.classReport(group, this.sum(this.groups[group] ?? []), true));
    }
    const rank = (name: string): number => {
      const index = (ALL_CLASSES as readonly string[]).indexOf(name);
      return index === -1 ? ALL_CLASSES.length : index;
    };
    const others = [...this.tallies.keys()].filter((name) => !this.order.includes(name)).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const name of others) rows.push(this.classReport(name, this.tallies.get(name) as Tally, false));

    const missed: string[] = [];
    for (const entry of rows) if (entry.engine_result?.met === false) missed.push(`${entry.class}: ${entry.engine_result.misses.join(', ')}`);
    return {
      requests: this.requests,
      bot_management: this.scored,
      baseline_rule: `cf.bot_management.score lt ${this.threshold}`,
      baseline_action: this.baselineAction,
      classes: rows,
      targets_met: missed.length === 0,
      missed,
    };
  }

  private sum(members: readonly string[]): Tally {
    const total = new Tally();
    for (const member of members) {
      const tally = this.tallies.get(member);
      if (tally !== undefined) total.merge(tally);
    }
    return total;
  }

  private classReport(name: string, tally: Tally, aggregate: boolean): ClassReport {
    const target = Object.hasOwn(this.targets, name) ? (this.targets[name] as Target) : null;
    const engine = outcome(tally.requests, tally.blocked, tally.challenged, tally.logged, tally.first_ms, tally.first_mitigated_ms);
    const baseline =
      this.baselineAction === 'block'
        ? outcome(tally.requests, tally.baseline, 0, 0, tally.first_ms, tally.baseline_first_ms)
        : outcome(tally.requests, 0, tally.baseline, 0, tally.first_ms, tally.baseline_first_ms);
    return {
      class: name,
      aggregate,
      requests: tally.requests,
      target,
      goal: describeTarget(target),
      engine,
      baseline,
      causes: {
        subjects: { ...tally.subjects },
        detectors: Object.fromEntries([...tally.detectors].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))),
      },
      engine_result: target === null ? null : checkTarget(target, tally.requests, engine),
      baseline_result: target === null ? null : checkTarget(target, tally.requests, baseline),
    };
  }
}

function countCauses(tally: Tally, annotation: ScoredAnnotation): void {
  const subject = annotation.subject;
  if (typeof subject === 'string') {
    const kind = subjectKind(subject);
    if (kind !== undefined) tally.subjects[kind] += 1;
  }
  const reasons = annotation.reasons;
  if (reasons !== undefined) for (const id of reasons) tally.detectors.set(id, (tally.detectors.get(id) ?? 0) + 1);
}

function outcome(requests: number, blocked: number, challenged: number, logged: number, first_ms: number, first_mitigated_ms: number): Outcome {
  const share = (count: number): number => (requests === 0 ? 0 : count / requests);
  return {
    mitigated: blocked + challenged,
    blocked,
    challenged,
    logged,
    mitigated_share: share(blocked + challenged),
    blocked_share: share(blocked),
    challenged_share: share(challenged),
    first_mitigation_s: Number.isFinite(first_mitigated_ms) ? (first_mitigated_ms - first_ms) / 1_000 : null,
  };
}
