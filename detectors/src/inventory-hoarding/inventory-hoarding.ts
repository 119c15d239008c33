/**
 * `inventory-hoarding`: sneaker bots at a limited release. Tasks poll the product, then at the
 * release fire add-to-cart every 100–400 ms until one goes through, order at once, and start
 * again with the next account, rotating residential proxies every few requests and often wearing
 * an exact copy of the app's or a browser's fingerprint, the one the real buyers have. So the
 * identity says nothing; what differs is the behaviour of one client on one address:
 *
 * - burst: a person adds the product once (a retry when the shop answers 5xx), opens the
 *   checkout and orders: one to three cart requests, seconds to a minute apart. A task sends
 *   ≥ `min_carts` non-5xx cart/checkout requests (classify.cart_paths) within `window_ms` (4 in
 *   5 s) from an address that came cold, or ≥ `min_carts_browsed` (6) from one that browsed
 *   before → `block` (score 5). 5xx answers are not counted (people retry them); 409s are (a
 *   task keeps hammering a sold-out product; a person leaves).
 * - cold_cart: a cart request that is the address's first within the client memory's horizon
 *   (`new_client`: nothing from it for 10–20 minutes, so no product view, no page, no app launch)
 *   while such cold cart requests come from ≥ `rush_min_addresses` addresses within
 *   `rush_window_ms` (5 in 10 s) → `challenge` (score 22, 5-minute TTL hint). A task rotating its
 *   proxy lands on each new address with a cart request; a person views the product first, from
 *   the same address, so people make no rush of them. The exception, a phone that changed
 *   address between the product page and the cart button while a fleet is at work, is
 *   challenged once. Cold start: the client memory knows nobody for its first horizon, so no
 *   address counts as cold before the detector has watched `cold_cart.warmup_ms` (2 minutes) of
 *   event time (people who viewed the product just before a start would look cold at the cart;
 *   the burst rule then needs `min_carts_browsed`). Between that and the memory's horizon, a
 *   buyer whose product view came more than the uptime before the cart can still look cold.
 *
 * - fleet: `min_addresses` (3) addresses of one ASN caught by the rules above within
 *   `window_ms` (60 s) → `challenge` on `asn:<n>` (score 20, 2-minute TTL hint, renewed while
 *   addresses keep being caught). A task fleet rotates through a proxy pool's addresses faster
 *   than any per-address rule can follow (each address is caught after its own burst began);
 *   its network, where no customer is, can be acted on from the next address's first request.
 *   Fusion's collateral guard caps it at `log` where people are seen on that network (the real
 *   buyers on the shop's own ISPs), so this acts only on pools that carry nobody else.
 *
 * One client: an address whose tracked requests show a second user agent is shared (a carrier NAT
 * exit or an office with several buyers) and is not judged: its cart requests are many people's.
 * Fusion's collateral guard also caps any verdict on an address where several people's clients
 * were seen at once. Residential proxies on the shop's own customers' NAT exits are therefore
 * out of reach here (acting on them would block the buyers behind them); tasks that use an
 * address for fewer requests than the rules need are too, unless cold_cart covers them (it acts
 * at the address's first request, covering the rest). Population verdicts on their networks are
 * the collateral guard's call: proxy pools abroad carry no customers.
 *
 * Real traffic assumed: carts are a tiny share of a shop's requests (state is kept only for
 * addresses that sent one); people browse before they buy, from the address they buy from; the
 * cart and checkout paths are configured (classify.cart_paths).
 *
 * State: one CartTrail per address that sent a cart request, in a BoundedMap (LRU,
 * `max_tracked_ips`), forgotten after `idle_ms`; other addresses cost one map lookup per
 * request. Event time only, no timers. Per address a new signal only when the action escalates
 * or after `cooldown_ms`.
 */
