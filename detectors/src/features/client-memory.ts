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
 * within `horizon_ms` of its previous request. Typed arrays sized once (`capacity` / 2 slots
 * rounded up to a power of two, 17 bytes each), in buckets of four: an address is looked up in
 * its bucket, and a new one takes an empty slot or the one seen longest ago. No allocation per
 * event.
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
  private readonly keys: Uint32Array;
  private readonly first: Uint32Array;
  private readonly second: Uint32Array;
  private readonly lastSeconds: Uint32Array;
  private readonly counts: Uint8Array;
  private readonly forgotten: RotatingBloom;

  constructor(capacity: number, horizon_ms: number) {
    let slots = 1_024;
    while (slots < capacity / 2) slots *= 2;
    this.bucketMask = slots / BUCKET - 1;
    this.horizon_s = Math.ceil(horizon_ms / 1_000);
    this.keys = new Uint32Array(slots);
    this.first = new Uint32Array(slots);
    this.second = new Uint32Array(slots);
    this.lastSeconds = new Uint32Array(slots);
    this.counts = new Uint8Array(slots);
    this.forgotten = new RotatingBloom(Math.max(1_000, Math.ceil(capacity / 16)), horizon_ms);
    this.bytes = slots * 17 + this.forgotten.bytes;
  }

  /** Records a call of `route_hash` by `ip_hash` at `at_ms`; returns the address's distinct routes so far (at most SESSION_ROUTES). */
  observe(ip_hash: number, at_ms: number, route_hash: number): number {
    let mixed = Math.imul(ip_hash ^ (ip_hash >>> 16), 0x85ebca6b);
    mixed ^= mixed >>> 13;
    const base = (mixed & this.bucketMask) * BUCKET;
    const key = ip_hash >>> 0;
    const seconds = Math.floor(at_ms / 1_000) >>> 0;
    const counts = this.counts;
    const keys = this.keys;
    const last = this.lastSeconds;
    const route = route_hash >>> 0;
    let slot = -1;
    let victim = base;
    for (let i = base; i < base + BUCKET; i++) {
      if (counts[i] === 0) {
        if (counts[victim] !== 0) victim = i;
        continue;
      }
      if (keys[i] === key) {
        slot = i;
        break;
      }
      if (counts[victim] !== 0 && last[i]! < last[victim]!) victim = i;
    }
    if (slot === -1 || seconds - last[slot]! > this.horizon_s) {
      if (slot === -1) {
        slot = victim;
        this.forgotten.advance(at_ms);
        if (counts[slot] === 0) this.load += 1;
        else if (seconds - last[slot]! <= this.horizon_s) {
          this.evictions += 1;
          this.forgotten.add(keys[slot]!, at_ms);
        }
      }
      keys[slot] = key;
      this.first[slot] = route;
      last[slot] = seconds;
      const start = this.forgotten.has(key) ? SESSION_ROUTES : 1;
      counts[slot] = start;
      return start;
    }
    if (seconds > last[slot]!) last[slot] = seconds;
    const count = counts[slot]!;
    if (count >= SESSION_ROUTES || route === this.first[slot]) return count;
    if (count === 1) {
      this.second[slot] = route;
      counts[slot] = 2;
      return 2;
    }
    if (route === this.second[slot]) return 2;
    counts[slot] = SESSION_ROUTES;
    return SESSION_ROUTES;
  }
}

/** Slots per bucket of RouteSets. */
const BUCKET = 4;
