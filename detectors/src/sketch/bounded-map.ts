/**
 * A map capped at `capacity` entries, evicting the least recently used when a new key arrives
 * while full. For per-key state on the hot path (per IP, per fingerprint) where an attacker
 * controls how many keys there are: memory stays bounded under an IP spray, and `evictions`
 * says how often the cap was hit (export it as a metric: a steadily rising count means the cap
 * is too small for the traffic and state is being forgotten).
 *
 * Layout: a Map from key to slot, touched only when a key enters or leaves, and the recency
 * order as an intrusive doubly linked list over slots (typed arrays grown by doubling up to the
 * capacity), like `engine/window-table.ts`.
 *
 * Why not the plain Map with "delete + set on touch" (insertion order as recency): measured on
 * Node 20, V8 leaves a deleted entry in its hash bucket's chain until the table is rehashed, so
 * touching the same few keys over and over (one subject's burst: the common case) grows one
 * chain by an entry per touch. Two alternating hot keys in a full 100,000-entry Map cost 40 µs
 * per touch (0.7 µs at 1,000 entries). And reaching the oldest key with `map.keys().next()`
 * skips every deleted slot at the front: 54 µs per eviction at 100,000 entries during a spray.
 * `npm run bench:sketch` prints both figures beside this class's.
 *
 * Memory bound: `capacity` entries, ~60 bytes each (Map entry, key and value references, two
 * links) plus the keys and values themselves.
 *
 * Iteration goes from least to most recently used. Deleting entries while iterating is safe (a
 * sweep); an entry touched or set while iterating moves to the end and is visited again, as
 * with a Map's own iterators.
 */

const NONE = -1;
/** `older[slot]` of a free slot; free slots are chained through `newer`. */
const FREED = -2;
const INITIAL_SLOTS = 16;
/** log2 of the direct-mapped recent-slots cache of `getHashed` (16 KiB, allocated on first use). */
const RECENT_BITS = 12;
const RECENT_MASK = (1 << RECENT_BITS) - 1;

