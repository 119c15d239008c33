/**
 * Fusion: every detector's signals about one subject → one explainable verdict.
 *
 * Score: each live signal (younger than signal_ttl_ms) is an automation probability
 * p = (99 − score) / 98; they combine as independent evidence (noisy-OR: p = 1 − Π(1 − pᵢ)),
 * and the fused score is 99 − 98p, rounded. One signal keeps its score; two at 25 fuse to 7.
 *
 * Action: by fused score (≤ block_score_max block, ≤ challenge_score_max challenge, else log),
 * never weaker than the strongest detector's recommendation, and `block` only when a detector
 * recommends block or block_needs_challengers detectors recommend challenge.
 *
 * TTL: per action; a repeat offender (an enforced verdict issued after its previous one expired)
 * gets TTL × repeat_ttl_multiplier^(offences − 1), up to max_ttl_ms. A signal may carry a TTL
 * hint (`ttl_ms`, e.g. the short block of a single-shot attack): when every live signal that
 * recommends the verdict's action carries one, the longest hint replaces the per-action TTL
 * (and is multiplied the same way); one such signal without a hint keeps the per-action TTL.
 *
 * Emission (no verdict per signal): a subject gets a new verdict when it has none active, when
 * the action escalates, when the score drops by reemit_score_drop, or when the active verdict
 * is within reemit_before_expiry_ms of expiring. Verdict ids are deterministic, so the same
 * decision made twice (replay, failover) is the same write.
 *
 * Populations: a verdict on a prefix, ASN, JA4 or user agent gets at most `population_ttl_ms`
 * (escalation included) and is renewed when a signal arrives within half of that before expiry,
 * so it lapses soon after the attack stops. The collateral guard (see CollateralGuard) caps a
 * population that carries human traffic at `log`; the attack inside it is left to per-IP
 * verdicts; an address several people share at once (a NAT exit, an office) is capped the same
 * way. A capped verdict names the guard (`collateral-guard`, evidence `ground`: 1 human evidence
 * seen, 2 a human client's identity, 3 a shared address).
 *
 * Clients on a shared address: a signal about an address that names the client it judged (its
 * user agent: a burst of failed logins, an exploit probe, a fake crawler) and recommends `block`
 * is fused under `ipua:<ip> <user agent>` instead while the guard finds the address shared, and
 * that verdict is enforced: it stops the brute-force run on a carrier's NAT exit, not the app
 * users behind it. Weaker signals (one request's doubt, such as a user agent over another
 * client's TLS) stay on `ip:`, capped: on a NAT exit the people who send the same user agent
 * (every iPhone on one iOS version) would meet them for a single request of a bot's.
 * It is a verdict about one client (TTLs and renewals as for `ip:`), at most `client_max_action`
 * (challenge): a user agent is not a person (every iPhone on one iOS version sends the same
 * Safari string), and someone behind the address who sends exactly the bot's passes a challenge.
 * Signals about the address's traffic as a whole (windows, rotating user agents) stay on `ip:`
 * and capped.
 *
 * Safelisted subjects (configured CIDRs/ASNs/JA4s, private ranges) are never given a verdict:
 * their signals are counted as discarded `safelisted`.
 *
 * State: one entry per subject in a BoundedMap (LRU); flush drops entries idle for longer than
 * offence_memory_ms, walking from the least recently used and stopping at the first live one.
 */
import { ACTION_RANK, ipuaSubject, type ComponentMetrics, type DetectorFinding, type SubjectKey, type Verdict, type VerdictAction } from '@botsieve/core';
import type { Signal } from '../engine/signal.js';
import type { Safelist } from '../safelist/index.js';
import { BoundedMap } from '../sketch/index.js';
import { verdictId } from '../verdict-id.js';
import { CollateralGuard, INHABITED } from './collateral-guard.js';
import type { FusionConfig } from './config.js';

/** Names the guard in a verdict it capped. */
export const COLLATERAL_GUARD = 'collateral-guard';

export const FUSION_DISCARD = { safelisted: 'safelisted', stateEvicted: 'fusion_state_evicted', collateral: 'collateral_guard' } as const;

class LiveSignal {
  constructor(
    readonly id: string,
    public score: number,
    public action: VerdictAction,
    public at: number,
    public evidence: Record<string, number>,
    /** The signal's TTL hint, 0 when it has none. */
    public ttlMs: number,
  ) {}
}