import type { ComponentMetrics, RequestEvent, SubjectKey, VerdictAction } from '@botsieve/core';
import type { EngineDetectorFactory, EventDetector, HostedDetectorContext, StateSize } from '../engine/detector.js';
import type { EventFeatures } from '../engine/features.js';
import { NO_SIGNALS, type Signal } from '../engine/signal.js';
import { BoundedMap } from '../sketch/index.js';
import { inventoryHoardingLookbackMs, parseInventoryHoardingConfig, type InventoryHoardingConfig } from './config.js';
import { INVENTORY_HOARDING_DISCARD } from './metrics.js';

export const INVENTORY_HOARDING = 'inventory-hoarding';

/** A trail with its ring of 8 cart times, its map entry and key. */
const TRAIL_BYTES = 260;
/** A fleet with its ring of caught times, its map entry and key. */
const FLEET_BYTES = 150;
const RANK: Record<VerdictAction, number> = { log: 1, challenge: 2, block: 3 };

/** One address that sent a cart request. One object shape. */
class CartTrail {
  /** Times of its last non-5xx cart requests (a ring). */
  readonly carts: Float64Array;
  next = 0;
  filled = 0;
  /** Its first cart request was its first request within the client memory's horizon. */
  readonly cold: boolean;
  readonly uaHash: number;
  /** A second user agent came from it: several people. */
  shared = false;
  /** Requests seen since its first cart request, and those of them that were not cart requests. */
  requests = 0;
  browsing = 0;
  lastMs: number;
  signalMs = Number.NEGATIVE_INFINITY;
  signalRank = 0;
  /** Counted towards its network's fleet (once per address). */
  counted = false;

  constructor(ring: number, cold: boolean, uaHash: number, at: number) {
    this.carts = new Float64Array(ring);
    this.cold = cold;
    this.uaHash = uaHash;
    this.lastMs = at;
  }

  push(at: number): void {
    this.carts[this.next] = at;
    this.next = (this.next + 1) % this.carts.length;
    if (this.filled < this.carts.length) this.filled += 1;
  }

  /** Cart requests within `window_ms` ending at `at`. */
  within(at: number, window_ms: number): number {
    let n = 0;
    for (let i = 0; i < this.filled; i++) if (at - (this.carts[i] as number) < window_ms) n += 1;
    return n;
  }
}

export class InventoryHoardingDetector implements EventDetector<InventoryHoardingConfig> {
  readonly id: string;
  readonly input = 'events' as const;
  private config!: InventoryHoardingConfig;
  private trails: BoundedMap<string, CartTrail>;
  private ring = 0;
  /** Times of the latest cold cart requests (each an address's first), all addresses. */
  private rush = new Rush(5, 10_000);
  private readonly metrics: ComponentMetrics;
  private reportedEvictions = 0;
  private readonly names: { burst: string; cold_cart: string; fleet: string };
  /** Networks with an address caught recently (only those). */
  private fleets: BoundedMap<number, Fleet>;
  private watermark = Number.NEGATIVE_INFINITY;
  /** Event time of the first request seen: coldness means nothing before cold_cart.warmup_ms of watching. */
  private firstMs = Number.NaN;
  private readonly idle = (trail: CartTrail): boolean => this.watermark - trail.lastMs >= this.config.idle_ms;
  private readonly stale = (fleet: Fleet): boolean => this.watermark - fleet.lastMs >= this.config.fleet.window_ms;

  constructor(config: InventoryHoardingConfig, context: HostedDetectorContext) {
    this.id = context.id ?? INVENTORY_HOARDING;
    this.metrics = context.metrics;
    this.names = { burst: `${this.id}/burst`, cold_cart: `${this.id}/cold_cart`, fleet: `${this.id}/fleet` };
    this.trails = new BoundedMap(config.max_tracked_ips);
    this.fleets = new BoundedMap(config.fleet.max_networks);
    this.apply(config);
    context.logger.debug({ detector: this.id }, 'inventory-hoarding ready');
  }

