/**
 * The heuristics' cooldowns: one small object per (rule, subject) pair, with one cap and one
 * recency order over every pair (least recently matched evicted first, `flush` sweeps from it).
 *
 * Layout: one Map per (rule name, subject kind) keyed by the event's raw value (`event.ip`,
 * `event.asn`, …), and an intrusive doubly linked list through the pair objects in recency order.
 * It behaves exactly as one LRU map keyed by `${rule} ${kind}:${value}` (the earlier layout),
 * without building and hashing that string on every match: heuristics matched on 78 % of the
 * simulator's events, and the composite key (two concatenations, a flatten and a hash of ~28
 * characters) made the cooldown lookup ~5 % of the engine's time (CPU profile, bench:detect).
 *
 * Memory bound: `capacity` pairs, ~110 bytes each (object, Map entry, the value's string).
 */

export type RawSubject = string | number;

/** Cooldown of one (subject, rule) pair. Every field set at creation (one object shape). */
export class Cooldown {
  lastSignalMs = Number.NEGATIVE_INFINITY;
  /** Matches since the last signal, this one included when it signals. */
  pending = 0;
  /** Towards the least and the most recently matched pair. */
  older: Cooldown | null = null;
  newer: Cooldown | null = null;
  /** False once evicted or swept (a stale entry of the recent-pairs cache). */
  live = true;

  constructor(
    readonly pairs: PairMap,
    readonly value: RawSubject,
    public lastMatchMs: number,
  ) {}
}

export type PairMap = Map<RawSubject, Cooldown>;

/** log2 of the recent-pairs cache (see `touch`). */
const RECENT_BITS = 12;

export class CooldownTable {
  /** Pairs evicted to make room (since creation). */
  evictions = 0;
  /**
   * Recently touched pairs by their value's hash (direct-mapped): an IP's next events find their
   * pair here instead of in its rule's Map of every tracked IP (a hash of the fresh string and
   * ~3 cache misses in a table of ~70,000 entries: 5 % of bench:detect's profile). Used only for
   * a live pair of the same rule and value, i.e. the one the Map holds.
   */
  private readonly recent: (Cooldown | undefined)[] = new Array(1 << RECENT_BITS).fill(undefined);
  private readonly maps = new Map<string, PairMap>();
  private count = 0;
  private newest: Cooldown | null = null;
  private oldest: Cooldown | null = null;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.count;
  }

  /** The pairs of one rule and subject kind (kept across reconfigures while the rule keeps its id). */
  pairsOf(rule: string, kind: string): PairMap {
    const name = `${rule} ${kind}`;
    let pairs = this.maps.get(name);
    if (pairs === undefined) {
      pairs = new Map();
      this.maps.set(name, pairs);
    }
    return pairs;
  }

  /**
   * The pair of `value` in `pairs`, created at `ts` when new (evicting the least recently matched
   * when full); marked most recently matched. `hash`: a 32-bit hash of `value` for the
   * recent-pairs cache, or -1 when the caller has none.
   */
  touch(pairs: PairMap, value: RawSubject, ts: number, hash: number): Cooldown {
    const newest = this.newest;
    if (newest !== null && newest.pairs === pairs && newest.value === value) return newest;
    const index = hash & ((1 << RECENT_BITS) - 1);
    let pair = hash === -1 ? undefined : this.recent[index];
    if (pair === undefined || !pair.live || pair.pairs !== pairs || pair.value !== value) pair = pairs.get(value);
    if (hash !== -1) this.recent[index] = pair;
    if (pair === undefined) {
      if (this.count >= this.capacity) {
        this.remove(this.oldest as Cooldown);
        this.evictions += 1;
      }
      pair = new Cooldown(pairs, value, ts);
      pairs.set(value, pair);
      this.count += 1;
      if (hash !== -1) this.recent[index] = pair;
    } else {
      this.unlink(pair);
    }
    this.linkNewest(pair);
    return pair;
  }

  /** Forgets pairs from the least recently matched while `expired` says so. */
  sweep(expired: (pair: Cooldown) => boolean): void {
    for (let pair = this.oldest; pair !== null && expired(pair); pair = this.oldest) this.remove(pair);
  }

  private remove(pair: Cooldown): void {
    pair.live = false;
    pair.pairs.delete(pair.value);
    this.unlink(pair);
    this.count -= 1;
  }

  private unlink(pair: Cooldown): void {
    const { older, newer } = pair;
    if (older === null) this.oldest = newer;
    else older.newer = newer;
    if (newer === null) this.newest = older;
    else newer.older = older;
    pair.older = pair.newer = null;
  }

  private linkNewest(pair: Cooldown): void {
    pair.older = this.newest;
    pair.newer = null;
    if (this.newest === null) this.oldest = pair;
    else this.newest.newer = pair;
    this.newest = pair;
  }
}
