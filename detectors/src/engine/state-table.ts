/**
 * Per-subject state objects for one kind of subject, with a hard cap and an O(1) byte count.
 * Shared by the summary detectors `scraping`, `credential-stuffing` and `probing`.
 *
 * A BoundedMap keyed by the summary's own `subject` string (no string is built per summary), in
 * recency order (least recently used first). Invariants:
 * - `size <= capacity`: a new subject arriving when full evicts the least recently used one. The
 *   table evicts it itself (instead of letting BoundedMap do it silently) so that its bytes leave
 *   the running total and the eviction is counted for the `state_evicted` metric.
 * - `bytes` is the sum of every held state's `bytes`: owners call `resized` after changing a
 *   state, so `stateSize()` (read by the engine at every flush step) costs nothing.
 * - No timer per key: `sweep` walks from the least recently used and stops at the first live
 *   state. Summaries arrive roughly in event-time order, so recency follows event time; a live
 *   state ahead of expired ones delays their release until it expires or is evicted (the cap
 *   still holds).
 */
import { BoundedMap } from '../sketch/index.js';

export interface TrackedState {
  /** Approximate bytes held by this state, kept current by its owner. */
  bytes: number;
}

/** Approximate bytes of one Map entry and its key string (`ip:203.0.113.7`, a JA4, …). */
export const ENTRY_BYTES = 100;

const NEVER = (): boolean => false;

export class StateTable<S extends TrackedState> {
  /** Approximate bytes held by every state and entry. */
  bytes = 0;
  /** States evicted because the table was full (since creation). */
  evictions = 0;
  private reportedEvictions = 0;
  private readonly map: BoundedMap<string, S>;
  /** The predicate of the running `sweep`, and the callback that releases what it says is over. */
  private isExpired: (state: S) => boolean = NEVER;
  private readonly release = (state: S): boolean => {
    if (!this.isExpired(state)) return false;
    this.bytes -= state.bytes + ENTRY_BYTES;
    return true;
  };

  constructor(readonly capacity: number) {
    this.map = new BoundedMap(capacity);
  }

  get size(): number {
    return this.map.size;
  }

  /** The state of `key`, marking it most recently used. */
  get(key: string): S | undefined {
    return this.map.get(key);
  }

  /** The state of `key`, recency unchanged (tests, debugging). */
  peek(key: string): S | undefined {
    return this.map.peek(key);
  }

  /** Adds a subject's state (replacing any it had); when full, evicts the least recently used first. */
  add(key: string, state: S): void {
    const replaced = this.map.peek(key);
    if (replaced !== undefined) this.bytes -= replaced.bytes + ENTRY_BYTES;
    else if (this.map.size >= this.capacity) {
      const oldest = this.map.oldestKey() as string;
      const old = this.map.peek(oldest) as S;
      this.map.delete(oldest);
      this.bytes -= old.bytes + ENTRY_BYTES;
      this.evictions += 1;
    }
    this.map.set(key, state);
    this.bytes += state.bytes + ENTRY_BYTES;
  }

  /** A state's bytes changed from `before` to its current `bytes`. */
  resized(state: S, before: number): void {
    this.bytes += state.bytes - before;
  }

  delete(key: string): void {
    const state = this.map.peek(key);
    if (state === undefined) return;
    this.map.delete(key);
    this.bytes -= state.bytes + ENTRY_BYTES;
  }

  /**
   * Releases states `isExpired` says are over, from the least recently used, stopping at the
   * first live one. Returns how many were released.
   */
  sweep(isExpired: (state: S) => boolean): number {
    this.isExpired = isExpired;
    const released = this.map.sweepOldest(this.release);
    this.isExpired = NEVER;
    return released;
  }

  /** Evictions since the last call (reported as a metric on flush, as a delta). */
  takeEvictions(): number {
    const delta = this.evictions - this.reportedEvictions;
    this.reportedEvictions = this.evictions;
    return delta;
  }

  /** Every state with its key, least recently used first (tests, debugging). */
  entries(): IterableIterator<[string, S]> {
    return this.map.entries();
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}
