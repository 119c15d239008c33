/**
 * What should be enforced at the edge: one entry per list value (several subjects can map to one
 * value, e.g. two IPv6 clients of one /64), under the MemoryVerdictStore replacement rule: a
 * stronger action replaces a weaker one, at equal strength the later expiry wins, an expired
 * entry is replaced by anything. Writing the same verdict twice is a no-op.
 *
 * When more entries deserve pushing than fit, `select` keeps block before challenge, then the
 * lower (more automated) score, then more traffic, then the later expiry; the rest is left out.
 */
import type { Verdict } from '@botsieve/core';
import { ja4ExpressionLength } from './ja4-rules.js';
import type { Target, TargetKind } from './subject.js';

export type EnforcedAction = 'block' | 'challenge';

export interface DesiredEntry {
  kind: TargetKind;
  value: string;
  action: EnforcedAction;
  score: number;
  expires_at: number;
  verdict_id: string;
  /** Largest `requests` evidence among the verdict's detectors; 0 when none reported it. */
  traffic: number;
}

export interface Selection {
  /** Entries for the IP and ASN lists that fit `max_items`. */
  lists: DesiredEntry[];
  /** JA4 entries per rule that fit the expression length. */
  ja4: Record<EnforcedAction, DesiredEntry[]>;
  /** Entries that deserve pushing but do not fit. */
  left_out: number;
}

export function targetKey(kind: TargetKind, value: string): string {
  return `${kind}:${value}`;
}

export function entryFromVerdict(verdict: Verdict, target: Target): DesiredEntry {
  let traffic = 0;
  for (const finding of verdict.detectors) {
    const requests = finding.evidence.requests;
    if (typeof requests === 'number' && requests > traffic) traffic = requests;
  }
  return {
    kind: target.kind,
    value: target.value,
    action: verdict.action === 'block' ? 'block' : 'challenge',
    score: verdict.score,
    expires_at: verdict.decided_at + verdict.ttl_ms,
    verdict_id: verdict.id,
    traffic,
  };
}

/** Priority order: negative when `a` should be kept before `b`. */
export function comparePriority(a: DesiredEntry, b: DesiredEntry): number {
  if (a.action !== b.action) return a.action === 'block' ? -1 : 1;
  if (a.score !== b.score) return a.score - b.score;
  if (a.traffic !== b.traffic) return b.traffic - a.traffic;
  if (a.expires_at !== b.expires_at) return b.expires_at - a.expires_at;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

export class DesiredState {
  private readonly entries = new Map<string, DesiredEntry>();

  /**
   * `max_entries` bounds memory under a spray of subjects: past it, expired entries go first, then
   * the lowest priority ones (down to 90 %, so the sort is paid once per 10 % of growth).
   * `onEvict` counts what was forgotten.
   */
  constructor(
    private readonly max_entries = Number.POSITIVE_INFINITY,
    private readonly onEvict: (count: number) => void = () => undefined,
  ) {}

  /** Applies an entry under the replacement rule; true when it became the desired one. */
  put(entry: DesiredEntry, now: number): boolean {
    const key = targetKey(entry.kind, entry.value);
    const current = this.entries.get(key);
    if (current !== undefined && !replaces(entry, current, now)) return false;
    this.entries.set(key, entry);
    if (this.entries.size > this.max_entries) this.evict(now);
    return true;
  }

  private evict(now: number): void {
    if (this.prune(now) > 0 && this.entries.size <= this.max_entries) return;
    const keep = Math.floor(this.max_entries * 0.9);
    const ranked = [...this.entries.values()].sort(comparePriority);
    for (const entry of ranked.slice(keep)) this.entries.delete(targetKey(entry.kind, entry.value));
    this.onEvict(ranked.length - keep);
  }

  get(kind: TargetKind, value: string): DesiredEntry | undefined {
    return this.entries.get(targetKey(kind, value));
  }

  delete(kind: TargetKind, value: string): void {
    this.entries.delete(targetKey(kind, value));
  }

  /** Drops expired entries; returns how many. */
  prune(now: number): number {
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expires_at <= now) {
        this.entries.delete(key);
        removed += 1;
      }
    }
    return removed;
  }

  get size(): number {
    return this.entries.size;
  }

  values(): IterableIterator<DesiredEntry> {
    return this.entries.values();
  }

  /**
   * What fits: `list_capacity` items across the IP and ASN lists, and per JA4 rule what keeps its
   * expression within `max_expression_chars`. Sorting happens only when over capacity: in the
   * common case a pass is O(n) over the desired entries.
   */
  select(list_capacity: number, max_expression_chars: number): Selection {
    const lists: DesiredEntry[] = [];
    const ja4: Record<EnforcedAction, DesiredEntry[]> = { block: [], challenge: [] };
    for (const entry of this.entries.values()) (entry.kind === 'ja4' ? ja4[entry.action] : lists).push(entry);
    let left_out = 0;
    if (lists.length > list_capacity) {
      lists.sort(comparePriority);
      left_out += lists.length - Math.max(0, list_capacity);
      lists.length = Math.max(0, list_capacity);
    }
    for (const action of ['block', 'challenge'] as const) {
      const kept = fitJa4(ja4[action], max_expression_chars);
      left_out += ja4[action].length - kept.length;
      ja4[action] = kept;
    }
    return { lists, ja4, left_out };
  }
}

function fitJa4(entries: DesiredEntry[], max_chars: number): DesiredEntry[] {
  if (ja4ExpressionLength(entries.map((entry) => entry.value)) <= max_chars) return entries;
  entries.sort(comparePriority);
  const kept: DesiredEntry[] = [];
  let length = ja4ExpressionLength([]);
  for (const entry of entries) {
    // Each value adds its quotes, and a separating space after the first.
    const added = entry.value.length + 2 + (kept.length > 0 ? 1 : 0);
    if (length + added > max_chars) break;
    length += added;
    kept.push(entry);
  }
  return kept;
}

function replaces(incoming: DesiredEntry, current: DesiredEntry, now: number): boolean {
  if (current.expires_at <= now) return true;
  if (incoming.action !== current.action) return incoming.action === 'block';
  return incoming.expires_at > current.expires_at;
}
