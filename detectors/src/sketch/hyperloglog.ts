/**
 * HyperLogLog distinct counter (Flajolet et al. 2007, with Ertl's 2017 estimator) over 32-bit
 * hashes, with an exact sparse mode for the small sets that dominate: most instances count 1–3
 * values (one per subject per step), so an empty or tiny sketch must cost next to nothing.
 *
 * Three representations, always exactly one in use:
 * - inline: up to 3 distinct hashes in the fields `h0..h2`, as int32, which V8 stores in the
 *   object as small integers (Node's builds use 32-bit Smis: no pointer compression), so no
 *   boxing and no typed array. Measured on Node 20 while choosing: ~80 bytes per instance
 *   holding one value against 281 with a `Uint32Array(4)`, and create + 3 adds in 38 ns
 *   against 193 ns. `npm run bench:sketch` prints the current figure beside a one-value `Set`.
 * - sparse: a sorted `Uint32Array` of distinct hashes (binary search, insertion by
 *   `copyWithin`), grown by doubling up to 2^p / 4 entries, i.e. at most 2^p bytes.
 * - dense: `Uint8Array(2^p)` registers; the index is the top p bits of the hash, the rank is the
 *   position of the first 1 bit in the other 32 − p bits.
 * While inline or sparse, `estimate()` is the exact number of distinct hashes.
 *
 * Memory bound: 2^p bytes of data plus ~200 bytes of object and typed-array headers, in every
 * mode (256 bytes of registers at the default p = 8); ~80 bytes in all while inline.
 *
 * Mergeable and canonical: the sparse list is kept sorted and dense registers are a max, so the
 * sketch of A ∪ B, and the merge of A's and B's sketches in any order, have the same `toJSON()`
 * (rollups from several instances merge to the same wire form as one instance seeing it all).
 */

import { estimateFromRegisters } from './hyperloglog-estimator.js';
import { addToRegisters, unionSize } from './hyperloglog-registers.js';

const EMPTY = new Uint32Array(0);
const INLINE = 3;
const MIN_PRECISION = 4;
const MAX_PRECISION = 16;
const FORMAT = /^([sd])(\d{1,2}):([A-Za-z0-9+/]*={0,2})$/;

export class HyperLogLog {
  readonly precision: number;
  /** Distinct hashes held while inline or sparse; 0 when dense. */
  private count = 0;
  private h0 = 0;
  private h1 = 0;
  private h2 = 0;
  /** Sorted ascending, first `count` entries used; EMPTY while inline or dense. */
  private sparse: Uint32Array = EMPTY;
  private registers: Uint8Array | null = null;

  /** `precision` p: 2^p registers once dense, standard error ≈ 1.04 / √(2^p). */
  constructor(precision = 8) {
    if (!Number.isInteger(precision) || precision < MIN_PRECISION || precision > MAX_PRECISION) {
      throw new RangeError(`HyperLogLog precision must be an integer in [${MIN_PRECISION}, ${MAX_PRECISION}], got ${precision}`);
    }
    this.precision = precision;
  }

  /** Adds a 32-bit hash (uint32 or int32 alike). No allocation unless the representation grows. */
  add(hash: number): void {
    const registers = this.registers;
    if (registers !== null) {
      this.addToRegisters(registers, hash);
      return;
    }
    if (this.sparse !== EMPTY) {
      this.addSparse(hash >>> 0);
      return;
    }
    const h = hash | 0;
    const count = this.count;
    if ((count > 0 && this.h0 === h) || (count > 1 && this.h1 === h) || (count > 2 && this.h2 === h)) return;
    if (count === 0) this.h0 = h;
    else if (count === 1) this.h1 = h;
    else if (count === 2) this.h2 = h;
    else {
      this.spill(hash >>> 0);
      return;
    }
    this.count = count + 1;
  }

  /** Adds every value of `other` into this sketch (a union). */
  merge(other: HyperLogLog): void {
    if (other.precision !== this.precision) {
      throw new RangeError(`cannot merge HyperLogLog of precision ${other.precision} into ${this.precision}`);
    }
    if (other === this) return;
    const theirs = other.registers;
    if (theirs !== null) {
      const mine = this.registers ?? this.toDense();
      for (let i = 0; i < mine.length; i++) {
        const rank = theirs[i]!;
        if (rank > mine[i]!) mine[i] = rank;
      }
      return;
    }
    if (other.sparse === EMPTY) {
      const count = other.count;
      if (count > 0) this.add(other.h0);
      if (count > 1) this.add(other.h1);
      if (count > 2) this.add(other.h2);
      return;
    }
    if (this.registers === null && this.sparse !== EMPTY) this.mergeSorted(other.sparse, other.count);
    else for (let i = 0; i < other.count; i++) this.add(other.sparse[i]!);
  }

