/**
 * One address's state for `address-bursts`: a request counter, the decayed counts and recent user
 * agents of the rotation rule, and one small ring per windowed rule, allocated at the address's
 * first event that rule counts (most addresses never get a 4xx burst, a 401 or a login).
 *
 * One object shape (every field set in the constructor). Sizes: ~260 bytes for an address with
 * one user agent; the user-agent ring (`remembered_user_agents` × [hash, last seen], 16 by
 * default: ~360 bytes) is allocated when a second one shows up; each rule's ring is `3 × min_errors`, `2 × min_unauthorized`, `3 × min_attempts` numbers.
 */

/** Fixed part: object header and ~20 fields, the map entry and the key. */
const FIXED_BYTES = 260;
/** A Float64Array's own overhead besides its numbers. */
const ARRAY_BYTES = 100;

/** `count` most recent entries of `width` numbers each, the first being an event time. */
export class Ring {
  readonly data: Float64Array;
  next = 0;
  filled = 0;

  constructor(
    readonly size: number,
    readonly width: number,
  ) {
    this.data = new Float64Array(size * width);
  }

  push(a: number, b: number, c = 0, d = 0): void {
    const at = this.next * this.width;
    const data = this.data;
    data[at] = a;
    data[at + 1] = b;
    if (this.width > 2) data[at + 2] = c;
    if (this.width > 3) data[at + 3] = d;
    this.next = (this.next + 1) % this.size;
    if (this.filled < this.size) this.filled += 1;
  }

  bytes(): number {
    return ARRAY_BYTES + this.data.byteLength;
  }
}

export class IpState {
  /** Newest event time seen from the address. */
  lastMs: number;
  /** Requests seen (while tracked): the index that turns a span of ring entries into a request count. */
  requests = 0;
  /** Requests other than login attempts seen (while tracked): a session (pages, assets, app calls). */
  sessionRequests = 0;
  /** The client memory knew the address when it was first tracked here: it had sent something before. */
  readonly history: boolean;
  // ---- ua_rotation: decayed counts at `decayMs`
  decayMs: number;
  decayedRequests = 0;
  decayedNew = 0;
  decayedFollow = 0;
  /** The first user agent's hash and last time (most addresses have one: no ring). */
  firstUa = 0;
  firstUaMs = Number.NEGATIVE_INFINITY;
  /** [hash, last seen] × remembered user agents, once a second user agent shows up. */
  uas: Float64Array | null = null;
  // ---- windowed rules
  errors: Ring | null = null;
  unauthorized: Ring | null = null;
  logins: Ring | null = null;
  /** sessionless_reads: [time, URI hash] of the last `block_reads` reads without a session. */
  reads: Ring | null = null;
  /** The address was seen in a session, or with a second user agent, while tracked: its reads no longer count. */
  readsSpared = false;
  readsRank = 0;
  // ---- cooldowns: event time of each rule's last signal
  errorsSignalMs = Number.NEGATIVE_INFINITY;
  rotationSignalMs = Number.NEGATIVE_INFINITY;
  unauthorizedSignalMs = Number.NEGATIVE_INFINITY;
  loginSignalMs = Number.NEGATIVE_INFINITY;
  readsSignalMs = Number.NEGATIVE_INFINITY;

  constructor(ts: number, history: boolean) {
    this.lastMs = ts;
    this.decayMs = ts;
    this.history = history;
  }

  /**
   * Notes user agent `hash` at `ts`; returns 0 when it is new to the address (not among the last
   * `slots` seen), 2 when it was seen within `followMs` (the same client again), 1 otherwise.
   */
  seeUserAgent(hash: number, ts: number, followMs: number, slots: number): number {
    if (this.uas === null) {
      if (this.firstUaMs === Number.NEGATIVE_INFINITY) {
        this.firstUa = hash;
        this.firstUaMs = ts;
        return 0;
      }
      if (this.firstUa === hash) return this.seen(ts, this.firstUaMs, followMs, -1);
      const uas = new Float64Array(slots * 2).fill(Number.NEGATIVE_INFINITY);
      uas[0] = this.firstUa;
      uas[1] = this.firstUaMs;
      uas[2] = hash;
      uas[3] = ts;
      this.uas = uas;
      return 0;
    }
    const uas = this.uas;
    const size = uas.length >> 1;
    let oldest = 0;
    for (let slot = 0; slot < size; slot++) {
      const at = slot * 2;
      if ((uas[at + 1] as number) === Number.NEGATIVE_INFINITY) {
        oldest = slot;
        break;
      }
      if (uas[at] === hash) return this.seen(ts, uas[at + 1] as number, followMs, at + 1);
      if ((uas[at + 1] as number) < (uas[oldest * 2 + 1] as number)) oldest = slot;
    }
    uas[oldest * 2] = hash;
    uas[oldest * 2 + 1] = ts;
    return 0;
  }

  bytes(): number {
    let bytes = FIXED_BYTES;
    if (this.uas !== null) bytes += ARRAY_BYTES + this.uas.byteLength;
    if (this.errors !== null) bytes += this.errors.bytes();
    if (this.unauthorized !== null) bytes += this.unauthorized.bytes();
    if (this.logins !== null) bytes += this.logins.bytes();
    if (this.reads !== null) bytes += this.reads.bytes();
    return bytes;
  }

  /** A known user agent last seen at `lastMs`: follow or not; its time moves to `ts` (slot −1: the first UA). */
  private seen(ts: number, lastMs: number, followMs: number, slot: number): number {
    const follows = ts - lastMs <= followMs && ts >= lastMs - followMs;
    if (ts > lastMs) {
      if (slot === -1) this.firstUaMs = ts;
      else (this.uas as Float64Array)[slot] = ts;
    }
    return follows ? 2 : 1;
  }
}

/**
 * One address's login attempts for the `sessionless_logins` rule, kept only for addresses that
 * failed a login without a session, for `window_ms` after their last attempt (longer than an
 * IpState, which is forgotten after seconds of silence). ~120 bytes.
 */
export class LoginTrail {
  lastMs: number;
  attempts = 0;
  /** Unsuccessful attempts (refused, 429, 5xx). */
  failures = 0;
  /** Unsuccessful attempts without a session. */
  sessionless = 0;
  /** The route surge counted this address (at its first refused attempt without a session). */
  counted = false;
  /** Rank (2 challenge, 3 block) and event time of the last signal. */
  signalRank = 0;
  signalMs = Number.NEGATIVE_INFINITY;

  constructor(ts: number) {
    this.lastMs = ts;
  }

  /** Starts over when the last attempt is older than `window_ms`. */
  touch(ts: number, window_ms: number): void {
    if (ts - this.lastMs > window_ms) {
      this.attempts = 0;
      this.failures = 0;
      this.sessionless = 0;
      this.signalRank = 0;
    }
    if (ts > this.lastMs) this.lastMs = ts;
  }
}
