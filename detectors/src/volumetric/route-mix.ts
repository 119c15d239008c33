/**
 * How many different routes one subject's traffic is spread over, per slot, over roughly one
 * window: the distinct main routes (`top_route`) of its summaries. A scraper, a flood or a
 * hoarding bot hammers one or two routes from its address; the people behind a carrier NAT exit
 * or an office address (the app's config, home, product, recommendations, search, cart, the
 * analytics beacon; pages and their assets) change main route from one step to the next. It is
 * what tells many humans sharing one user agent (every Android phone of the app says
 * `okhttp/4.12.0`) from one client, where distinct user agents cannot.
 *
 * A 32-bit linear-counting bitmap per slot and tumbling epochs (`epoch_ms`, about a minute: a
 * busy NAT exit's main route is the analytics beacon most seconds, the rest shows over tens of
 * seconds), as EpochDistinct does for sketches: the estimate is the larger of the current and the
 * previous epoch's, so it covers one to two epochs. Exact enough up to ~20 routes (the rule asks for a handful). Per
 * summary: one string comparison with the slot's last route; a hash only when it changed.
 * Memory: 27 bytes and one reference per slot.
 */
import { hash32 } from '../sketch/index.js';

const BITS = 32;

export class RouteMix {
  private epochs = new Float64Array(0);
  private current = new Uint32Array(0);
  private previous = new Uint8Array(0);
  private lastBit = new Uint32Array(0);
  private lastRoute: (string | undefined)[] = [];
  /** Steps seen in the current epoch (a step counts once), and the last one. */
  private steps = new Uint16Array(0);
  private lastStep = new Float64Array(0);

  constructor(private readonly epoch_ms: number) {}

  /** Notes the main route of one summary of `slot` (step start `step_ms`). */
  add(slot: number, step_ms: number, route: string): void {
    if (route === '') return;
    if (slot >= this.epochs.length) this.grow(slot);
    const epoch = Math.floor(step_ms / this.epoch_ms);
    const current = this.epochs[slot]!;
    if (epoch > current) {
      this.previous[slot] = epoch === current + 1 ? popcount(this.current[slot]!) : 0;
      this.epochs[slot] = epoch;
      this.current[slot] = 0;
      this.steps[slot] = 0;
    } else if (epoch < current) {
      return;
    }
    if (this.lastStep[slot] !== step_ms) {
      this.lastStep[slot] = step_ms;
      if (this.steps[slot]! < 65_535) this.steps[slot] = this.steps[slot]! + 1;
    }
    let bit = this.lastBit[slot]!;
    if (this.lastRoute[slot] !== route) {
      bit = (1 << (hash32(route) & (BITS - 1))) >>> 0;
      this.lastRoute[slot] = route;
      this.lastBit[slot] = bit;
    }
    this.current[slot] = (this.current[slot]! | bit) >>> 0;
  }

  /** Distinct main routes of the current or the previous epoch, whichever is larger (linear counting). */
  estimate(slot: number): number {
    if (slot >= this.epochs.length) return 0;
    const set = Math.max(popcount(this.current[slot]!), this.previous[slot]!);
    if (set >= BITS) return 2 * BITS;
    return Math.round(-BITS * Math.log(1 - set / BITS));
  }

  /**
   * Whether the slot's traffic spreads over `minRoutes` main routes, or, while it has been seen
   * for fewer steps than that (a fresh start, a new address), changed main route at (nearly)
   * every step so far: at least 2 and at least the steps seen.
   */
  diverse(slot: number, minRoutes: number): boolean {
    if (slot >= this.epochs.length) return false;
    const routes = this.estimate(slot);
    if (routes >= minRoutes) return true;
    if (this.previous[slot]! > 0) return false;
    return routes >= 2 && routes >= this.steps[slot]!;
  }

  /** Forgets a slot (released by its table). */
  release(slot: number): void {
    if (slot >= this.epochs.length) return;
    this.epochs[slot] = Number.NEGATIVE_INFINITY;
    this.current[slot] = 0;
    this.previous[slot] = 0;
    this.lastBit[slot] = 0;
    this.lastRoute[slot] = undefined;
    this.steps[slot] = 0;
    this.lastStep[slot] = 0;
  }

  bytes(): number {
    return this.epochs.length * 27 + this.lastRoute.length * 8;
  }

  private grow(slot: number): void {
    const size = Math.max(1_024, this.epochs.length * 2, slot + 1);
    const epochs = new Float64Array(size).fill(Number.NEGATIVE_INFINITY);
    epochs.set(this.epochs);
    const current = new Uint32Array(size);
    current.set(this.current);
    const previous = new Uint8Array(size);
    previous.set(this.previous);
    const lastBit = new Uint32Array(size);
    lastBit.set(this.lastBit);
    const steps = new Uint16Array(size);
    steps.set(this.steps);
    const lastStep = new Float64Array(size);
    lastStep.set(this.lastStep);
    this.steps = steps;
    this.lastStep = lastStep;
    this.epochs = epochs;
    this.current = current;
    this.previous = previous;
    this.lastBit = lastBit;
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
