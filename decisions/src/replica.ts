/**
 * VerdictReplica: every active verdict, keyed by subject, in process memory, and `decide()` over it.
 *
 * Invariant (the same as the memory verdict store's): per subject, the strongest active verdict.
 * A stronger action replaces a weaker one; at equal strength the one expiring later wins; a
 * weaker or older verdict never replaces a stronger active one. Applying a verdict twice is a
 * no-op, so feeds may redeliver.
 *
 * Bounded: over `max_verdicts`, the weakest verdict expiring soonest is evicted (counted).
 * Versioned: every change that holders must mirror (upsert, eviction) gets the next version and
 * is kept in a bounded change log, so a stream client can resume from a version.
 */
import { ACTION_RANK, type Clock, type SubjectKey, type Verdict } from '@botsieve/core';
import { ClientExemption } from '@botsieve/runtime';
import type { Decision, DecisionClient, ReplicaChange } from './types.js';
import { clientSubjects } from './subjects.js';

export interface VerdictReplicaOptions {
  clock: Clock;
  /** Active verdicts held at most; over it the weakest, soonest-expiring is evicted. */
  max_verdicts?: number;
  /** Changes kept for resuming streams; older versions get a fresh snapshot. */
  change_log?: number;
  /** Who is never acted on; default: the shipped known-bot data and the default safelist. */
  exemption?: ClientExemption;
}

export interface ReplicaStats {
  size: number;
  version: number;
  /** Verdicts dropped because the replica was full. */
  evictions: number;
  /** Verdicts dropped because they expired. */
  expired: number;
  /** Verdicts applied that were not active any more (or not stronger than the held one). */
  ignored: number;
}

interface Entry {
  verdict: Verdict;
  expires_at: number;
  rank: number;
}

export const DEFAULT_MAX_VERDICTS = 1_000_000;
export const DEFAULT_CHANGE_LOG = 100_000;

const ALLOW: Decision = Object.freeze({ action: 'allow', score: 99, subject: null, reasons: Object.freeze([]) as readonly string[], expires_at: 0, exemption: null });

export class VerdictReplica {
  /** Distinguishes this replica's versions from another's (a restarted server starts again at 0). */
  readonly epoch: string;
  private readonly clock: Clock;
  private readonly exemption: ClientExemption;
  private readonly maxVerdicts: number;
  private readonly changeLogSize: number;
  private readonly entries = new Map<string, Entry>();
  private readonly changes: ReplicaChange[] = [];
  private readonly listeners = new Set<(change: ReplicaChange) => void>();
  private currentVersion = 0;
  private evictions = 0;
  private expired = 0;
  private ignored = 0;

  constructor(options: VerdictReplicaOptions) {
    this.clock = options.clock;
    this.exemption = options.exemption ?? new ClientExemption();
    this.maxVerdicts = options.max_verdicts ?? DEFAULT_MAX_VERDICTS;
    this.changeLogSize = options.change_log ?? DEFAULT_CHANGE_LOG;
    this.epoch = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}`;
  }

  get size(): number {
    return this.entries.size;
  }

  get version(): number {
    return this.currentVersion;
  }

  /** Holds `verdict` if it is active and stronger than what its subject holds; true when it changed the replica. */
  apply(verdict: Verdict): boolean {
    const expires_at = verdict.decided_at + verdict.ttl_ms;
    const now = this.clock.now();
    const rank = ACTION_RANK[verdict.action];
    if (expires_at <= now) {
      this.ignored += 1;
      return false;
    }
    const held = this.entries.get(verdict.subject);
    if (held !== undefined && held.expires_at > now && (held.rank > rank || (held.rank === rank && held.expires_at >= expires_at))) {
      this.ignored += 1;
      return false;
    }
    if (held === undefined && this.entries.size >= this.maxVerdicts) this.evictOne(now);
    this.entries.set(verdict.subject, { verdict, expires_at, rank });
    this.record({ type: 'upsert', version: this.currentVersion + 1, verdict });
    return true;
  }

  /** The action for a client: `allow` for an exempt one, else the strongest active verdict over its subjects. */
  decide(client: DecisionClient): Decision {
    const exemption = this.exemption.check(client);
    if (exemption !== null) {
      return { action: 'allow', score: 99, subject: null, reasons: [exemption.name === '' ? exemption.reason : `${exemption.reason}:${exemption.name}`], expires_at: 0, exemption };
    }
    const now = this.clock.now();
    let best: Entry | undefined;
    for (const subject of clientSubjects(client)) {
      const entry = this.entries.get(subject);
      if (entry === undefined) continue;
      if (entry.expires_at <= now) {
        this.entries.delete(subject);
        this.expired += 1;
        continue;
      }
      if (best === undefined || entry.rank > best.rank) best = entry;
    }
    if (best === undefined) return ALLOW;
    const { verdict } = best;
    return { action: verdict.action, score: verdict.score, subject: verdict.subject, reasons: verdict.detectors.map((finding) => finding.id), expires_at: best.expires_at, exemption: null };
  }

  /** Every active verdict, and the version they are current at. */
  snapshot(): { version: number; verdicts: Verdict[] } {
    const now = this.clock.now();
    const verdicts: Verdict[] = [];
    for (const entry of this.entries.values()) if (entry.expires_at > now) verdicts.push(entry.verdict);
    return { version: this.currentVersion, verdicts };
  }

  /** Changes after `version`, oldest first; null when the log no longer reaches back that far (take a snapshot). */
  changesSince(version: number): ReplicaChange[] | null {
    if (version > this.currentVersion) return null;
    if (version === this.currentVersion) return [];
    const first = this.changes[0];
    if (first === undefined || first.version > version + 1) return null;
    return this.changes.slice(version + 1 - first.version);
  }

  /** Calls `listener` with every later change, synchronously; returns the unsubscribe function. */
  subscribe(listener: (change: ReplicaChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops expired verdicts (call periodically; `decide` also drops what it meets). */
  sweep(): number {
    const now = this.clock.now();
    let dropped = 0;
    for (const [subject, entry] of this.entries) {
      if (entry.expires_at > now) continue;
      this.entries.delete(subject);
      dropped += 1;
    }
    this.expired += dropped;
    return dropped;
  }

  stats(): ReplicaStats {
    return { size: this.entries.size, version: this.currentVersion, evictions: this.evictions, expired: this.expired, ignored: this.ignored };
  }

  private evictOne(now: number): void {
    if (this.sweep() > 0) return;
    let victim: string | undefined;
    let weakest: Entry | undefined;
    for (const [subject, entry] of this.entries) {
      if (weakest === undefined || entry.rank < weakest.rank || (entry.rank === weakest.rank && entry.expires_at < weakest.expires_at)) {
        weakest = entry;
        victim = subject;
      }
    }
    if (victim === undefined || weakest === undefined || weakest.expires_at <= now) return;
    this.entries.delete(victim);
    this.evictions += 1;
    this.record({ type: 'remove', version: this.currentVersion + 1, subject: victim as SubjectKey });
  }

  private record(change: ReplicaChange): void {
    this.currentVersion = change.version;
    this.changes.push(change);
    if (this.changes.length > this.changeLogSize) this.changes.splice(0, this.changes.length - this.changeLogSize);
    for (const listener of this.listeners) listener(change);
  }
}
