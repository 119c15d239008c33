/**
 * The origin behind the edge: how long it takes and whether it fails, given its load.
 *
 * Load is measured, not scripted: every request that reaches the origin (dynamic pages, API
 * calls, cache misses) is counted in a one-second sliding window of simulation time, and
 * utilisation u = that rate / capacity. Below ~60% the origin answers in its idle time
 * (lognormal around `base_latency_ms`); towards saturation queueing stretches it, and past
 * capacity it sheds load. So a flood slows the origin and produces 5xx for everyone on the host,
 * humans and crawlers included, exactly while it lasts; a hard crawl alone does not.
 *
 * Shape, in numbers (base 50 ms): u = 0.5 → ~50 ms; u = 1 → ~130 ms; u = 2 → ~1.2 s;
 * u = 30 → ~2.3 s median with 83% of requests failing (503 mostly, some 502/504), which is what
 * an overloaded PHP/Node pool behind a CDN looks like in Logpush during an attack.
 */
import type { Random } from './random.js';

export interface OriginResponse {
  /** EdgeResponseStatus. */
  status: number;
  /** OriginResponseStatus. */
  origin_status: number;
  /** OriginResponseDurationMs. */
  duration_ms: number;
}

/** Baseline failure rate of a healthy origin: deploys, a slow query, a restarted worker. */
const IDLE_ERROR_SHARE = 0.0005;
const BUCKET_MS = 100;
const BUCKETS = 10;

export class Origin {
  private readonly buckets = new Float64Array(BUCKETS);
  private newest = Number.NEGATIVE_INFINITY;
  private inWindow = 0;

  constructor(
    private readonly baseLatencyMs: number,
    private readonly capacityRps: number,
    private readonly random: Random,
  ) {}

  /** Origin demand over the last second divided by capacity. */
  utilisation(): number {
    return this.inWindow / this.capacityRps;
  }

  /**
   * One request reaching the origin at simulation time `now` (non-decreasing), whose healthy
   * answer would be `status`.
   */
  serve(now: number, status: number): OriginResponse {
    this.count(now);
    const u = this.utilisation();
    const random = this.random;
    let factor = 1;
    if (u >= 1) factor = 2.6 + 45 * (1 - 1 / u);
    else if (u > 0.6) factor = 1 + 10 * (u - 0.6) ** 2;
    const errorShare = u > 0.9 ? Math.min(0.9, IDLE_ERROR_SHARE + 0.85 * (1 - 0.9 / u)) : IDLE_ERROR_SHARE;
    if (random.chance(errorShare)) {
      const kind = random.float();
      // 504: the origin's own proxy gave up after its 10 s upstream timeout.
      if (kind < 0.2) return { status: 504, origin_status: 504, duration_ms: 10_000 + random.int(0, 40) };
      const duration = Math.round(random.lognormal(this.baseLatencyMs * Math.min(factor, 4), 0.6));
      if (kind < 0.35) return { status: 502, origin_status: 502, duration_ms: duration };
      return { status: 503, origin_status: 503, duration_ms: duration };
    }
    return { status, origin_status: status, duration_ms: Math.max(1, Math.round(random.lognormal(this.baseLatencyMs * factor, 0.45))) };
  }

  private count(now: number): void {
    const bucket = Math.floor(now / BUCKET_MS);
    if (bucket > this.newest) {
      if (bucket - this.newest >= BUCKETS) {
        this.buckets.fill(0);
        this.inWindow = 0;
      } else {
        for (let b = this.newest + 1; b <= bucket; b++) {
          this.inWindow -= this.buckets[b % BUCKETS] as number;
          this.buckets[b % BUCKETS] = 0;
        }
      }
      this.newest = bucket;
    }
    this.buckets[this.newest % BUCKETS] = (this.buckets[this.newest % BUCKETS] as number) + 1;
    this.inWindow += 1;
  }
}
