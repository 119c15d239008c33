/**
 * Sliding-window request counts for one kind of subject, with a hard cap on tracked subjects.
 *
 * Layout: structure of arrays indexed by slot (typed arrays grown by doubling up to the cap), a
 * Map from the raw subject value (`1.2.3.4`, not `ip:1.2.3.4`, so the hot path builds no string)
 * to its slot, and an intrusive doubly linked list in recency order (most recently seen at the
 * head). Per event: one Map lookup, a few typed-array writes, no allocation once grown.
 *
 * Invariants:
 * - `index.size <= capacity` at all times: a new subject arriving when full evicts the least
 *   recently seen one (the list's tail). No timer or task per key: expiry is a walk from the
 *   tail in `sweep`, driven by the watermark.
 * - A slot's window is the `buckets` buckets ending at `lastBucket`; `totals[slot]` is their sum.
 * - A slot is kept while its window holds requests or its last verdict is active, so the
 *   cooldown survives a pause in traffic.
 */
export class SubjectTable<K extends string | number> {
  /** Subjects evicted because the table was full (since creation). */
  evictions = 0;
  private readonly index = new Map<K, number>();
  private keys: (K | undefined)[] = [];
  private counts = new Uint32Array(0);
  private totals = new Uint32Array(0);
  private lastBucket = new Float64Array(0);
  private verdictRank = new Uint8Array(0);
  private verdictExpiry = new Float64Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private allocated = 0;
  /** Slots handed out at least once; slots below it are in use or on the free list. */
  private highWater = 0;
  private freeHead = -1;
  private head = -1;
  private tail = -1;

  constructor(
    readonly capacity: number,
    private readonly buckets: number,
  ) {
    this.grow(Math.min(capacity, 1_024));
  }

  get size(): number {
    return this.index.size;
  }

  /**
   * Counts one request of `key` in `bucket` and returns the subject's slot, or -1 when the
   * request is older than the subject's current window (it would not change any total).
   */
  count(key: K, bucket: number): number {
    let slot = this.index.get(key);
    if (slot === undefined) {
      slot = this.allocate(key, bucket);
    } else if (slot !== this.head) {
      this.unlink(slot);
      this.linkHead(slot);
    }
    const n = this.buckets;
    const base = slot * n;
    const last = this.lastBucket[slot] as number;
    if (bucket > last) {
      const gap = bucket - last;
      if (gap >= n) {
        this.counts.fill(0, base, base + n);
        this.totals[slot] = 0;
      } else {
        let total = this.totals[slot] as number;
        for (let b = last + 1; b <= bucket; b++) {
          const i = base + (b % n);
          total -= this.counts[i] as number;
          this.counts[i] = 0;
        }
        this.totals[slot] = total;
      }
      this.lastBucket[slot] = bucket;
    } else if (bucket <= last - n) {
      return -1;
    }
    const i = base + (bucket % n);
    this.counts[i] = (this.counts[i] as number) + 1;
    this.totals[slot] = (this.totals[slot] as number) + 1;
    return slot;
  }

  total(slot: number): number {
    return this.totals[slot] as number;
  }

  keyOf(slot: number): K {
    return this.keys[slot] as K;
  }

  /** Rank of the subject's last verdict if it is still active at `time_ms`, else 0. */
  activeRank(slot: number, time_ms: number): number {
    return (this.verdictExpiry[slot] as number) > time_ms ? (this.verdictRank[slot] as number) : 0;
  }

  verdictExpiresAt(slot: number): number {
    return this.verdictExpiry[slot] as number;
  }

  setVerdict(slot: number, rank: number, expires_at: number): void {
    this.verdictRank[slot] = rank;
    this.verdictExpiry[slot] = expires_at;
  }

  /**
   * Frees subjects whose window is empty at the watermark and whose verdict expired. Walks from
   * the least recently seen and stops at the first subject with requests in the window; subjects
   * still in cooldown are stepped over (their number is bounded by the cap).
   */
  sweep(watermarkBucket: number, watermark_ms: number): void {
    const oldestLive = watermarkBucket - this.buckets;
    let slot = this.tail;
    while (slot !== -1) {
      if ((this.lastBucket[slot] as number) > oldestLive) return;
      const towardsHead = this.prev[slot] as number;
      if ((this.verdictExpiry[slot] as number) <= watermark_ms) this.release(slot);
      slot = towardsHead;
    }
  }

  /** Approximate bytes held: typed arrays plus ~80 bytes per Map entry and key. */
  bytes(): number {
    return this.allocated * (this.buckets * 4 + 4 + 8 + 1 + 8 + 4 + 4 + 8) + this.index.size * 80;
  }

  private allocate(key: K, bucket: number): number {
    if (this.index.size >= this.capacity) {
      this.evictions += 1;
      this.release(this.tail);
    }
    let slot: number;
    if (this.freeHead !== -1) {
      slot = this.freeHead;
      this.freeHead = this.next[slot] as number;
    } else {
      if (this.highWater === this.allocated) this.grow(Math.min(this.capacity, this.allocated * 2));
      slot = this.highWater++;
    }
    const base = slot * this.buckets;
    this.counts.fill(0, base, base + this.buckets);
    this.totals[slot] = 0;
    this.lastBucket[slot] = bucket;
    this.verdictRank[slot] = 0;
    this.verdictExpiry[slot] = 0;
    this.keys[slot] = key;
    this.index.set(key, slot);
    this.linkHead(slot);
    return slot;
  }

  private release(slot: number): void {
    this.unlink(slot);
    this.index.delete(this.keys[slot] as K);
    this.keys[slot] = undefined;
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
  }

  private linkHead(slot: number): void {
    this.prev[slot] = -1;
    this.next[slot] = this.head;
    if (this.head !== -1) this.prev[this.head] = slot;
    this.head = slot;
    if (this.tail === -1) this.tail = slot;
  }

  private unlink(slot: number): void {
    const before = this.prev[slot] as number;
    const after = this.next[slot] as number;
    if (before === -1) this.head = after;
    else this.next[before] = after;
    if (after === -1) this.tail = before;
    else this.prev[after] = before;
  }

  private grow(slots: number): void {
    const n = this.buckets;
    this.counts = resized(this.counts, new Uint32Array(slots * n));
    this.totals = resized(this.totals, new Uint32Array(slots));
    this.lastBucket = resized(this.lastBucket, new Float64Array(slots));
    this.verdictRank = resized(this.verdictRank, new Uint8Array(slots));
    this.verdictExpiry = resized(this.verdictExpiry, new Float64Array(slots));
    this.prev = resized(this.prev, new Int32Array(slots));
    this.next = resized(this.next, new Int32Array(slots));
    this.allocated = slots;
  }
}

function resized<T extends Uint32Array | Float64Array | Uint8Array | Int32Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}
