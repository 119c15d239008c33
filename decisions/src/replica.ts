/**
 * VerdictReplica: every active verdict, keyed by subject, in process memory, and `decide()` over it.
 *
 * Invariant (the same as the memory verdict store's): per subject, the strongest active verdict.
 * A stronger action replaces a weaker one; at equal strength the one expiring later wins; a
 * weaker or older verdict never replaces a stronger active one. Applying a verdict twice is a
 * no-op, so feeds may redeliver.
 *
 * Bounded: over `max_verdicts`, expired verdicts go first, then the weakest verdict expiring
 * soonest is evicted (counted), the newcomer included: a verdict weaker than everything held is
 * the one dropped. Versioned: every change that holders must mirror (upsert,
 * removal) gets the next version and is kept in a bounded change log (a ring), so a stream client
 * can resume from a version.
 *
 * Cost (bench:decide, figures in the README's "Cost" section): entries sit in a `SubjectIndex`
 * (one map per kind, keyed by the raw value) and in one min-heap by expiry per action, so
 * `decide()` builds no key, eviction and expiry cost O(log n), and nothing is scanned per insert
 * (the first version scanned all 1 M entries for every insert into a full replica). Decisions
 * are built once per held verdict and once per exemption, then shared (frozen): the allow, hit
 * and exempt paths allocate nothing in steady state.
 */
import { ACTION_RANK, VERDICT_SUBJECT_KINDS, type Clock, type SubjectKey, type Verdict } from '@botsieve/core';
import { ClientExemption, type Exemption } from '@botsieve/runtime';
import type { Decision, DecisionClient, ReplicaChange, VerdictSync } from './types.js';
import { SubjectIndex } from './subjects.js';

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

/** A held verdict. Mutated in place when a stronger verdict replaces it (same subject, same index slot). */
class Entry {
  verdict: Verdict;
  expires_at: number;
  rank: number;
  /** Position in `heaps[rank]`; −1 when not held. */
  heapIndex = -1;
  /** Built on the first hit, dropped when the verdict changes. */
  decision: Decision | null = null;

  constructor(verdict: Verdict, expires_at: number, rank: number) {
    this.verdict = verdict;
    this.expires_at = expires_at;
    this.rank = rank;
  }
}

/** Entries of one action by expiry, soonest on top; each entry knows its position, so removal is O(log n). */
class ExpiryHeap {
  readonly items: Entry[] = [];

  get top(): Entry | undefined {
    return this.items[0];
  }

  push(entry: Entry): void {
    entry.heapIndex = this.items.length;
    this.items.push(entry);
    this.up(entry.heapIndex);
  }

  remove(entry: Entry): void {
    const i = entry.heapIndex;
    const last = this.items.pop() as Entry;
    entry.heapIndex = -1;
    if (last === entry) return;
    this.items[i] = last;
    last.heapIndex = i;
    this.up(i);
    this.down(last.heapIndex);
  }

  clear(): void {
    for (const entry of this.items) entry.heapIndex = -1;
    this.items.length = 0;
  }

  private up(i: number): void {
    const items = this.items;
    const entry = items[i] as Entry;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent] as Entry;
      if (above.expires_at <= entry.expires_at) break;
      items[i] = above;
      above.heapIndex = i;
      i = parent;
    }
    items[i] = entry;
    entry.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const entry = items[i] as Entry;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && (items[child + 1] as Entry).expires_at < (items[child] as Entry).expires_at) child += 1;
      const below = items[child] as Entry;
      if (below.expires_at >= entry.expires_at) break;
      items[i] = below;
      below.heapIndex = i;
      i = child;
    }
    items[i] = entry;
    entry.heapIndex = i;
  }
}

export const DEFAULT_MAX_VERDICTS = 1_000_000;
export const DEFAULT_CHANGE_LOG = 100_000;

const NO_REASONS = Object.freeze([]) as readonly string[];
const ALLOW: Decision = Object.freeze({ action: 'allow', score: 99, subject: null, reasons: NO_REASONS, expires_at: 0, exemption: null });
const RANKS = Object.keys(ACTION_RANK).length;

