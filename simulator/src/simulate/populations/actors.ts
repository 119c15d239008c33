/**
 * Reusable actor shapes: a Poisson process (crawlers, scrapers, floods: independent requests at
 * a rate) and a periodic one (monitors: one check every interval, a little jitter).
 */
import type { Random } from '../random.js';
import type { Actor, World } from '../world.js';

/** Requests per second at a given simulation time (a constant, or a ramp). */
export type Rate = number | ((now: number) => number);

/**
 * Calls `act` at the events of a Poisson process of `rate` per second within [from, to), until
 * `act` returns false.
 * A time-varying rate is sampled at each event, which is exact enough when it changes slowly
 * relative to the gaps (a flood's one-second ramp spans thousands of events).
 */
export class PoissonActor implements Actor {
  next_ms: number;

  constructor(
    from_ms: number,
    private readonly to_ms: number,
    private readonly rate: Rate,
    private readonly random: Random,
    private readonly act: (world: World) => boolean | void,
  ) {
    this.next_ms = from_ms + this.gap(from_ms);
  }

  step(world: World): boolean {
    if (world.now >= this.to_ms || this.act(world) === false) return false;
    this.next_ms = world.now + this.gap(world.now);
    return this.next_ms < this.to_ms;
  }

  private gap(now: number): number {
    const rate = typeof this.rate === 'number' ? this.rate : this.rate(now);
    // A rate of zero (before a ramp starts) still wakes up every 100 ms to look again.
    return rate > 0 ? this.random.exponential(1_000 / rate) : 100;
  }
}

/** Calls `act` every `interval_ms` (± `jitter_ms`) within [from, to). */
export class PeriodicActor implements Actor {
  next_ms: number;

  constructor(
    from_ms: number,
    private readonly to_ms: number,
    private readonly interval_ms: number,
    private readonly jitter_ms: number,
    private readonly random: Random,
    private readonly act: (world: World) => void,
  ) {
    this.next_ms = from_ms;
  }

  step(world: World): boolean {
    this.act(world);
    this.next_ms = world.now + this.interval_ms + this.random.uniform(-this.jitter_ms, this.jitter_ms);
    return this.next_ms < this.to_ms;
  }
}

/** Absolute time of `seconds` after the start of the run. */
export function at(world: World, seconds: number): number {
  return world.scenario.start_ms + seconds * 1_000;
}

/** A flood's timing: from `start_ms` to `end_ms`, ramping to `multiplier` × the normal peak in `ramp_ms`. */
export interface FloodTiming {
  start_ms: number;
  end_ms: number;
  ramp_ms: number;
  multiplier: number;
  /** The normal peak to use when nothing came before the flood. */
  fallback_peak_rps: number;
}

/**
 * Schedules a flood: a Poisson process whose full rate is `multiplier` × the busiest second of
 * all traffic in the minute before `start_ms`, measured when the flood starts (so the jump is
 * that large at any scale), reached linearly within `ramp_ms`. `act` sends one request.
 */
export function scheduleFlood(world: World, random: Random, timing: FloodTiming, act: (world: World) => boolean | void): void {
  const { start_ms: start, end_ms: end, ramp_ms, multiplier, fallback_peak_rps } = timing;
  let peak = multiplier * fallback_peak_rps;
  const rate = (now: number): number => peak * Math.min(1, Math.max(0.02, (now - start) / ramp_ms));
  const flood = new PoissonActor(start, end, rate, random, act);
  world.schedule({
    next_ms: start,
    step(w: World): boolean {
      const normal = w.busiestSecond(start - 60_000, start);
      peak = multiplier * (normal > 0 ? normal : fallback_peak_rps);
      w.schedule(flood);
      return false;
    },
  });
}
