/**
 * Route names (routeOf) without building a string per event: the route of an event is hashed
 * while its path is scanned, looked up in a direct-mapped cache of route strings, and checked
 * character by character against the cached one; only a miss builds it (routeOf) and caches it.
 * Sites have few routes, so nearly every event gets the cached string: no concatenations, no
 * flattening when the traffic context hashes it, and one string object per route, so the
 * summaries' top-route votes and volumetric's route notes compare routes by identity.
 * Building the route was ~160 of the ~1,080 bytes the engine allocated per event (sampled
 * allocation profile, bench:detect traffic).
 *
 * Exact: a cached string is returned only when it equals what routeOf would build. Segments with
 * non-ASCII characters (whose lower case may change length) always go through routeOf.
 */
import { idLike, routeOf } from './route.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SLASH = 47;
const CACHE_BITS = 12;

export class RouteNames {
  private readonly cache: (string | undefined)[] = new Array(1 << CACHE_BITS).fill(undefined);
  /** The host each cached route was built with (its route starts with it). */
  private readonly hosts: string[] = new Array(1 << CACHE_BITS).fill('');
  private hostName = '';
  private hostHash = FNV_OFFSET;
  /** Hash of the route `of` last returned (FNV-1a over its host and segments). */
  hash = 0;

  constructor(private readonly depth: number) {}

  /** `routeOf(host, path, depth)`, the cached string when there is one. */
  of(host: string, path: string): string {
    let h = host === this.hostName ? this.hostHash : this.hashHost(host);
    const depth = this.depth;
    const length = path.length;
    let start = path.charCodeAt(0) === SLASH ? 1 : 0;
    let segments = 0;
    while (start < length && segments < depth) {
      let end = path.indexOf('/', start);
      if (end === -1) end = length;
      if (end > start) {
        h = Math.imul(h ^ SLASH, FNV_PRIME);
        if (idLike(path, start, end)) {
          h = Math.imul(h ^ 58, FNV_PRIME); // ':id'
          h = Math.imul(h ^ 105, FNV_PRIME);
          h = Math.imul(h ^ 100, FNV_PRIME);
        } else {
          for (let i = start; i < end; i++) {
            let c = path.charCodeAt(i);
            if (c >= 128) return this.uncached(host, path);
            if (c >= 65 && c <= 90) c += 32;
            h = Math.imul(h ^ c, FNV_PRIME);
          }
        }
        segments += 1;
      }
      start = end + 1;
    }
    if (segments === 0) h = Math.imul(h ^ SLASH, FNV_PRIME);
    this.hash = h >>> 0;
    const index = (h ^ (h >>> 15)) & ((1 << CACHE_BITS) - 1);
    const cached = this.cache[index];
    if (cached !== undefined && this.same(cached, this.hosts[index] === host, host, path)) return cached;
    const route = flat(routeOf(host, path, depth));
    this.cache[index] = route;
    this.hosts[index] = host;
    return route;
  }

  /** A route with non-ASCII segments: built every time, hashed whole. */
  private uncached(host: string, path: string): string {
    const route = routeOf(host, path, this.depth);
    let h = FNV_OFFSET;
    for (let i = 0; i < route.length; i++) h = Math.imul(h ^ route.charCodeAt(i), FNV_PRIME);
    this.hash = h >>> 0;
    return route;
  }

  private hashHost(host: string): number {
    let h = FNV_OFFSET;
    for (let i = 0; i < host.length; i++) h = Math.imul(h ^ host.charCodeAt(i), FNV_PRIME);
    this.hostName = host;
    this.hostHash = h;
    return h;
  }

  /**
   * Whether `route` is exactly routeOf(host, path) (whose segments are ASCII: `of` checked);
   * `sameHost`: it was built with this host (one string comparison instead of a character loop).
   */
  private same(route: string, sameHost: boolean, host: string, path: string): boolean {
    const hostLength = host.length;
    if (!sameHost) {
      if (route.length < hostLength) return false;
      for (let i = 0; i < hostLength; i++) if (route.charCodeAt(i) !== host.charCodeAt(i)) return false;
    }
    let at = hostLength;
    const length = path.length;
    let start = path.charCodeAt(0) === SLASH ? 1 : 0;
    let segments = 0;
    while (start < length && segments < this.depth) {
      let end = path.indexOf('/', start);
      if (end === -1) end = length;
      if (end > start) {
        if (route.charCodeAt(at) !== SLASH) return false;
        at += 1;
        if (idLike(path, start, end)) {
          if (route.charCodeAt(at) !== 58 || route.charCodeAt(at + 1) !== 105 || route.charCodeAt(at + 2) !== 100) return false; // ':id'
          at += 3;
        } else {
          for (let i = start; i < end; i++, at++) {
            let c = path.charCodeAt(i);
            if (c >= 65 && c <= 90) c += 32;
            if (route.charCodeAt(at) !== c) return false;
          }
        }
        segments += 1;
      }
      start = end + 1;
    }
    if (segments === 0) {
      if (route.charCodeAt(at) !== SLASH) return false;
      at += 1;
    }
    return at === route.length;
  }
}

/**
 * A flat copy of a string built by concatenation (a rope, whose characters V8 reaches through
 * an extra object): cached routes are read character by character on every event.
 */
function flat(text: string): string {
  if (text.length > 1_024) return text;
  const codes: number[] = new Array(text.length);
  for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
  return String.fromCharCode.apply(null, codes);
}
