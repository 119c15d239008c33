/**
 * The embedded default's verdict store: active verdicts by subject, in process memory.
 *
 * Invariant: for each subject it holds the strongest active verdict. A stronger action replaces
 * a weaker one; at equal strength the one expiring later wins; a weaker or older verdict never
 * replaces a stronger active one. Writes are idempotent (the same verdict twice is a no-op), so
 * at-least-once delivery is harmless.
 */
import { ACTION_RANK, BotsieveError, type Clock, type EventAction, type Sink, type SubjectKey, type Verdict } from '@botsieve/core';
import type { ComponentTelemetry } from '@botsieve/runtime';
import { SINK_ERRORS, sinkError } from '../errors.js';
import type { MemoryVerdictStoreConfig } from './config.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';

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
  /** Writes since the last snapshot; a snapshot is written only when something changed. */
  private changes = 0;
  private lastSnapshotAt = 0;
  private restored = false;

  /**
   * `clock` decides expiry for lookups. Verdicts carry event time; on live traffic event time
   * tracks the wall clock within Logpush's batching delay, so the wall clock is the right one.
   */
  constructor(
    private readonly config: MemoryVerdictStoreConfig,
    private readonly clock: Clock,
    private readonly telemetry?: ComponentTelemetry,
  ) {}

  /** Restores the snapshot once (a store shared by several consumers connects several times). */
  async connect(): Promise<void> {
    if (this.restored || this.config.snapshot_path === '') return;
    this.restored = true;
    try {
      const { verdicts, bad_lines } = await readSnapshot(this.config.snapshot_path);
      let kept = 0;
      for (const verdict of verdicts) if (verdict.decided_at + verdict.ttl_ms > this.clock.now() && this.put(verdict)) kept += 1;
      this.changes = 0;
      if (bad_lines > 0) this.telemetry?.metrics.discarded('snapshot_bad_line', bad_lines);
      if (verdicts.length > 0 || bad_lines > 0) this.telemetry?.log.info({ path: this.config.snapshot_path, read: verdicts.length, active: kept, bad_lines }, 'verdict store restored from its snapshot');
    } catch (error) {
      this.telemetry?.fail(new BotsieveError(SINK_ERRORS.ERR_SINK_SNAPSHOT.code, `could not read the verdict snapshot ${this.config.snapshot_path}; starting empty`, { cause: error }), 'snapshot restore failed');
    }
  }

  async writeBatch(verdicts: readonly Verdict[]): Promise<void> {
    for (const verdict of verdicts) if (this.put(verdict)) this.changes += 1;
  }

  async healthcheck(): Promise<boolean> {
    return true;
  }

  /** Snapshots when something changed and `snapshot_interval_ms` passed since the last one. */
  async maintain(): Promise<void> {
    if (this.changes === 0 || this.clock.now() - this.lastSnapshotAt < this.config.snapshot_interval_ms) return;
    await this.snapshot();
  }

  /** Writes the snapshot now (atomically: temporary file, then rename). */
  async snapshot(): Promise<void> {
    if (this.config.snapshot_path === '') return;
    const changes = this.changes;
    this.lastSnapshotAt = this.clock.now();
    try {
      const count = await writeSnapshot(this.config.snapshot_path, this.entries());
      this.changes -= changes;
      this.telemetry?.log.debug({ path: this.config.snapshot_path, verdicts: count }, 'verdict snapshot written');
    } catch (error) {
      throw sinkError('ERR_SINK_SNAPSHOT', `could not write the verdict snapshot ${this.config.snapshot_path}`, { cause: error });
    }
  }

  /** Writes a last snapshot. Several consumers may share the store: each close snapshots (cheap when unchanged). */
  async close(): Promise<void> {
    if (this.changes > 0) await this.snapshot();
  }

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
