/**
 * Traffic context: which routes are spiking and which hosts' origins are under load, in event
 * time, so every event's features say "this request went to a spiking route" and "the origin
 * was loaded". Detectors then judge populations inside a spike (l7-flood) and the bot bucket
 * under load (load-bucket) from per-subject counts, with no cross-subject lookups.
 *
 * Per route (host + path group): requests per step; a RobustBaseline of completed steps (fed only
 * while not spiking, and winsorized, so a flood does not become the new normal). A route spikes
 * the moment its requests over the trailing step exceed T = max(spike_min_requests, spike_factor
 * × baseline.upper(3)), or its requests over the trailing half step exceed T / 2 — mid-step, so
 * the first flood second is flagged as it happens — and stays flagged for spike_hold_ms after the
 * last spiking request. The trailing windows are built from quarter-step counts (the oldest
 * quarter weighted by the part of it still in reach): a flood that starts late in a step, or
 * ramps up over a second, is judged on its last second and half second, not on whichever
 * fraction of it fell in the current step. Measured (`node` on the compiled test streams, 4
 * phases against the steps, Poisson traffic, the flood ramping to full rate over 1 s): a 5×
 * spike on a 200/s route is flagged 1.15–1.36 s after it starts (the current step's count
 * alone: 1.9–2.5 s, and one phase of four not within 10 s); on 1,000/s 1.09–1.18 s (was
 * 1.46–2.10 s); 30× on 50/s 0.35–0.39 s (was 0.55–0.81 s). The factor is unchanged: a 5× spike
 * on a 20/s route stays under 4 × upper(3) (≈ 6.1× its level) and is not flagged.
 *
 * Cold routes. A baseline is trusted after `baseline_warmup_steps`. Once the context itself has
 * seen that many steps (it is warm), a route it has never seen (or forgot: least recently seen
 * evicted) had no traffic: until its own baseline is ready it is judged against a quiet prior
 * (level 0, deviation 1), so a flood on a route nobody used (a forgotten API endpoint, an
 * unlinked page) spikes at once instead of becoming its own baseline. While the prior stands in,
 * every step is fed to the baseline, spiking or not, so a new route that is simply popular
 * learns its level within the warm-up (30 s) and stops spiking. Before the context is warm
 * (the first `baseline_warmup_steps` of the process) nothing spikes: nothing is known yet.
 *
 * Per host: the origin's mean response time and 5xx share per step against a baseline of the
 * mean; loaded as soon as the running step exceeds the bounds (with ≥ 20 responses), held for
 * load_hold_ms.
 *
 * Partitioned by IP, each instance sees an even share of every route, so ratios against its own
 * baseline mean the same on every instance; `spike_min_requests` is per instance.
 * Bounded: at most max_routes routes and as many hosts, least recently seen evicted.
 */
import type { RequestEvent } from '@botsieve/core';
import { BoundedMap, RobustBaseline } from '../sketch/index.js';
import type { TrafficContextConfig } from './config.js';

/** Steps of silence fed to a baseline as zeros at most (a route idle for an hour is not 3,600 updates). */
const MAX_GAP_STEPS = 10;

/** Sub-steps of a step the trailing windows are built from. */
const QUARTERS = 4;

class RouteRate {
  step = -1;
  count = 0;
  /** Requests per quarter step, newest first: [0] the current quarter, [QUARTERS] one full step back. */
  readonly quarters = new Int32Array(QUARTERS + 1);
  /** The current quarter (event time / quarter length). */
  quarter = Number.NEGATIVE_INFINITY;
  spikingUntil = Number.NEGATIVE_INFINITY;
  constructor(
    readonly baseline: RobustBaseline,
    /** First seen once the context was warm: judged against a quiet prior until its baseline is ready. */
    readonly quietPrior: boolean,
  ) {}
}

class OriginLoad {
  step = -1;
  responses = 0;
  latencySum = 0;
  errors = 0;
  loadedUntil = Number.NEGATIVE_INFINITY;
  constructor(readonly baseline: RobustBaseline) {}
}

export interface TrafficFlags {
  route_spiking: boolean;
  origin_loaded: boolean;
}

export class TrafficContext {
  private readonly routes: BoundedMap<string, RouteRate>;
  private readonly origins: BoundedMap<string, OriginLoad>;
  /** Reused result object: read it before the next call. */
  private readonly flags: TrafficFlags = { route_spiking: false, origin_loaded: false };
  /** First step the context saw (its own warm-up is measured from it). */
  private firstStep = Number.NEGATIVE_INFINITY;

  constructor(private readonly config: TrafficContextConfig) {
    this.routes = new BoundedMap(config.max_routes);
    this.origins = new BoundedMap(Math.max(16, Math.ceil(config.max_routes / 10)));
  }

