/**
 * LoginSurge: is the login route failing above its own baseline right now? The trigger that lets
 * `address-bursts` (per address, on failures without a session) and `credential-stuffing` (per
 * population) act on thin evidence while a credential-stuffing run is going on, and only then.
 *
 * Input: per event time, login attempts and the failures the caller counts (every failure; or,
 * per address, its first failure without a preceding session, so a lone brute forcer counts
 * once and a proxy pool once per address). Output: `surging(ts)`, with numeric evidence.
 *
 * Model: the baseline is the route's failure *share* (failures / attempts), not a rate, so a busy
 * hour or a traffic spike of real customers (more logins, the same share failing) is no surge,
 * while an attack (attempts that nearly all fail) is. The share is learnt from decayed sums
 * (half-life `baseline_half_life_ms`) started from a prior (`prior_share` worth `prior_attempts`
 * attempts), so the first minutes (cold start) judge against the prior, and each shop's own
 * share takes over as its logins accumulate. A bucket is learnt once it has left the short
 * window. While the route surges (or holds after a surge) a bucket counts only
 * `learn_while_surging` of its weight and does not age what was learnt before: an attack is not
 * learnt as normal (a low-rate campaign of 4 failures a minute beside 20 customers' logins stays a
 * surge for over two hours, until the tenths it learnt make it ordinary), yet a shop whose customers simply fail more than the prior says (a cold start
 * at 30 % against a 15 % prior) learns its own share within the hour instead of surging forever.
 *
 * Surge: in the short window (a sudden run) or the long one (a sustained low-rate campaign), the
 * excess failures over the baseline's expectation, F − p·A, reach both `min_*_excess` and `z`
 * standard deviations of a binomial at the baseline share (sqrt(A·p·(1 − p))). Once on, it
 * holds for `hold_ms` after the condition last held (the tail of a run, its pauses).
 *
 * State: one ring of `long_window_ms / bucket_ms` buckets × 2 numbers and running sums for both
 * windows; O(1) per call except a rotation, which touches the buckets it passes (amortised one
 * per bucket of event time). Event time only; a contribution older than the long window is
 * dropped (counted in `late`).
 */
import { z } from 'zod';
import { round3 } from '../engine/evidence.js';

export interface LoginSurgeDefaults {
  prior_share: number;
  min_short_excess: number;
  min_long_excess: number;
}

/** Schema of one surge trigger; defaults differ by what the caller counts as a failure. */
export function loginSurgeSchema(d: LoginSurgeDefaults) {
  return z
    .strictObject({
      bucket_ms: z.number().int().min(1_000).max(60_000).default(5_000).describe('Bucket of the ring: the granularity of both windows (event time).'),
      /** Sudden run: the excess over this window. */
      short_window_ms: z.number().int().min(5_000).max(600_000).default(60_000).describe('Window of a sudden run (event time).'),
      /** Sustained low-rate campaign: the excess over this window. */
      long_window_ms: z.number().int().min(10_000).max(3_600_000).default(600_000).describe('Window of a sustained low-rate campaign (event time).'),
      min_short_excess: z.number().positive().default(d.min_short_excess).describe("Excess failures over the baseline's expectation needed in the short window."),
      min_long_excess: z.number().positive().default(d.min_long_excess).describe("Excess failures over the baseline's expectation needed in the long window."),
      z: z.number().min(0).max(20).default(4).describe('Standard deviations (binomial at the baseline share) the excess must also reach.'),
      prior_share: z.number().min(0).max(1).default(d.prior_share).describe("Failure share assumed before the route's own is learnt (cold start)."),
      prior_attempts: z.number().positive().max(1_000_000).default(100).describe("Weight of the prior, in login attempts: the route's own share dominates once it has seen more."),
      /** Half-life of the learnt share (decayed sums of attempts and failures). */
      baseline_half_life_ms: z.number().int().min(60_000).max(7 * 86_400_000).default(3_600_000).describe('Half-life of the learnt failure share.'),
      learn_while_surging: z.number().min(0).max(1).default(0.1).describe('Weight of a bucket learnt while the route surges (it then ages nothing learnt before): 0 never learns an attack, 1 learns it like normal traffic.'),
      hold_ms: z.number().int().min(0).max(3_600_000).default(120_000).describe('A surge holds this long after its condition last held (event time).'),
    })
    .refine((c) => c.short_window_ms % c.bucket_ms === 0 && c.long_window_ms % c.bucket_ms === 0, { message: 'both windows must be whole numbers of buckets' })
    .refine((c) => c.short_window_ms <= c.long_window_ms, { message: 'short_window_ms cannot exceed long_window_ms' })
    .prefault({});
}

export type LoginSurgeConfig = z.output<ReturnType<typeof loginSurgeSchema>>;

/** Window sums. */
class Sums {
  attempts = 0;
  failures = 0;
}

const WIDTH = 2;

export class LoginSurge {
  private readonly ring: Float64Array;
  private readonly buckets: number;
  private readonly shortBuckets: number;
  /** Newest bucket index (event time / bucket_ms); −Infinity before the first call. */
  private head = Number.NEGATIVE_INFINITY;
  private readonly short = new Sums();
  private readonly long = new Sums();
  /** Decayed learnt sums and the event time they are decayed to. */
  private learntAttempts = 0;
  private learntFailures = 0;
  private learntAt = 0;
  /** Event time until which the route counts as surging (hold included). */
  private surgeUntil = Number.NEGATIVE_INFINITY;
  /** Contributions older than the long window (dropped). */
  late = 0;