class SubjectState {
  /**
   * The latest signal of each detector, in the order the detectors first signalled (a Map's
   * order: a detector signalling again keeps its place). An array, not a Map: a subject has a
   * handful, and iterating a Map allocated an iterator and an entry per signal per call.
   */
  readonly signals: LiveSignal[] = [];
  lastSignalAt = 0;
  activeAction: VerdictAction | null = null;
  activeScore = 99;
  activeExpiresAt = Number.NEGATIVE_INFINITY;
  offences = 0;
}

const ACTIONS_BY_RANK: readonly VerdictAction[] = ['log', 'log', 'challenge', 'block'];

export class Fusion {
  private readonly subjects: BoundedMap<SubjectKey, SubjectState>;
  private reportedEvictions = 0;
  private config: FusionConfig;
  /** Of the running flush: a subject is forgotten when idle past both (see `flush`). */
  private sweepHorizon = Number.NEGATIVE_INFINITY;
  private sweepWatermark = Number.NEGATIVE_INFINITY;
  private readonly idle = (state: SubjectState): boolean => state.lastSignalAt < this.sweepHorizon && state.activeExpiresAt < this.sweepWatermark;
  readonly guard: CollateralGuard;

  constructor(
    config: FusionConfig,
    private readonly safelist: Safelist,
    private readonly metrics: ComponentMetrics,
  ) {
    this.config = config;
    this.subjects = new BoundedMap(config.max_subjects);
    this.guard = new CollateralGuard(config.collateral_guard);
  }

  reconfigure(config: FusionConfig): void {
    this.guard.reconfigure(config.collateral_guard);
    this.config = config;
  }

  /** Signals (any subjects, any order) → the verdicts they decide; appended to `out`. */
  fuse(signals: readonly Signal[], out: Verdict[]): void {
    for (const signal of signals) {
      if (this.safelist.subject(signal.subject)) {
        this.metrics.discarded(FUSION_DISCARD.safelisted);
        continue;
      }
      const verdict = this.one(signal);
      if (verdict !== null) out.push(verdict);
    }
  }

  /** A shadow-mode signal: reported as a `log` verdict of its own, never fused or enforced. */
  shadow(signal: Signal): Verdict {
    const detectors: DetectorFinding[] = [{ id: signal.detector, score: signal.score, evidence: signal.evidence }];
    return { id: verdictId(signal.subject, signal.at, 'log', [signal.detector]), subject: signal.subject, action: 'log', score: signal.score, ttl_ms: this.config.ttl_ms.log, decided_at: signal.at, detectors };
  }

  flush(watermark_ms: number): void {
    this.sweepHorizon = watermark_ms - this.config.offence_memory_ms;
    this.sweepWatermark = watermark_ms;
    this.subjects.sweepOldest(this.idle);
    const evicted = this.subjects.evictions - this.reportedEvictions;
    if (evicted > 0) {
      this.metrics.discarded(FUSION_DISCARD.stateEvicted, evicted);
      this.reportedEvictions = this.subjects.evictions;
    }
  }

  stateSize(): { keys: number; bytes: number } {
    return { keys: this.subjects.size, bytes: this.subjects.size * 400 };
  }

