/**
 * Traffic context: which routes are spiking and which hosts' origins are under load, in event
 * time, so every event's features say "this request went to a spiking route" and "the origin
 * was loaded". Detectors then judge populations inside a spike (l7-flood) and the bot bucket
 * under load (load-bucket) from per-subject counts, with no cross-subject lookups.
 *
 * Per route (host + path group): requests per step; a RobustBaseline of completed steps (fed only
 * while not spiking, and winsorized, so a flood does not become the new normal). A route spikes
 * the moment its count in the current step exceeds max(spike_min_requests, spike_factor ×
 * baseline.upper(3)) — mid-step, so the first flood second is flagged as it happens — and stays
 * flagged for spike_hold_ms after the last spiking step.
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

class RouteRate {
  step = -1;
  count = 0;
  spikingUntil = Number.NEGATIVE_INFINITY;
  constructor(readonly baseline: RobustBaseline) {}
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

  constructor(private readonly config: TrafficContextConfig) {
    this.routes = new BoundedMap(config.max_routes);
    this.origins = new BoundedMap(Math.max(16, Math.ceil(config.max_routes / 10)));
  }

  observe(event: RequestEvent, route: string): TrafficFlags {
    const ts = event.timestamp_ms;
    const step = Math.floor(ts / this.config.step_ms);
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
    return { keys, bytes: keys * 160 };
  }

  private newBaseline(): RobustBaseline {
    return new RobustBaseline({ alpha: this.config.baseline_alpha, warmup: this.config.baseline_warmup_steps, min_deviation: 1 });
  }

  private observeRoute(route: string, step: number, ts: number): boolean {
    let rate = this.routes.get(route);
    if (rate === undefined) {
      rate = new RouteRate(this.newBaseline());
      rate.step = step;
      this.routes.set(route, rate);
    }
    if (step > rate.step) {
      // Close the finished step (and feed up to MAX_GAP_STEPS idle steps) unless it was a spike.
      if (ts >= rate.spikingUntil) rate.baseline.observe(rate.count);
      const gap = Math.min(step - rate.step - 1, MAX_GAP_STEPS);
      for (let i = 0; i < gap; i++) rate.baseline.observe(0);
      rate.step = step;
      rate.count = 0;
    }
    rate.count += 1;
    const { baseline } = rate;
    if (baseline.ready && rate.count > this.config.spike_min_requests && rate.count > this.config.spike_factor * baseline.upper(3)) {
      rate.spikingUntil = ts + this.config.spike_hold_ms;
    }
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
