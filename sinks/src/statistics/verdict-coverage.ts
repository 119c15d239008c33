/**
 * Which verdict covered a request, in event time: a bounded map subject → strongest verdict.
 *
 * Replacement rule, as in MemoryVerdictStore (so the statistics describe what the edge
 * enforced): a stronger action replaces a weaker one; at equal strength the verdict expiring
 * later wins; a weaker verdict never replaces a stronger one that is still active. "Active" is
 * judged against the horizon (the oldest event time an open minute may still receive): a verdict
 * that expired before it can no longer cover anything, so it is replaced or pruned.
 *
 * An event at time t is covered by a verdict on one of its subjects (`ipua:`, `ip:`, `prefix:`,
 * `asn:`, `ja4:`, `ua:`, as core's clientSubjects spells them) when decided_at ≤ t <
 * decided_at + ttl_ms; the strongest covering one wins, the most specific on a tie.
 *
 * Coverage is what was known when the event was absorbed: events absorbed before their verdict
 * reached the feed (detector latency, a few hundred ms live) count as not mitigated, as they were
 * at the edge, which also enforces a verdict only once it is delivered.
 */
import { ACTION_RANK, ipuaSubject, subjectKind, type RequestEvent, type Verdict, type VerdictAction, type VerdictSubjectKind } from '@botsieve/core';
import { topDetector } from './verdict-row.js';

export interface Coverage {
  action: VerdictAction;
  rank: number;
  decided_at: number;
  expires_at: number;
  /** The verdict's top detector, or 'none' when only fusion contributed. */
  detector: string;
}

export const NO_DETECTOR = 'none';

export class VerdictCoverage {
  private readonly bySubject = new Map<string, Coverage>();
  /** Entries per subject kind, so a lookup skips kinds no verdict is about (usually `ua`, `ja4`, `ipua`). */
  private readonly perKind: Record<VerdictSubjectKind, number> = { ipua: 0, ip: 0, prefix: 0, asn: 0, ja4: 0, ua: 0 };

  /** `onEvicted(count)` is told about verdicts dropped to stay under `max_subjects`. */
  constructor(
    private readonly max_subjects: number,
    private readonly onEvicted: (count: number) => void,
  ) {}

  /** Applies one verdict; returns false when it is malformed (ignored). */
  observe(verdict: Verdict, horizon: number): boolean {
    if (!isUsable(verdict)) return false;
    const kind = subjectKind(verdict.subject);
    if (kind === undefined) return false;
    const incoming: Coverage = {
      action: verdict.action,
      rank: ACTION_RANK[verdict.action],
      decided_at: verdict.decided_at,
      expires_at: verdict.decided_at + verdict.ttl_ms,
      detector: topDetector(verdict) ?? NO_DETECTOR,
    };
    const current = this.bySubject.get(verdict.subject);
    if (current !== undefined) {
      if (!replaces(incoming, current, horizon)) return true;
      this.bySubject.set(verdict.subject, incoming);
      return true;
    }
    if (incoming.expires_at <= horizon) return true;
    if (this.bySubject.size >= this.max_subjects) this.makeRoom(horizon);
    this.bySubject.set(verdict.subject, incoming);
    this.perKind[kind] += 1;
    return true;
  }

  /** The strongest verdict covering `event` at its event time `at`, or undefined. */
  lookup(event: RequestEvent, at: number): Coverage | undefined {
    if (this.bySubject.size === 0) return undefined;
    let best: Coverage | undefined;
    if (this.perKind.ipua > 0) best = stronger(best, this.bySubject.get(ipuaSubject(event.ip, event.user_agent)), at);
    if (this.perKind.ip > 0) best = stronger(best, this.bySubject.get(`ip:${event.ip}`), at);
    if (this.perKind.prefix > 0) best = stronger(best, this.bySubject.get(`prefix:${event.prefix}`), at);
    if (this.perKind.asn > 0) best = stronger(best, this.bySubject.get(`asn:${event.asn}`), at);
    if (this.perKind.ja4 > 0 && event.ja4 !== null) best = stronger(best, this.bySubject.get(`ja4:${event.ja4}`), at);
    if (this.perKind.ua > 0) best = stronger(best, this.bySubject.get(`ua:${event.user_agent}`), at);
    return best;
  }

  /** Drops verdicts that expired before `horizon`: no open minute can be covered by them. */
  prune(horizon: number): void {
    for (const [subject, coverage] of this.bySubject) if (coverage.expires_at <= horizon) this.remove(subject);
  }

  size(): number {
    return this.bySubject.size;
  }

  /**
   * Full: prune, then evict the eighth expiring soonest. Evicting a batch at once keeps the cost
   * amortised O(log n) per insert under a verdict flood (one O(n) scan per insert would be O(n²)).
   */
  private makeRoom(horizon: number): void {
    this.prune(horizon);
    if (this.bySubject.size < this.max_subjects) return;
    const entries = [...this.bySubject].sort((a, b) => a[1].expires_at - b[1].expires_at);
    const count = Math.max(1, Math.ceil(this.max_subjects / 8));
    for (let i = 0; i < count && i < entries.length; i += 1) this.remove((entries[i] as [string, Coverage])[0]);
    this.onEvicted(count);
  }

  private remove(subject: string): void {
    if (!this.bySubject.delete(subject)) return;
    const kind = subjectKind(subject);
    if (kind !== undefined) this.perKind[kind] -= 1;
  }
}

function replaces(incoming: Coverage, current: Coverage, horizon: number): boolean {
  if (current.expires_at <= horizon) return true;
  if (incoming.rank !== current.rank) return incoming.rank > current.rank;
  return incoming.expires_at > current.expires_at;
}

function stronger(best: Coverage | undefined, candidate: Coverage | undefined, at: number): Coverage | undefined {
  if (candidate === undefined || at < candidate.decided_at || at >= candidate.expires_at) return best;
  return best === undefined || candidate.rank > best.rank ? candidate : best;
}

function isUsable(verdict: Verdict): boolean {
  return (
    typeof verdict === 'object' && verdict !== null && typeof verdict.subject === 'string' &&
    (verdict.action === 'block' || verdict.action === 'challenge' || verdict.action === 'log') &&
    Number.isFinite(verdict.decided_at) && Number.isFinite(verdict.ttl_ms) && verdict.ttl_ms > 0
  );
}
