/**
 * ClientMemory: which client addresses sent a request recently, and which of them browsed (loaded
 * a page's assets, as a browser rendering pages does), in fixed memory whatever arrives.
 *
 * Two questions the detectors ask of a request and cannot answer from one subject's window:
 * - "is this address new?" A flood or a stuffing run from a residential proxy pool uses each
 *   address for a few requests; real visitors mostly come back within minutes, and during an
 *   attack on a route, an address whose first request is that route is the pool's signature.
 * - "has this address browsed?" An address that loaded assets is (or shares a NAT with) a browser
 *   rendering pages; a failed login or a cart request from it follows a human session.
 *
 * Both are RotatingBlooms over event time (sketch/rotating-bloom.ts): an answer is about the last
 * `horizon_ms` to 2 × `horizon_ms`, false positives (~1 % at capacity, more under a spray beyond
 * it) make a new address look known, never the reverse, so callers treat "known" as the absence
 * of evidence, never as evidence against a client. Events are partitioned by IP, so every
 * instance holds the complete history of its addresses. Cold start: for the first horizon every
 * address is new; detectors must not read `new_client` alone as evidence.
 */
import type { ClientMemoryConfig } from './config.js';
import { RotatingBloom } from '../sketch/rotating-bloom.js';

export class ClientMemory {
  private readonly seen: RotatingBloom;
  private readonly browsed: RotatingBloom;
  /** Answers about the event last observed. */
  newClient = false;
  knownBrowser = false;

  constructor(config: ClientMemoryConfig) {
    this.seen = new RotatingBloom(config.capacity, config.horizon_ms);
    this.browsed = new RotatingBloom(config.capacity, config.horizon_ms);
  }

  /**
   * Answers for a request (`newClient`, `knownBrowser`: what was known before it), then
   * remembers it. `browsing`: the request is one a browser makes while rendering a page (an asset).
   */
  observe(ip_hash: number, at_ms: number, browsing: boolean): void {
    this.seen.advance(at_ms);
    this.browsed.advance(at_ms);
    this.newClient = !this.seen.has(ip_hash);
    this.knownBrowser = this.browsed.has(ip_hash);
    this.seen.add(ip_hash, at_ms);
    if (browsing) this.browsed.add(ip_hash, at_ms);
  }

  stateSize(): { keys: number; bytes: number } {
    return { keys: this.seen.load + this.browsed.load, bytes: this.seen.bytes + this.browsed.bytes };
  }
}