  process(event: RequestEvent, features: EventFeatures): Signal[] {
    if (features.verified || features.safelisted || event.ip === '') return NO_SIGNALS;
    const ts = event.timestamp_ms;
    if (!(ts >= this.firstMs)) this.firstMs = ts; // the first event (NaN before it), or an earlier one
    let trail = this.trails.getHashed(event.ip, features.ip_hash);
    if (trail === undefined) {
      if (!features.cart) return NO_SIGNALS;
      const cold = features.new_client && ts - this.firstMs >= this.config.cold_cart.warmup_ms;
      trail = new CartTrail(this.ring, cold, features.ua_hash, ts);
      this.trails.set(event.ip, trail);
    }
    if (ts > trail.lastMs) trail.lastMs = ts;
    trail.requests += 1;
    if (features.ua_hash !== trail.uaHash) trail.shared = true;
    if (!features.cart) {
      trail.browsing += 1;
      return NO_SIGNALS;
    }
    if (trail.shared || features.server_error) return NO_SIGNALS;
    trail.push(ts);
    const config = this.config;
    let out: Signal[] | null = null;
    if (config.cold_cart.enabled && trail.cold && trail.requests === 1 && this.rush.add(ts) >= config.cold_cart.rush_min_addresses) {
      out = this.signal(trail, event, 'cold_cart', 1, out);
    }
    if (config.burst.enabled) {
      const carts = trail.within(ts, config.burst.window_ms);
      if (carts >= (trail.cold ? config.burst.min_carts : config.burst.min_carts_browsed)) out = this.signal(trail, event, 'burst', carts, out);
    }
    if (out !== null && config.fleet.enabled && event.asn > 0 && !trail.counted) {
      trail.counted = true;
      out = this.caught(event, out);
    }
    return out ?? NO_SIGNALS;
  }

  /** An address of `event.asn` was just signalled: counts it towards its network's fleet. */
  private caught(event: RequestEvent, out: Signal[]): Signal[] {
    const rule = this.config.fleet;
    const ts = event.timestamp_ms;
    let fleet = this.fleets.get(event.asn);
    if (fleet === undefined) {
      fleet = new Fleet(rule.min_addresses);
      this.fleets.set(event.asn, fleet);
    }
    const addresses = fleet.add(ts, rule.window_ms);
    if (addresses < rule.min_addresses) return out;
    const renewAfter = rule.ttl_ms === null ? this.config.cooldown_ms : rule.ttl_ms / 2;
    if (ts - fleet.signalMs < renewAfter) return out;
    fleet.signalMs = ts;
    const signal: Signal = {
      subject: `asn:${event.asn}` as SubjectKey,
      at: ts,
      detector: this.names.fleet,
      score: rule.score,
      action: rule.action,
      evidence: { addresses, window_ms: rule.window_ms },
    };
    if (rule.ttl_ms !== null) signal.ttl_ms = rule.ttl_ms;
    out.push(signal);
    return out;
  }

  flush(watermark_ms: number): Signal[] {
    this.watermark = watermark_ms;
    this.trails.sweepOldest(this.idle);
    this.fleets.sweepOldest(this.stale);
    const evicted = this.trails.evictions - this.reportedEvictions;
    if (evicted > 0) {
      this.metrics.discarded(INVENTORY_HOARDING_DISCARD.stateEvicted, evicted);
      this.reportedEvictions = this.trails.evictions;
    }
    return NO_SIGNALS;
  }

  stateSize(): StateSize {
    return { keys: this.trails.size + this.fleets.size, bytes: this.trails.size * TRAIL_BYTES + this.fleets.size * FLEET_BYTES };
  }

  /** Addresses tracked (tests, debugging). */
  trackedAddresses(): number {
    return this.trails.size;
  }