  /** Exact distinct count while sparse; once dense, see `hyperloglog-estimator.ts`. */
  estimate(): number {
    return this.registers === null ? this.count : estimateFromRegisters(this.registers, this.precision);
  }

  clone(): HyperLogLog {
    const copy = new HyperLogLog(this.precision);
    copy.count = this.count;
    copy.h0 = this.h0;
    copy.h1 = this.h1;
    copy.h2 = this.h2;
    copy.sparse = this.sparse === EMPTY ? EMPTY : this.sparse.slice(0, this.count);
    copy.registers = this.registers === null ? null : this.registers.slice();
    return copy;
  }

  /** Empties the sketch and releases its arrays. */
  clear(): void {
    this.count = 0;
    this.h0 = this.h1 = this.h2 = 0;
    this.sparse = EMPTY;
    this.registers = null;
  }

  /**
   * Approximate bytes held: 80 for the object, plus ~100 of headers and the data for each typed
   * array (V8 on 64-bit without pointer compression, measured with `process.memoryUsage()`).
   */
  bytes(): number {
    let bytes = 80;
    if (this.sparse !== EMPTY) bytes += 100 + this.sparse.byteLength;
    if (this.registers !== null) bytes += 100 + this.registers.byteLength;
    return bytes;
  }

  /** `s<p>:<base64 of sorted uint32 LE hashes>` while sparse, `d<p>:<base64 of registers>` once dense. */
  toJSON(): string {
    const registers = this.registers;
    if (registers !== null) {
      return `d${this.precision}:${Buffer.from(registers.buffer, registers.byteOffset, registers.byteLength).toString('base64')}`;
    }
    const hashes = this.sortedHashes();
    const buffer = Buffer.allocUnsafe(hashes.length * 4);
    for (let i = 0; i < hashes.length; i++) buffer.writeUInt32LE(hashes[i]!, i * 4);
    return `s${this.precision}:${buffer.toString('base64')}`;
  }