  observe(event: RequestEvent, route: string): TrafficFlags {
    const ts = event.timestamp_ms;
    const step = Math.floor(ts / this.config.step_ms);
    if (this.firstStep === Number.NEGATIVE_INFINITY) this.firstStep = step;
    this.flags.route_spiking = this.observeRoute(route, step, ts);
    this.flags.origin_loaded = this.observeOrigin(event, step, ts);
    return this.flags;
  }

  /** Routes currently flagged as spiking at event time `ts` (tests, metrics). */
  spikingRoutes(ts: number): string[] {
    return [...this.routes.entries()].filter(([, rate]) => ts < rate.spikingUntil).map(([route]) => route);
  }

  stateSize(): { keys: number; bytes: number } {
    const keys = this.routes.size + this.origins.size;
    // ~160 bytes per entry, and a route's quarter counts (an Int32Array of 5: ~100 bytes with its header).
    return { keys, bytes: keys * 160 + this.routes.size * 100 };
  }

  private newBaseline(): RobustBaseline {
    return new RobustBaseline({ alpha: this.config.baseline_alpha, warmup: this.config.baseline_warmup_steps, min_deviation: 1 });
  }

  private observeRoute(route: string, step: number, ts: number): boolean {
    const config = this.config;
    let rate = this.routes.get(route);
    if (rate === undefined) {
      rate = new RouteRate(this.newBaseline(), step - this.firstStep >= config.baseline_warmup_steps);
      rate.step = step;
      this.routes.set(route, rate);
    }
    const { baseline } = rate;
    if (step > rate.step) {
      // Close the finished step (and feed up to MAX_GAP_STEPS idle steps) unless it was a spike;
      // under the quiet prior every step is fed, so a popular new route learns its level.
      if (ts >= rate.spikingUntil || (rate.quietPrior && !baseline.ready)) baseline.observe(rate.count);
      const gap = Math.min(step - rate.step - 1, MAX_GAP_STEPS);
      for (let i = 0; i < gap; i++) baseline.observe(0);
      rate.step = step;
      rate.count = 0;
    }
    rate.count += 1;
    const quarterMs = config.step_ms / QUARTERS;
    const quarter = Math.floor(ts / quarterMs);
    const q = rate.quarters;
    if (quarter > rate.quarter) {
      const shift = Math.min(quarter - rate.quarter, QUARTERS + 1);
      q.copyWithin(shift, 0, QUARTERS + 1 - shift);
      q.fill(0, 0, shift);
      rate.quarter = quarter;
    }
    q[0] = (q[0] as number) + 1;
    const steps = (q[0] as number) + (q[1] as number) + (q[2] as number) + (q[3] as number) + (q[4] as number);
    if (steps <= config.spike_min_requests) return ts < rate.spikingUntil;
    let upper: number;
    if (baseline.ready) upper = baseline.upper(3);
    else if (rate.quietPrior) upper = 3;
    else return ts < rate.spikingUntil;
    // Requests over the trailing step and the trailing half step, each counting the part of its
    // oldest quarter still within reach of `ts`; the half step is judged at twice its count.
    const left = Math.min(1, Math.max(0, 1 - (ts - rate.quarter * quarterMs) / quarterMs));
    const half = (q[0] as number) + (q[1] as number) + (q[2] as number) * left;
    const full = half + (q[2] as number) * (1 - left) + (q[3] as number) + (q[4] as number) * left;
    const threshold = config.spike_factor * upper;
    const min = config.spike_min_requests;
    if ((full > min && full > threshold) || (2 * half > min && 2 * half > threshold)) rate.spikingUntil = ts + config.spike_hold_ms;
    return ts < rate.spikingUntil;
  }

  private observeOrigin(event: RequestEvent, step: number, ts: number): boolean {
    let load = this.origins.get(event.host);
    if (load === undefined) {
      load = new OriginLoad(this.newBaseline());
      load.step = step;
      this.origins.set(event.host, load);
    }
    if (step > load.step) {
      if (load.responses > 0 && ts >= load.loadedUntil) load.baseline.observe(load.latencySum / load.responses);
      load.step = step;
      load.responses = 0;
      load.latencySum = 0;
      load.errors = 0;
    }
    if (event.origin_status > 0 || event.origin_duration_ms > 0) {
      load.responses += 1;
      load.latencySum += event.origin_duration_ms;
      if (event.origin_status >= 500 || event.status >= 500) load.errors += 1;
      if (load.responses >= 20 && this.loaded(load)) load.loadedUntil = ts + this.config.load_hold_ms;
    }
    return ts < load.loadedUntil;
  }

  private loaded(load: OriginLoad): boolean {
    if (load.errors / load.responses >= this.config.origin_error_share) return true;
    if (!load.baseline.ready) return false;
    const mean = load.latencySum / load.responses;
    return mean >= this.config.origin_latency_min_ms && mean > this.config.origin_latency_factor * load.baseline.level;
  }
}