export class VerdictReplica implements VerdictSync {
  /** Distinguishes this replica's versions from another's (a restarted server starts again at 0). */
  readonly epoch: string;
  private readonly clock: Clock;
  private readonly exemption: ClientExemption;
  private readonly maxVerdicts: number;
  private readonly index = new SubjectIndex<Entry>();
  /** heaps[rank]: the entries of that action by expiry. */
  private readonly heaps: ExpiryHeap[] = Array.from({ length: RANKS }, () => new ExpiryHeap());
  /** Scratch for decide (at most one entry per subject kind). */
  private readonly found: (Entry | undefined)[] = new Array<Entry | undefined>(VERDICT_SUBJECT_KINDS.length).fill(undefined);
  private readonly exemptDecisions = new Map<Exemption, Decision>();
  /** The change log: a ring of `changeLogSize` slots; the newest change (version `currentVersion`) is at `changeHead`. */
  private readonly changes: (ReplicaChange | undefined)[];
  private readonly changeLogSize: number;
  private changeHead = -1;
  private changeCount = 0;
  private readonly listeners = new Set<(change: ReplicaChange) => void>();
  private held = 0;
  private currentVersion = 0;
  private evictions = 0;
  private expired = 0;
  private ignored = 0;

  constructor(options: VerdictReplicaOptions) {
    this.clock = options.clock;
    this.exemption = options.exemption ?? new ClientExemption();
    this.maxVerdicts = options.max_verdicts ?? DEFAULT_MAX_VERDICTS;
    this.changeLogSize = Math.max(1, options.change_log ?? DEFAULT_CHANGE_LOG);
    this.changes = new Array<ReplicaChange | undefined>(this.changeLogSize).fill(undefined);
    this.epoch = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}`;
  }

  get size(): number {
    return this.held;
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
    const held = this.index.get(verdict.subject);
    if (held !== undefined) {
      if (held.expires_at > now && (held.rank > rank || (held.rank === rank && held.expires_at >= expires_at))) {
        this.ignored += 1;
        return false;
      }
      (this.heaps[held.rank] as ExpiryHeap).remove(held);
      held.verdict = verdict;
      held.expires_at = expires_at;
      held.rank = rank;
      held.decision = null;
      (this.heaps[rank] as ExpiryHeap).push(held);
    } else {
      if (this.held >= this.maxVerdicts && !this.makeRoom(now, rank, expires_at)) {
        this.evictions += 1;
        return false;
      }
      this.insert(new Entry(verdict, expires_at, rank));
    }
    this.record({ type: 'upsert', version: this.currentVersion + 1, verdict });
    return true;
  }

  /** The action for a client: `allow` for an exempt one, else the strongest active verdict over its subjects. */
  decide(client: DecisionClient): Decision {
    const exemption = this.exemption.check(client);
    if (exemption !== null) return this.exemptDecisions.get(exemption) ?? this.exemptDecision(exemption);
    const found = this.found;
    const n = this.index.collect(client, found);
    if (n === 0) return ALLOW;
    const now = this.clock.now();
    let best: Entry | undefined;
    for (let i = 0; i < n; i++) {
      const entry = found[i] as Entry;
      found[i] = undefined;
      if (entry.expires_at <= now) {
        this.drop(entry);
        this.expired += 1;
      } else if (best === undefined || entry.rank > best.rank) {
        best = entry;
      }
    }
    if (best === undefined) return ALLOW;
    return best.decision ?? (best.decision = decisionOf(best));
  }

  /** Every active verdict, and the version they are current at. */
  snapshot(): { version: number; verdicts: Verdict[] } {
    const now = this.clock.now();
    const verdicts: Verdict[] = [];
    for (const entry of this.index.values()) if (entry.expires_at > now) verdicts.push(entry.verdict);
    return { version: this.currentVersion, verdicts };
  }

  /** Drops the subject's verdict, recorded as a `remove` change; false when it held none. */
  remove(subject: SubjectKey): boolean {
    const entry = this.index.get(subject);
    if (entry === undefined) return false;
    this.drop(entry);
    this.record({ type: 'remove', version: this.currentVersion + 1, subject });
    return true;
  }

  /**
   * Holds exactly the strongest active verdict per subject of `verdicts`, in one synchronous step
   * (a feed's full snapshot: no `decide` sees a half-loaded replica). Recorded as changes holders
   * can mirror: a `remove` for every subject that goes or changes, then an `upsert` per verdict.
   */
  replace(verdicts: readonly Verdict[]): void {
    const now = this.clock.now();
    const incoming = new Map<string, Verdict>();
    for (const verdict of verdicts) {
      const expires_at = verdict.decided_at + verdict.ttl_ms;
      if (expires_at <= now) continue;
      const other = incoming.get(verdict.subject);
      const rank = ACTION_RANK[verdict.action];
      if (other !== undefined) {
        const otherRank = ACTION_RANK[other.action];
        if (otherRank > rank || (otherRank === rank && other.decided_at + other.ttl_ms >= expires_at)) continue;
      }
      incoming.set(verdict.subject, verdict);
    }
    const gone: Entry[] = [];
    for (const entry of this.index.values()) {
      const next = incoming.get(entry.verdict.subject);
      if (next === undefined || next.id !== entry.verdict.id || next.decided_at + next.ttl_ms !== entry.expires_at) gone.push(entry);
      else incoming.delete(entry.verdict.subject);
    }
    for (const entry of gone) this.remove(entry.verdict.subject);
    for (const verdict of incoming.values()) this.apply(verdict);
  }

  /** Changes after `version`, oldest first; null when the log no longer reaches back that far (take a snapshot). */
  changesSince(version: number): ReplicaChange[] | null {
    if (!Number.isInteger(version) || version > this.currentVersion || version < 0) return null;
    const count = this.currentVersion - version;
    if (count === 0) return [];
    if (count > this.changeCount) return null;
    const out = new Array<ReplicaChange>(count);
    const size = this.changeLogSize;
    let slot = (this.changeHead - count + 1 + size) % size;
    for (let i = 0; i < count; i++) {
      out[i] = this.changes[slot] as ReplicaChange;
      slot = slot + 1 === size ? 0 : slot + 1;
    }
    return out;
  }

  /** Calls `listener` with every later change, synchronously; returns the unsubscribe function. */
  subscribe(listener: (change: ReplicaChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops expired verdicts (call periodically; `decide` also drops what it meets). O(expired × log n). */
  sweep(): number {
    const dropped = this.dropExpired(this.clock.now());
    this.expired += dropped;
    return dropped;
  }

  stats(): ReplicaStats {
    return { size: this.held, version: this.currentVersion, evictions: this.evictions, expired: this.expired, ignored: this.ignored };
  }

  private insert(entry: Entry): void {
    this.index.set(entry.verdict.subject, entry);
    (this.heaps[entry.rank] as ExpiryHeap).push(entry);
    this.held += 1;
  }

  private drop(entry: Entry): void {
    this.index.delete(entry.verdict.subject);
    (this.heaps[entry.rank] as ExpiryHeap).remove(entry);
    this.held -= 1;
  }

  /**
   * Room for a verdict of `rank` expiring at `expires_at`: expired verdicts go first (not counted
   * as evictions); if none, the weakest verdict expiring soonest is evicted, unless the newcomer is
   * weaker still (false: it is the one dropped, so a flood of weak verdicts cannot push out strong ones).
   */
  private makeRoom(now: number, rank: number, expires_at: number): boolean {
    const dropped = this.dropExpired(now);
    if (dropped > 0) {
      this.expired += dropped;
      return true;
    }
    for (const heap of this.heaps) {
      const victim = heap.top;
      if (victim === undefined) continue;
      if (rank < victim.rank || (rank === victim.rank && expires_at <= victim.expires_at)) return false;
      this.drop(victim);
      this.evictions += 1;
      this.record({ type: 'remove', version: this.currentVersion + 1, subject: victim.verdict.subject });
      return true;
    }
    return this.maxVerdicts > 0;
  }

  /** Drops every expired entry: the soonest-expiring one is the top of one of the heaps. */
  private dropExpired(now: number): number {
    let dropped = 0;
    for (const heap of this.heaps) {
      for (let top = heap.top; top !== undefined && top.expires_at <= now; top = heap.top) {
        this.drop(top);
        dropped += 1;
      }
    }
    return dropped;
  }

  private exemptDecision(exemption: Exemption): Decision {
    const reason = exemption.name === '' ? exemption.reason : `${exemption.reason}:${exemption.name}`;
    const decision: Decision = Object.freeze({ action: 'allow', score: 99, subject: null, reasons: Object.freeze([reason]), expires_at: 0, exemption });
    this.exemptDecisions.set(exemption, decision);
    return decision;
  }

  private record(change: ReplicaChange): void {
    this.currentVersion = change.version;
    this.changeHead = this.changeHead + 1 === this.changeLogSize ? 0 : this.changeHead + 1;
    this.changes[this.changeHead] = change;
    if (this.changeCount < this.changeLogSize) this.changeCount += 1;
    for (const listener of this.listeners) listener(change);
  }
}

function decisionOf(entry: Entry): Decision {
  const { verdict } = entry;
  return Object.freeze({ action: verdict.action, score: verdict.score, subject: verdict.subject, reasons: Object.freeze(verdict.detectors.map((finding) => finding.id)), expires_at: entry.expires_at, exemption: null });
}
