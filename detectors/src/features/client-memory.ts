/**
 * ClientMemory: which client addresses sent a request recently, which of them browsed (loaded
 * a page's assets, as a browser rendering pages does), and which are in a session (called
 * several of the site's routes), in fixed memory whatever arrives.
 *
 * Two questions the detectors ask of a request and cannot answer from one subject's window:
 * - "is this address new?" A flood or a stuffing run from a residential proxy pool uses each
 *   address for a few requests; real visitors mostly come back within minutes, and during an
 *   attack on a route, an address whose first request is that route is the pool's signature.
 * - "has this address browsed?" An address that loaded assets is (or shares a NAT with) a browser
 *   rendering pages; a failed login or a cart request from it follows a human session.
 * - "is this address in a session?" A person's client calls several of the site's routes: the
 *   app launches (its config), views products and their recommendations, sends its events; a
 *   page view pulls the page, its assets and its XHRs. A tool reading one endpoint down a list
 *   (a price scraper on `/api/products/<id>`, a flood, a stuffing run on the login API) calls
 *   one or two, however many times it returns. So "came back" is no session; "called
 *   `SESSION_ROUTES` distinct routes within the horizon" is (see RouteSets).
 *
 * Both are RotatingBlooms over event time (sketch/rotating-bloom.ts): an answer is about the last
 * `horizon_ms` to 2 × `horizon_ms`, false positives (~1 % at capacity, more under a spray beyond
 * it) make a new address look known, never the reverse, so callers treat "known" as the absence
 * of evidence, never as evidence against a client. Events are partitioned by IP, so every
 * instance holds the complete history of its addresses. Cold start: for the first horizon every
 * address is new; detectors must not read `new_client` alone as evidence.
 *
 * Sessions are kept per address in a direct-mapped table (RouteSets): a collision replaces the
 * older address, which then starts its route count again. That loses human evidence for a few
 * requests (an address makes its next calls and is in a session again), never makes a tool's
 * address look like a session, except when two addresses' routes meet in one slot (both counted
 * as one: more evidence, the side that spares).
 */
import type { ClientMemoryConfig } from './config.js';
import { RotatingBloom } from '../sketch/rotating-bloom.js';

export class ClientMemory {
  private readonly seen: RotatingBloom;
  private readonly browsed: RotatingBloom;
  private readonly sessions: RouteSets;
  /** Answers about the event last observed. */
  newClient = false;
  knownBrowser = false;
  inSession = false;

  constructor(config: ClientMemoryConfig) {
    this.seen = new RotatingBloom(config.capacity, config.horizon_ms);
    this.browsed = new RotatingBloom(config.capacity, config.horizon_ms);
    this.sessions = new RouteSets(config.capacity, config.horizon_ms);
  }

  /**
   * Answers for a request (`newClient`, `knownBrowser`: what was known before it; `inSession`:
   * with it), then remembers it. `browsing`: the request is one a browser makes while rendering a
   * page (an asset); `route_hash`: its route's hash (RouteNames).
   */
  observe(ip_hash: number, at_ms: number, browsing: boolean, route_hash: number): void {
    this.seen.advance(at_ms);
    this.browsed.advance(at_ms);
    this.newClient = !this.seen.has(ip_hash);
    this.knownBrowser = this.browsed.has(ip_hash);
    this.seen.add(ip_hash, at_ms);
    if (browsing) this.browsed.add(ip_hash, at_ms);
    this.inSession = this.sessions.observe(ip_hash, at_ms, route_hash) >= SESSION_ROUTES;
  }

  stateSize(): { keys: number; bytes: number } {
    return { keys: this.seen.load + this.browsed.load + this.sessions.load, bytes: this.seen.bytes + this.browsed.bytes + this.sessions.bytes };
  }
}

/**
 * Distinct routes that make a session: more than a tool reading one endpoint (and its search)
 * calls, fewer than any client of a person calls in its first view (the app: config, product,
 * recommendations, events; a browser: the page, its assets, an XHR).
 */
export const SESSION_ROUTES = 3;

/**
 * Per address, the distinct routes it called (counted to `SESSION_ROUTES`) while it kept calling
 * within `horizon_ms` of its previous request. One typed array sized once (`capacity` / 2 slots
 * rounded up to a power of two, 16 bytes each), in buckets of four on one cache line: an address
 * is looked up in its bucket, and a new one takes an empty slot or the one seen longest ago. No
 * allocation per event.
 *
 * Forgetting must spare, never accuse: an address whose live entry was taken by another (its
 * bucket full of addresses seen within the horizon) is remembered in a small Bloom filter, and
 * when it comes back it starts in a session, since its history is unknown. (A plain direct-mapped
 * table let two addresses sharing a slot reset each other on every request: both looked
 * sessionless for good. World 14 of the many-worlds report: 138 app users' calls challenged.)
 */
