/**
 * Incremental NDJSON line splitting over decoded body chunks, with bounded memory.
 *
 * Lines that lie wholly inside a chunk are handed to the sink as (buffer, start, end) without a
 * copy; only the tail of a chunk (a line continued in the next one) is copied into a carry buffer
 * that never exceeds `maxLineBytes`. A longer line is reported once through `longLine` with its
 * first bytes, then skipped up to its newline without being stored. `\r\n` endings are accepted.
 * The chunk passed to `push` need not outlive the call.
 *
 * Blank lines are skipped here, runs of them byte by byte (a gzip of 256 MiB of newlines once cost
 * seconds of CPU through one call per line), and counted: once they exceed `maxBlankLines` plus the
 * non-blank lines seen, `tooManyBlankLines` is set and the rest of the chunk is not looked at.
 */

export interface LineSink {
  /** One complete line, bytes [start, end) of `buffer`, without its line ending. Valid only during the call. */
  line(buffer: Buffer, start: number, end: number): void;
  /** A line longer than the limit: its first bytes (valid only during the call). It is skipped. */
  longLine(head: Buffer): void;
}

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const INITIAL_CARRY_BYTES = 16 * 1024;

export class LineSplitter {
  private carry: Buffer | null = null;
  private carryLength = 0;
  private skipping = false;
  /** Non-blank lines handed to the sink so far, over-long ones included. */
  lines = 0;
  /** Blank lines skipped so far. */
  blankLines = 0;
  /** Blank lines passed `maxBlankLines` plus `lines`: the caller refuses the body. */
  tooManyBlankLines = false;

  constructor(
    private readonly maxLineBytes: number,
    /** How much of an over-long line `longLine` receives. */
    private readonly headBytes: number,
    private readonly sink: LineSink,
    private readonly maxBlankLines = Number.POSITIVE_INFINITY,
  ) {}

  push(chunk: Buffer): void {
    if (this.tooManyBlankLines) return;
    const length = chunk.length;
    let position = 0;
    if (this.skipping) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) return;
      this.skipping = false;
      position = newline + 1;
    }
    if (this.carryLength > 0) {
      const newline = chunk.indexOf(NEWLINE, position);
      const end = newline === -1 ? length : newline;
      if (this.carryLength + (end - position) > this.maxLineBytes) {
        this.appendCarry(chunk, position, Math.min(end, position + this.headBytes));
        this.overflow(this.carry as Buffer, 0, this.carryLength, newline === -1);
        if (newline === -1) return;
      } else {
        this.appendCarry(chunk, position, end);
        if (newline === -1) return;
        this.emit(this.carry as Buffer, 0, this.carryLength);
      }
      this.carryLength = 0;
      position = newline + 1;
    }
    let newline = chunk.indexOf(NEWLINE, position);
    while (newline !== -1) {
      if (newline === position) {
        // Look no further than one past what may still be blank: a bomb stops right there.
        const stop = Math.min(length, position + (this.maxBlankLines + this.lines - this.blankLines) + 1);
        let run = position + 1;
        while (run < stop && chunk[run] === NEWLINE) run++;
        if (this.blank(run - position)) return;
        position = run;
        newline = chunk.indexOf(NEWLINE, position);
        continue;
      }
      if (newline - position > this.maxLineBytes) this.overflow(chunk, position, newline, false);
      else {
        this.emit(chunk, position, newline);
        if (this.tooManyBlankLines) return;
      }
      position = newline + 1;
      newline = chunk.indexOf(NEWLINE, position);
    }
    if (position < length) {
      if (length - position > this.maxLineBytes) this.overflow(chunk, position, length, true);
      else this.appendCarry(chunk, position, length);
    }
  }

  /** End of body: a last line without a trailing newline still counts. */
  end(): void {
    if (this.carryLength > 0) this.emit(this.carry as Buffer, 0, this.carryLength);
    this.carryLength = 0;
    this.skipping = false;
    this.carry = null;
  }

  private emit(buffer: Buffer, start: number, end: number): void {
    if (end > start && buffer[end - 1] === CARRIAGE_RETURN) end--;
    if (end === start) {
      this.blank(1);
      return;
    }
    this.lines++;
    this.sink.line(buffer, start, end);
  }

  /** Counts blank lines; true (and flagged) once they are too many. */
  private blank(count: number): boolean {
    this.blankLines += count;
    if (this.blankLines <= this.maxBlankLines + this.lines) return false;
    this.tooManyBlankLines = true;
    return true;
  }

  private overflow(buffer: Buffer, start: number, end: number, unfinished: boolean): void {
    this.lines++;
    this.sink.longLine(buffer.subarray(start, Math.min(end, start + this.headBytes)));
    this.carryLength = 0;
    this.skipping = unfinished;
  }

  private appendCarry(chunk: Buffer, start: number, end: number): void {
    const needed = this.carryLength + (end - start);
    let carry = this.carry;
    if (carry === null || carry.length < needed) {
      const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(this.maxLineBytes + this.headBytes, Math.max(INITIAL_CARRY_BYTES, (carry?.length ?? 0) * 2))));
      if (carry !== null) carry.copy(grown, 0, 0, this.carryLength);
      this.carry = carry = grown;
    }
    chunk.copy(carry, this.carryLength, start, end);
    this.carryLength = needed;
  }
}
