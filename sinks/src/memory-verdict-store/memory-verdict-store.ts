/**
 * The embedded default's verdict store: active verdicts by subject, in process memory.
 *
 * Invariant: for each subject it holds the strongest active verdict. A stronger action replaces
 * a weaker one; at equal strength the one expiring later wins; a weaker or older verdict never
 * replaces a stronger active one. Writes are idempotent (the same verdict twice is a no-op), so
 * at-least-once delivery is harmless.
 */
import { ACTION_RANK, type Clock, type EventAction, type Sink, type SubjectKey, type Verdict } from '@botsieve/core';
import type { MemoryVerdictStoreConfig } from './config.js';

export interface ActiveVerdict {
  verdict: Verdict;
  expires_at: number;
}

export interface LookupResult {
  action: EventAction;
  verdict: Verdict | null;
}

const ALLOW: LookupResult = Object.freeze({ action: 'allow', verdict: null });

export class MemoryVerdictStore implements Sink<Verdict> {
  readonly id = 'memory-verdict-store';
  private readonly active = new Map<string, ActiveVerdict>();

  /**
   * `clock` decides expiry for lookups. Verdicts carry event time; on live traffic event time
   * tracks the wall clock within Logpush's batching delay, so the wall clock is the right one.
   */
  constructor(
    private readonly config: MemoryVerdictStoreConfig,
    private readonly clock: Clock,
  ) {}

  async connect(): Promise<void> {}

  async writeBatch(verdicts: readonly Verdict[]): Promise<void> {
    for (const verdict of verdicts) this.put(verdict);
  }

  async healthcheck(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}

  /** Applies one verdict under the replacement rule; returns true when it became the active one. */
  put(verdict: Verdict): boolean {
    const expires_at = verdict.decided_at + verdict.ttl_ms;
    const current = this.active.get(verdict.subject);
    if (current !== undefined && !replaces(verdict, expires_at, current, this.clock.now())) return false;
    if (current === undefined && this.active.size >= this.config.max_subjects) this.evictOne();
    this.active.set(verdict.subject, { verdict, expires_at });
    return true;
  }

  /** The active verdict for one subject, or undefined. */
  get(subject: SubjectKey): Verdict | undefined {
    const entry = this.active.get(subject);
    if (entry === undefined) return undefined;
    if (entry.expires_at <= this.clock.now()) {
      this.active.delete(subject);
      return undefined;
    }
    return entry.verdict;
  }

  /** The strongest active verdict over several subjects (a client's ip, prefix and asn). */
  lookup(subjects: readonly SubjectKey[]): LookupResult {
    let best: Verdict | undefined;
    for (const subject of subjects) {
      const verdict = this.get(subject);
      if (verdict !== undefined && (best === undefined || ACTION_RANK[verdict.action] > ACTION_RANK[best.action])) best = verdict;
    }
    return best === undefined ? ALLOW : { action: best.action, verdict: best };
  }

  /** Drops expired verdicts; returns how many remain. */
  prune(): number {
    const now = this.clock.now();
    for (const [subject, entry] of this.active) if (entry.expires_at <= now) this.active.delete(subject);
    return this.active.size;
  }

  size(): number {
    return this.active.size;
  }

  /** Active verdicts, for the status endpoint and snapshots. */
  *entries(): IterableIterator<ActiveVerdict> {
    const now = this.clock.now();
    for (const entry of this.active.values()) if (entry.expires_at > now) yield entry;
  }

  /** Full: prune first; if still full, evict the verdict that expires soonest (O(n), rare). */
  private evictOne(): void {
    if (this.prune() < this.config.max_subjects) return;
    let victim: string | undefined;
    let soonest = Infinity;
    for (const [subject, entry] of this.active) {
      if (entry.expires_at < soonest) {
        soonest = entry.expires_at;
        victim = subject;
      }
    }
    if (victim !== undefined) this.active.delete(victim);
  }
}

function replaces(incoming: Verdict, expires_at: number, current: ActiveVerdict, now: number): boolean {
  if (current.expires_at <= now) return true;
  const rank = ACTION_RANK[incoming.action] - ACTION_RANK[current.verdict.action];
  if (rank !== 0) return rank > 0;
  return expires_at > current.expires_at;
}