export class BoundedMap<K, V> {
  readonly capacity: number;
  private readonly index = new Map<K, number>();
  private keyOf: (K | undefined)[] = [];
  private valueOf: (V | undefined)[] = [];
  private older: Int32Array;
  private newer: Int32Array;
  /** Most and least recently used slots. */
  private head = NONE;
  private tail = NONE;
  /** Slots handed out at least once; below it, each is in the list or on the free list. */
  private allocated = 0;
  private free = NONE;
  private evicted = 0;
  /** Slots by the caller's hash of their key (see `getHashed`); null until first used. */
  private recent: Int32Array | null = null;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`BoundedMap capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    const slots = Math.min(capacity, INITIAL_SLOTS);
    this.older = new Int32Array(slots);
    this.newer = new Int32Array(slots);
  }

  get size(): number {
    return this.index.size;
  }

  /** Entries evicted to make room since creation (not those deleted or cleared). */
  get evictions(): number {
    return this.evicted;
  }

  /**
   * The value of `key`, marking it most recently used. The most recently used key is answered
   * without the Map lookup (one subject's burst touches the same key again and again).
   */
  get(key: K): V | undefined {
    const head = this.head;
    if (head !== NONE && this.keyOf[head] === key) return this.valueOf[head];
    const slot = this.index.get(key);
    if (slot === undefined) return undefined;
    if (slot !== this.head) {
      this.unlink(slot);
      this.linkHead(slot);
    }
    return this.valueOf[slot];
  }

  /**
   * `get`, for a caller that already has a 32-bit hash of `key` (the features' `ip_hash`): the
   * key's slot is first looked for in a small direct-mapped cache by that hash, and the Map is
   * probed only when the cache does not hold it. Same answer and recency change as `get`. A cached
   * slot is trusted only while `keyOf[slot]` is `key` (a delete clears it, an eviction replaces it,
   * and a live key is in exactly one slot), so the cache never needs invalidating.
   * Why: per-address state read on every event (address-bursts, inventory-hoarding) was a Map
   * probe of a fresh string in a table of ~70,000 addresses, its misses the cost (the same reason
   * as heuristics' recent-pairs cache).
   */
  getHashed(key: K, hash: number): V | undefined {
    const head = this.head;
    if (head !== NONE && this.keyOf[head] === key) return this.valueOf[head];
    let recent = this.recent;
    if (recent === null) recent = this.recent = new Int32Array(RECENT_MASK + 1).fill(NONE);
    const i = hash & RECENT_MASK;
    let slot = recent[i]!;
    if (slot === NONE || this.keyOf[slot] !== key) {
      const found = this.index.get(key);
      if (found === undefined) return undefined;
      slot = found;
      recent[i] = slot;
    }
    if (slot !== head) {
      this.unlink(slot);
      this.linkHead(slot);
    }
    return this.valueOf[slot];
  }

  /** The value of `key`, leaving its recency unchanged. */
  peek(key: K): V | undefined {
    const slot = this.index.get(key);
    return slot === undefined ? undefined : this.valueOf[slot];
  }

  /** Sets `key` as the most recently used; when full and `key` is new, evicts the least recently used first. */
  set(key: K, value: V): void {
    let slot = this.index.get(key);
    if (slot !== undefined) {
      this.valueOf[slot] = value;
      if (slot !== this.head) {
        this.unlink(slot);
        this.linkHead(slot);
      }
      return;
    }
    if (this.index.size >= this.capacity) {
      slot = this.tail;
      this.index.delete(this.keyOf[slot] as K);
      this.unlink(slot);
      this.evicted++;
    } else {
      slot = this.allocate();
    }
    this.keyOf[slot] = key;
    this.valueOf[slot] = value;
    this.index.set(key, slot);
    this.linkHead(slot);
  }

  delete(key: K): boolean {
    const slot = this.index.get(key);
    if (slot === undefined) return false;
    this.index.delete(key);
    this.unlink(slot);
    this.keyOf[slot] = undefined;
    this.valueOf[slot] = undefined;
    this.older[slot] = FREED;
    this.newer[slot] = this.free;
    this.free = slot;
    return true;
  }

  has(key: K): boolean {
    return this.index.has(key);
  }

  /** Keys from least to most recently used. */
  *keys(): IterableIterator<K> {
    for (let slot = this.tail, saved = NONE; slot !== NONE; slot = this.successor(slot, saved)) {
      saved = this.newer[slot]!;
      yield this.keyOf[slot] as K;
    }
  }

  /** Values from least to most recently used. */
  *values(): IterableIterator<V> {
    for (let slot = this.tail, saved = NONE; slot !== NONE; slot = this.successor(slot, saved)) {
      saved = this.newer[slot]!;
      yield this.valueOf[slot] as V;
    }
  }

  /** Entries from least to most recently used. */
  *entries(): IterableIterator<[K, V]> {
    for (let slot = this.tail, saved = NONE; slot !== NONE; slot = this.successor(slot, saved)) {
      saved = this.newer[slot]!;
      yield [this.keyOf[slot] as K, this.valueOf[slot] as V];
    }
  }

  /** The least recently used key (undefined when empty), recency unchanged. */
  oldestKey(): K | undefined {
    return this.tail === NONE ? undefined : this.keyOf[this.tail];
  }

  /**
   * Deletes entries from the least recently used while `expired(value, key)` says so; stops at
   * the first it keeps. Returns how many were deleted. The same as walking `entries()` and
   * deleting, without an iterator and an entry array per visited entry (flush sweeps run at
   * every step).
   */
  sweepOldest(expired: (value: V, key: K) => boolean): number {
    let deleted = 0;
    while (this.tail !== NONE) {
      const slot = this.tail;
      const key = this.keyOf[slot] as K;
      if (!expired(this.valueOf[slot] as V, key)) break;
      this.delete(key);
      deleted += 1;
    }
    return deleted;
  }

  /** Removes every entry and releases the slots; `evictions` keeps counting from where it was. */
  clear(): void {
    this.index.clear();
    this.keyOf = [];
    this.valueOf = [];
    const slots = Math.min(this.capacity, INITIAL_SLOTS);
    this.older = new Int32Array(slots);
    this.newer = new Int32Array(slots);
    this.head = this.tail = this.free = NONE;
    this.allocated = 0;
  }

  /**
   * Where an iteration goes after visiting `slot`, whose successor was `saved` when it was
   * visited: `saved` if it is still in use (the visited entry may have been deleted or touched
   * meanwhile: a sweep), else the visited entry's successor now (its successor was deleted, or
   * entries were added after the last), else the end.
   */
  private successor(slot: number, saved: number): number {
    if (saved !== NONE && this.older[saved] !== FREED) return saved;
    if (this.older[slot] !== FREED) return this.newer[slot]!;
    return NONE;
  }

  private allocate(): number {
    if (this.free !== NONE) {
      const slot = this.free;
      this.free = this.newer[slot]!;
      return slot;
    }
    if (this.allocated === this.older.length) {
      const slots = Math.min(this.capacity, this.older.length * 2);
      const older = new Int32Array(slots);
      older.set(this.older);
      this.older = older;
      const newer = new Int32Array(slots);
      newer.set(this.newer);
      this.newer = newer;
    }
    return this.allocated++;
  }

  private unlink(slot: number): void {
    const older = this.older[slot]!;
    const newer = this.newer[slot]!;
    if (older === NONE) this.tail = newer;
    else this.newer[older] = newer;
    if (newer === NONE) this.head = older;
    else this.older[newer] = older;
  }

  private linkHead(slot: number): void {
    this.older[slot] = this.head;
    this.newer[slot] = NONE;
    if (this.head === NONE) this.tail = slot;
    else this.newer[this.head] = slot;
    this.head = slot;
  }
}