  constructor(private readonly config: LoginSurgeConfig) {
    this.buckets = config.long_window_ms / config.bucket_ms;
    this.shortBuckets = config.short_window_ms / config.bucket_ms;
    this.ring = new Float64Array(this.buckets * WIDTH);
  }

  /** Folds login attempts at `ts`, `failures` of them counted as failed. */
  add(ts: number, attempts: number, failures: number): void {
    const bucket = Math.floor(ts / this.config.bucket_ms);
    if (bucket > this.head) this.rotate(bucket);
    const age = this.head - bucket;
    if (age >= this.buckets) {
      this.late += 1;
      return;
    }
    const at = (bucket % this.buckets) * WIDTH;
    const ring = this.ring;
    ring[at] = (ring[at] as number) + attempts;
    ring[at + 1] = (ring[at + 1] as number) + failures;
    addTo(this.long, attempts, failures);
    if (age < this.shortBuckets) addTo(this.short, attempts, failures);
  }

  /** True while the route fails above its baseline (or within `hold_ms` of it). */
  surging(ts: number): boolean {
    const bucket = Math.floor(ts / this.config.bucket_ms);
    if (bucket > this.head) this.rotate(bucket);
    const c = this.config;
    const share = this.share();
    if (this.over(this.short, share, c.min_short_excess) || this.over(this.long, share, c.min_long_excess)) {
      const until = ts + c.hold_ms;
      if (until > this.surgeUntil) this.surgeUntil = until;
    }
    return ts <= this.surgeUntil;
  }

  /** The learnt failure share, the prior blended in by its weight. */
  share(): number {
    const c = this.config;
    return (this.learntFailures + c.prior_share * c.prior_attempts) / (this.learntAttempts + c.prior_attempts);
  }

  /** Numbers for a signal's evidence (after `surging`). */
  evidence(into: Record<string, number>): void {
    const share = this.share();
    into.route_attempts = this.short.attempts;
    into.route_failures = this.short.failures;
    into.route_excess = round3(this.short.failures - share * this.short.attempts);
    into.route_long_attempts = this.long.attempts;
    into.route_long_failures = this.long.failures;
    into.route_long_excess = round3(this.long.failures - share * this.long.attempts);
    into.route_baseline_share = round3(share);
    into.route_learnt_attempts = round3(this.learntAttempts);
  }

  private over(sums: Sums, share: number, minExcess: number): boolean {
    const c = this.config;
    const excess = sums.failures - share * sums.attempts;
    return excess >= minExcess && excess >= c.z * Math.sqrt(sums.attempts * share * (1 - share));
  }

  /** Moves the head to `bucket`: buckets leaving the short window are learnt (unless surging), those leaving the long one cleared. */
  private rotate(bucket: number): void {
    const ring = this.ring;
    if (this.head === Number.NEGATIVE_INFINITY || bucket - this.head >= this.buckets + this.shortBuckets) {
      // First call, or idle for longer than both windows: whatever is held was learnt or is too old.
      if (this.head !== Number.NEGATIVE_INFINITY) this.learnRange(this.head - this.shortBuckets + 1, this.head);
      ring.fill(0);
      resetSums(this.short);
      resetSums(this.long);
      this.head = bucket;
      return;
    }
    for (let b = this.head + 1; b <= bucket; b++) {
      // b − shortBuckets leaves the short window: learn it; b − buckets leaves the long window (its slot is b's).
      const leaving = b - this.shortBuckets;
      const sat = (((leaving % this.buckets) + this.buckets) % this.buckets) * WIDTH;
      subtractFrom(this.short, ring[sat] as number, ring[sat + 1] as number);
      this.learn(leaving, ring[sat] as number, ring[sat + 1] as number);
      const at = (b % this.buckets) * WIDTH;
      subtractFrom(this.long, ring[at] as number, ring[at + 1] as number);
      ring[at] = 0;
      ring[at + 1] = 0;
    }
    this.head = bucket;
  }

  /** Learns buckets `from`…`to` (still in the ring) at once. */
  private learnRange(from: number, to: number): void {
    for (let b = from; b <= to; b++) {
      const at = (((b % this.buckets) + this.buckets) % this.buckets) * WIDTH;
      this.learn(b, this.ring[at] as number, this.ring[at + 1] as number);
    }
  }

  /** Folds one closed bucket into the learnt share; a surge's at `learn_while_surging`, ageing nothing. */
  private learn(bucket: number, attempts: number, failures: number): void {
    if (attempts === 0) return;
    const c = this.config;
    const end = (bucket + 1) * c.bucket_ms;
    if (end <= this.surgeUntil + c.bucket_ms) {
      // Time stands still for what was learnt before: it is neither aged now nor after the surge.
      if (end > this.learntAt) this.learntAt = end;
      this.learntAttempts += c.learn_while_surging * attempts;
      this.learntFailures += c.learn_while_surging * failures;
      return;
    }
    if (end > this.learntAt) {
      const keep = Math.exp((-Math.LN2 * (end - this.learntAt)) / c.baseline_half_life_ms);
      this.learntAttempts *= keep;
      this.learntFailures *= keep;
      this.learntAt = end;
    }
    this.learntAttempts += attempts;
    this.learntFailures += failures;
  }
}

function addTo(s: Sums, attempts: number, failures: number): void {
  s.attempts += attempts;
  s.failures += failures;
}

function subtractFrom(s: Sums, attempts: number, failures: number): void {
  s.attempts -= attempts;
  s.failures -= failures;
}

function resetSums(s: Sums): void {
  s.attempts = 0;
  s.failures = 0;
}