  /** Parses `toJSON()` output; RangeError unless it is exactly a form `toJSON()` can produce. */
  static fromJSON(text: string): HyperLogLog {
    const match = typeof text === 'string' ? FORMAT.exec(text) : null;
    if (match === null) throw new RangeError('not a HyperLogLog: expected s<p>:<base64> or d<p>:<base64>');
    const [, mode, digits, body] = match as unknown as [string, string, string, string];
    const precision = Number(digits);
    if (String(precision) !== digits || precision < MIN_PRECISION || precision > MAX_PRECISION) {
      throw new RangeError(`HyperLogLog precision must be in [${MIN_PRECISION}, ${MAX_PRECISION}], got ${digits}`);
    }
    const bytes = Buffer.from(body, 'base64');
    if (bytes.toString('base64') !== body) throw new RangeError('HyperLogLog body is not canonical base64');
    const hll = new HyperLogLog(precision);
    if (mode === 'd') {
      const m = 1 << precision;
      if (bytes.length !== m) throw new RangeError(`dense HyperLogLog of precision ${precision} needs ${m} registers, got ${bytes.length}`);
      const maxRank = 33 - precision;
      for (let i = 0; i < m; i++) {
        if (bytes[i]! > maxRank) throw new RangeError(`HyperLogLog register ${i} holds ${bytes[i]}, above the maximum rank ${maxRank}`);
      }
      hll.registers = new Uint8Array(bytes);
      return hll;
    }
    const count = bytes.length / 4;
    if (!Number.isInteger(count) || count > hll.sparseLimit()) {
      throw new RangeError(`sparse HyperLogLog of precision ${precision} holds whole uint32 values, at most ${hll.sparseLimit()}`);
    }
    const hashes = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      hashes[i] = bytes.readUInt32LE(i * 4);
      if (i > 0 && hashes[i]! <= hashes[i - 1]!) throw new RangeError('sparse HyperLogLog hashes must be strictly ascending');
    }
    if (count <= INLINE) for (let i = 0; i < count; i++) hll.add(hashes[i]!);
    else {
      hll.sparse = hashes;
      hll.count = count;
    }
    return hll;
  }

  private sparseLimit(): number {
    return 1 << (this.precision - 2);
  }

  private addToRegisters(registers: Uint8Array, hash: number): void {
    addToRegisters(registers, this.precision, hash);
  }

  /** The 4th distinct hash: inline → sparse (the sparse limit is at least 4, at p = 4). */
  private spill(hash: number): void {
    const sparse = new Uint32Array(Math.min(8, this.sparseLimit()));
    this.copyHashes(sparse); // the three inline hashes, ascending (no subarray view to sort)
    this.h0 = this.h1 = this.h2 = 0;
    this.sparse = sparse;
    this.addSparse(hash);
  }

  private addSparse(hash: number): void {
    const sparse = this.sparse;
    const count = this.count;
    let low = 0;
    let high = count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (sparse[mid]! < hash) low = mid + 1;
      else high = mid;
    }
    if (low < count && sparse[low] === hash) return;
    if (count === this.sparseLimit()) {
      this.addToRegisters(this.toDense(), hash);
      return;
    }
    let target = sparse;
    if (count === sparse.length) {
      target = new Uint32Array(Math.min(count * 2, this.sparseLimit()));
      target.set(sparse);
      this.sparse = target;
    }
    // Shift the tail by hand: copyWithin's call costs more than moving the few entries a small
    // sparse list holds (spill and addSparse were ~8 % of the summary builder's profile).
    for (let i = count; i > low; i--) target[i] = target[i - 1]!;
    target[low] = hash;
    this.count = count + 1;
  }

  /**
   * Union of two sorted lists (adding one by one would shift the array each time): counted
   * first, then merged from the end into this list when it has the room (no new array: merging
   * summaries into a window's sketch allocated one per merge, 9 % of scraping's profile), else
   * into a new one of up to 2^p bytes.
   */
  private mergeSorted(theirs: Uint32Array, theirCount: number): void {
    const mine = this.sparse;
    const myCount = this.count;
    const n = unionSize(mine, myCount, theirs, theirCount);
    if (n === myCount) return;
    const limit = this.sparseLimit();
    if (n > limit) {
      const registers = new Uint8Array(1 << this.precision);
      for (let k = 0; k < myCount; k++) this.addToRegisters(registers, mine[k]!);
      for (let k = 0; k < theirCount; k++) this.addToRegisters(registers, theirs[k]!);
      this.count = 0;
      this.sparse = EMPTY;
      this.registers = registers;
      return;
    }
    let target = mine;
    if (mine.length < n) {
      target = new Uint32Array(Math.min(myCount + theirCount, limit));
      target.set(mine.subarray(0, myCount));
    }
    // From the end: every write lands at or after the entries of `target` still to be read.
    let i = myCount - 1;
    let k = n - 1;
    for (let j = theirCount - 1; j >= 0; ) {
      const b = theirs[j]!;
      const a = i >= 0 ? target[i]! : -1;
      if (a > b) target[k--] = target[i--]!;
      else {
        target[k--] = b;
        if (a === b) i--;
        j--;
      }
    }
    this.sparse = target;
    this.count = n;
  }

  /** The registers while dense, else null (read only: for the sketch package's union estimate). */
  registersOrNull(): Uint8Array | null {
    return this.registers;
  }

  /** While inline or sparse: writes the distinct hashes, ascending, into `into` and returns how many (0 when dense). */
  copyHashes(into: Uint32Array): number {
    if (this.registers !== null) return 0;
    if (this.sparse !== EMPTY) {
      for (let i = 0; i < this.count; i++) into[i] = this.sparse[i]!;
      return this.count;
    }
    const n = this.count;
    const x = this.h0 >>> 0;
    const y = this.h1 >>> 0;
    if (n > 0) into[0] = x;
    if (n > 1) {
      into[0] = x < y ? x : y;
      into[1] = x < y ? y : x;
    }
    if (n > 2) {
      const z = this.h2 >>> 0;
      const low = into[0]!;
      const high = into[1]!;
      into[0] = z < low ? z : low;
      into[1] = z < low ? low : z < high ? z : high;
      into[2] = z < high ? high : z;
    }
    return n;
  }

  /** Switches to registers, folding in the hashes held so far. */
  private toDense(): Uint8Array {
    const hashes = this.sortedHashes();
    const registers = new Uint8Array(1 << this.precision);
    for (let i = 0; i < hashes.length; i++) this.addToRegisters(registers, hashes[i]!);
    this.count = 0;
    this.h0 = this.h1 = this.h2 = 0;
    this.sparse = EMPTY;
    this.registers = registers;
    return registers;
  }

  /** The distinct hashes held while inline or sparse, ascending, as uint32 (a copy or a view). */
  private sortedHashes(): Uint32Array {
    if (this.sparse !== EMPTY) return this.sparse.subarray(0, this.count);
    const hashes = new Uint32Array(this.count);
    this.copyHashes(hashes);
    return hashes;
  }
}