  private one(signal: Signal): Verdict | null {
    const config = this.config;
    const at = signal.at;
    let subject = signal.subject;
    // One client on an address people share: the verdict is about that client (see the file comment).
    if (signal.user_agent !== undefined && signal.action === 'block' && subject.startsWith('ip:') && this.guard.inhabited(subject, at) === INHABITED.shared) subject = ipuaSubject(subject.slice(3), signal.user_agent);
    let state = this.subjects.get(subject);
    if (state === undefined) {
      state = new SubjectState();
      this.subjects.set(subject, state);
    }
    if (at > state.lastSignalAt) state.lastSignalAt = at;
    const signals = state.signals;
    setSignal(signals, signal);

    let keep = 1;
    let strongest = 1;
    let challengers = 0;
    let kept = 0;
    for (let i = 0; i < signals.length; i++) {
      const live = signals[i] as LiveSignal;
      if (live.at + config.signal_ttl_ms < at) continue;
      signals[kept++] = live;
      keep *= 1 - Math.min(1, Math.max(0, (99 - live.score) / 98));
      const rank = ACTION_RANK[live.action];
      if (rank > strongest) strongest = rank;
      if (rank >= ACTION_RANK.challenge) challengers += 1;
    }
    signals.length = kept;
    const score = Math.min(99, Math.max(1, Math.round(99 - 98 * (1 - keep))));
    let rank = score <= config.block_score_max ? 3 : score <= config.challenge_score_max ? 2 : 1;
    if (rank === 3 && strongest < 3 && challengers < config.block_needs_challengers) rank = 2;
    if (rank < strongest) rank = strongest;
    const client = subject !== signal.subject;
    if (client && rank > ACTION_RANK[config.client_max_action]) rank = ACTION_RANK[config.client_max_action];
    // Humans behind this prefix/ASN/JA4: report, never enforce the aggregate.
    const population = !subject.startsWith('ip:') && !subject.startsWith('ipua:');
    let ground = 0;
    if (rank >= 2) ground = this.guard.inhabited(subject, at);
    if (ground !== 0) {
      this.metrics.discarded(FUSION_DISCARD.collateral);
      rank = 1;
    }
    const action = ACTIONS_BY_RANK[rank] as VerdictAction;

    const active = state.activeAction !== null && at < state.activeExpiresAt;
    if (active) {
      const activeRank = ACTION_RANK[state.activeAction as VerdictAction];
      const escalates = rank > activeRank;
      const stronger = rank === activeRank && score <= state.activeScore - config.reemit_score_drop;
      const margin = population ? Math.min(config.reemit_before_expiry_ms, config.population_ttl_ms / 2) : config.reemit_before_expiry_ms;
      const expiring = rank >= activeRank && at >= state.activeExpiresAt - margin;
      if (!escalates && !stronger && !expiring) return null;
    }
    const enforced = rank >= 2;
    const newIncident = !active || ACTION_RANK[state.activeAction as VerdictAction] < 2;
    if (enforced && newIncident) state.offences += 1;
    const multiplier = enforced ? config.repeat_ttl_multiplier ** Math.max(0, state.offences - 1) : 1;
    const ttl = Math.min(population ? Math.min(config.max_ttl_ms, config.population_ttl_ms) : config.max_ttl_ms, Math.round(baseTtl(signals, rank, config.ttl_ms[action]) * multiplier));
    state.activeAction = action;
    state.activeScore = score;
    state.activeExpiresAt = at + ttl;

    const detectors: DetectorFinding[] = [];
    const ids: string[] = [];
    for (const live of signals) {
      detectors.push({ id: live.id, score: live.score, evidence: live.evidence });
      ids.push(live.id);
    }
    detectors.sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : 1));
    if (detectors.length > 1 || state.offences > 1) {
      detectors.push({ id: 'fusion', score, evidence: { detectors: ids.length, offences: state.offences, ttl_multiplier: multiplier } });
    }
    if (ground !== 0) detectors.push({ id: COLLATERAL_GUARD, score, evidence: { ground } });
    return { id: verdictId(subject, at, action, ids), subject, action, score, ttl_ms: ttl, decided_at: at, detectors };
  }
}

/** Records `signal` as its detector's latest: in place when that detector has one (keeping its position), else appended. */
function setSignal(signals: LiveSignal[], signal: Signal): void {
  const ttlMs = signal.ttl_ms ?? 0;
  for (let i = 0; i < signals.length; i++) {
    const live = signals[i] as LiveSignal;
    if (live.id !== signal.detector) continue;
    live.score = signal.score;
    live.action = signal.action;
    live.at = signal.at;
    live.evidence = signal.evidence;
    live.ttlMs = ttlMs;
    return;
  }
  signals.push(new LiveSignal(signal.detector, signal.score, signal.action, signal.at, signal.evidence, ttlMs));
}

/**
 * TTL before escalation of a verdict at `rank`: the longest hint of the live signals that
 * recommend exactly that action, when all of them carry one; when none recommends it (weaker
 * signals fused into it), the longest hint of all the live signals, when all carry one; else
 * `fallback` (the per-action TTL). Two short-lived rates fused into a block stay short-lived.
 */
function baseTtl(signals: readonly LiveSignal[], rank: number, fallback: number): number {
  let hinted = 0;
  let allHinted = 0;
  let unhinted = false;
  for (let i = 0; i < signals.length; i++) {
    const live = signals[i] as LiveSignal;
    if (live.ttlMs <= 0) unhinted = true;
    else if (live.ttlMs > allHinted) allHinted = live.ttlMs;
    if (ACTION_RANK[live.action] !== rank) continue;
    if (live.ttlMs <= 0) return fallback;
    if (live.ttlMs > hinted) hinted = live.ttlMs;
  }
  if (hinted > 0) return hinted;
  return allHinted > 0 && !unhinted ? allHinted : fallback;
}