export class RouteSets {
  /** Slots holding an address (for the state size). */
  load = 0;
  /** Live entries taken by another address (since creation). */
  evictions = 0;
  readonly bytes: number;
  private readonly bucketMask: number;
  private readonly horizon_s: number;
  /**
   * Per slot four words, a bucket's four slots on one 64-byte line: the address's hash, its first
   * and second routes' hashes, and `(seconds since the table's first event) << 2 | routes`
   * (routes 0 = empty slot … 3 = a session).
   */
  private readonly slots: Uint32Array;
  /** Event time (seconds) the stamps count from; set at the first event. */
  private epoch = -1;
  private readonly forgotten: RotatingBloom;

  constructor(capacity: number, horizon_ms: number) {
    let slots = 1_024;
    while (slots < capacity / 2) slots *= 2;
    this.bucketMask = slots / BUCKET - 1;
    this.horizon_s = Math.ceil(horizon_ms / 1_000);
    this.slots = new Uint32Array(slots * WORDS);
    this.forgotten = new RotatingBloom(Math.max(1_000, Math.ceil(capacity / 16)), horizon_ms);
    this.bytes = this.slots.byteLength + this.forgotten.bytes;
  }

  /** Records a call of `route_hash` by `ip_hash` at `at_ms`; returns the address's distinct routes so far (at most SESSION_ROUTES). */
  observe(ip_hash: number, at_ms: number, route_hash: number): number {
    let mixed = Math.imul(ip_hash ^ (ip_hash >>> 16), 0x85ebca6b);
    mixed ^= mixed >>> 13;
    const base = (mixed & this.bucketMask) * BUCKET * WORDS;
    const key = ip_hash >>> 0;
    if (this.epoch < 0) this.epoch = Math.floor(at_ms / 1_000);
    // Seconds since the epoch, clamped to what 30 bits hold (events before the epoch count as at it).
    const seconds = Math.min(MAX_SECONDS, Math.max(0, Math.floor(at_ms / 1_000) - this.epoch));
    const slots = this.slots;
    let at = -1;
    let victim = base;
    for (let i = base; i < base + BUCKET * WORDS; i += WORDS) {
      const stamp = slots[i + STAMP]!;
      if ((stamp & 3) === 0) {
        if ((slots[victim + STAMP]! & 3) !== 0) victim = i;
        continue;
      }
      if (slots[i] === key) {
        at = i;
        break;
      }
      const victimStamp = slots[victim + STAMP]!;
      if ((victimStamp & 3) !== 0 && stamp >>> 2 < victimStamp >>> 2) victim = i;
    }
    const route = route_hash >>> 0;
    if (at === -1 || seconds - (slots[at + STAMP]! >>> 2) > this.horizon_s) {
      if (at === -1) {
        at = victim;
        const stamp = slots[at + STAMP]!;
        this.forgotten.advance(at_ms);
        if ((stamp & 3) === 0) this.load += 1;
        else if (seconds - (stamp >>> 2) <= this.horizon_s) {
          this.evictions += 1;
          this.forgotten.add(slots[at]!, at_ms);
        }
      }
      const start = this.forgotten.has(key) ? SESSION_ROUTES : 1;
      slots[at] = key;
      slots[at + FIRST] = route;
      slots[at + STAMP] = ((seconds << 2) | start) >>> 0;
      return start;
    }
    const stamp = slots[at + STAMP]!;
    const count = stamp & 3;
    const last = stamp >>> 2;
    const when = seconds > last ? seconds : last;
    let next = count;
    if (count < SESSION_ROUTES && route !== slots[at + FIRST]) {
      if (count === 1) {
        slots[at + SECOND] = route;
        next = 2;
      } else if (route !== slots[at + SECOND]) next = SESSION_ROUTES;
    }
    slots[at + STAMP] = ((when << 2) | next) >>> 0;
    return next;
  }
}

/** Words per slot of RouteSets, and their offsets. */
const WORDS = 4;
const FIRST = 1;
const SECOND = 2;
const STAMP = 3;
/** Largest stamp second (30 bits: 34 years after the table's first event). */
const MAX_SECONDS = 2 ** 30 - 1;
/** Slots per bucket of RouteSets. */
const BUCKET = 4;
