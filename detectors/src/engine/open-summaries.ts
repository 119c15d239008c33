/**
 * The open summaries of one subject kind, by the subject's raw value (`event.ip`, `event.asn`, …):
 * an open-addressing hash table over typed arrays, keyed by a 32-bit hash the caller already has
 * (the features' `ip_hash` and `ua_hash`, or one computed once per event), plus the summaries in
 * the order they were opened.
 *
 * Why not a Map per step, as before: a Map hashes each event's freshly parsed string again
 * (V8 caches a hash per string object, and every event brings new ones), and emptying it at every
 * step made it re-grow its table through every size each step (~50 bytes per event, promoted
 * with the summaries it pointed to). Here a step's close is one counter increment: a cell is live
 * only when its generation is the table's, so nothing is cleared or reallocated once grown.
 *
 * Correctness does not depend on the hash: keys are compared (SameValueZero, like a Map), a poor
 * hash only makes probing longer. Memory: 2 × the most summaries of one kind open at once × 28
 * bytes (grown by doubling; beyond 65,536 cells released at the next close, so a spray's table
 * does not outlive it).
 */
import type { SubjectKey } from '@botsieve/core';
import type { Summary, SummaryKind } from './summary.js';

const INITIAL_CELLS = 256;
/** Tables grown past this many cells (a spray, a burst) are released when their summaries close. */
const KEPT_CELLS = 65_536;

/**
 * Subject keys (`ip:203.0.113.7`) by raw value, so a subject gets the same string object in every
 * step: detectors' Maps then find it by its cached hash and by identity, instead of flattening
 * and hashing a new `kind:value` string for every summary (the volumetric table lookup alone was
 * ~6 % of bench:detect's profile). Direct-mapped (a collision replaces the older entry; the
 * strings are equal either way, only sharing is lost), fixed size, allocated on first use.
 */
export class SubjectStrings {
  private values: (string | number | undefined)[] = [];
  private strings: SubjectKey[] = [];

  constructor(private readonly bits: number) {}

  subject(kind: SummaryKind, value: string | number, hash: number): SubjectKey {
    if (this.strings.length === 0) {
      this.values = new Array(1 << this.bits).fill(undefined);
      this.strings = new Array(1 << this.bits).fill('');
    }
    const i = hash & ((1 << this.bits) - 1);
    if (this.values[i] === value) return this.strings[i] as SubjectKey;
    const subject = `${kind}:${value}` as SubjectKey;
    this.values[i] = value;
    this.strings[i] = subject;
    return subject;
  }
}

export class OpenSummaries<K extends string | number> {
  /** Open summaries in the order they were opened (what a Map's iteration gave). */
  readonly order: Summary[] = [];
  readonly subjects: SubjectStrings;
  private keys: (K | undefined)[] = new Array(INITIAL_CELLS);
  private values: (Summary | undefined)[] = new Array(INITIAL_CELLS);
  private hashes = new Int32Array(INITIAL_CELLS);
  /** A cell is live when its generation equals `generation`. */
  private generations = new Int32Array(INITIAL_CELLS);
  private generation = 1;
  private mask = INITIAL_CELLS - 1;
  /** The cell of each summary of `order`. */
  private cells = new Int32Array(INITIAL_CELLS / 2);

  /** `subjectBits`: log2 of the subject strings kept for reuse (see SubjectStrings). */
  constructor(subjectBits: number) {
    this.subjects = new SubjectStrings(subjectBits);
  }

  get size(): number {
    return this.order.length;
  }

  /** The open summary of `key` (whose hash is `hash`), or undefined. */
  get(key: K, hash: number): Summary | undefined {
    const generations = this.generations;
    const generation = this.generation;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      if (generations[i] !== generation) return undefined;
      if (this.hashes[i] === (hash | 0)) {
        const k = this.keys[i] as K;
        if (k === key || (k !== k && key !== key)) return this.values[i];
      }
    }
  }

  /** Adds a summary for a `key` that has none (see `get`). */
  add(key: K, hash: number, summary: Summary): void {
    if (2 * (this.order.length + 1) > this.mask + 1) this.grow();
    const n = this.order.length;
    if (n === this.cells.length) {
      const cells = new Int32Array(2 * n);
      cells.set(this.cells);
      this.cells = cells;
    }
    this.cells[n] = this.place(key, hash | 0, summary);
    this.order.push(summary);
  }

  /**
   * Forgets every open summary (the caller took `order`'s contents first). Their cells let go of
   * the keys and summaries (a dead cell is never read, but would keep them from the GC).
   */
  clear(): void {
    const cells = this.cells;
    for (let i = 0; i < this.order.length; i++) {
      const cell = cells[i]!;
      this.keys[cell] = undefined;
      this.values[cell] = undefined;
    }
    this.order.length = 0;
    this.generation += 1;
    if (this.mask + 1 > KEPT_CELLS) this.reset();
  }

  private reset(): void {
    this.keys = new Array(INITIAL_CELLS);
    this.values = new Array(INITIAL_CELLS);
    this.hashes = new Int32Array(INITIAL_CELLS);
    this.generations = new Int32Array(INITIAL_CELLS);
    this.mask = INITIAL_CELLS - 1;
    this.cells = new Int32Array(INITIAL_CELLS / 2);
  }

  /** Puts an entry in the first free cell of its probe sequence; returns the cell. */
  private place(key: K, hash: number, summary: Summary): number {
    const mask = this.mask;
    let i = hash & mask;
    while (this.generations[i] === this.generation) i = (i + 1) & mask;
    this.generations[i] = this.generation;
    this.hashes[i] = hash;
    this.keys[i] = key;
    this.values[i] = summary;
    return i;
  }

  private grow(): void {
    const { keys, values, hashes } = this;
    const size = 2 * (this.mask + 1);
    this.keys = new Array(size);
    this.values = new Array(size);
    this.hashes = new Int32Array(size);
    this.generations = new Int32Array(size);
    this.mask = size - 1;
    // Re-placed in opening order, so `cells` follows `order` again.
    const cells = this.cells;
    for (let k = 0; k < this.order.length; k++) {
      const i = cells[k]!;
      cells[k] = this.place(keys[i] as K, hashes[i]!, values[i] as Summary);
    }
  }
}