  /** New thresholds apply at once; a new ring size (the count thresholds) or cap restarts the state. */
  reconfigure(next: InventoryHoardingConfig): void {
    const ring = ringSize(next);
    if (ring !== this.ring || next.max_tracked_ips !== this.config.max_tracked_ips) {
      this.trails = new BoundedMap(next.max_tracked_ips);
      this.reportedEvictions = 0;
    }
    if (next.fleet.min_addresses !== this.config.fleet.min_addresses || next.fleet.max_networks !== this.config.fleet.max_networks) this.fleets = new BoundedMap(next.fleet.max_networks);
    this.apply(next);
  }

  private apply(config: InventoryHoardingConfig): void {
    this.config = config;
    this.ring = ringSize(config);
    if (this.rush.size !== config.cold_cart.rush_min_addresses || this.rush.window_ms !== config.cold_cart.rush_window_ms) this.rush = new Rush(config.cold_cart.rush_min_addresses, config.cold_cart.rush_window_ms);
  }

  private signal(trail: CartTrail, event: RequestEvent, rule: 'burst' | 'cold_cart', carts: number, out: Signal[] | null): Signal[] | null {
    const outcome = this.config[rule];
    const rank = RANK[outcome.action];
    const ts = event.timestamp_ms;
    if (rank <= trail.signalRank && ts - trail.signalMs < this.config.cooldown_ms) return out;
    trail.signalRank = rank;
    trail.signalMs = ts;
    const signal: Signal = {
      subject: `ip:${event.ip}` as SubjectKey,
      at: ts,
      detector: this.names[rule],
      score: outcome.score,
      action: outcome.action,
      evidence: {
        carts,
        window_ms: this.config.burst.window_ms,
        cold: trail.cold ? 1 : 0,
        requests: trail.requests,
        browsing: trail.browsing,
      },
    };
    if (outcome.ttl_ms !== null) signal.ttl_ms = outcome.ttl_ms;
    if (out === null) return [signal];
    out.push(signal);
    return out;
  }
}

/** One network's addresses caught lately: the times of the last `min_addresses` of them. */
class Fleet {
  private readonly times: Float64Array;
  private next = 0;
  signalMs = Number.NEGATIVE_INFINITY;
  lastMs = Number.NEGATIVE_INFINITY;

  constructor(size: number) {
    this.times = new Float64Array(size).fill(Number.NEGATIVE_INFINITY);
  }

  /** Records one caught address at `at`; returns how many of the last ones are within `window_ms`. */
  add(at: number, window_ms: number): number {
    this.times[this.next] = at;
    this.next = (this.next + 1) % this.times.length;
    if (at > this.lastMs) this.lastMs = at;
    let n = 0;
    for (let i = 0; i < this.times.length; i++) if (at - (this.times[i] as number) < window_ms) n += 1;
    return n;
  }
}

/** The last `size` cold cart times of every address: how many fall within `window_ms` of the newest. */
class Rush {
  private readonly times: Float64Array;
  private next = 0;

  constructor(
    readonly size: number,
    readonly window_ms: number,
  ) {
    this.times = new Float64Array(size).fill(Number.NEGATIVE_INFINITY);
  }

  /** Records one cold cart request at `at`; returns how many of the last `size` are within the window. */
  add(at: number): number {
    this.times[this.next] = at;
    this.next = (this.next + 1) % this.size;
    let n = 0;
    for (let i = 0; i < this.size; i++) if (at - (this.times[i] as number) < this.window_ms) n += 1;
    return n;
  }
}

function ringSize(config: InventoryHoardingConfig): number {
  return Math.max(config.burst.min_carts, config.burst.min_carts_browsed);
}

export const inventoryHoarding: EngineDetectorFactory<InventoryHoardingConfig> = {
  parseConfig: parseInventoryHoardingConfig,
  create(config: InventoryHoardingConfig, context: HostedDetectorContext): InventoryHoardingDetector {
    return new InventoryHoardingDetector(config, context);
  },
  lookbackMs: inventoryHoardingLookbackMs,
};
