/**
 * The load-adaptive bot bucket: while the origin is under load, requests that the edge scored as
 * likely automated (bot score below `bot_score_below`) and did not verify share one token bucket;
 * past it they get 429 with Retry-After. People (high scores), verified bots and requests without
 * a score are never counted against it, and nothing is limited while the origin is not loaded.
 *
 * Load is in-flight requests (the guard calls `enter`/`leave`) over `max_inflight`, or the event
 * loop's delay (p99 from `perf_hooks.monitorEventLoopDelay`, sampled at most every `sample_ms`)
 * over `max_event_loop_delay_ms`. One bucket, not one per client: its job is to keep the
 * automated share of a loaded origin bounded, not to rate-limit anyone (the detectors do that),
 * and a bucket per key would be unbounded state under an IP spray.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Clock } from '@botsieve/core';
import { systemClock } from '@botsieve/runtime';
import { originConfigError } from '../errors.js';

export interface LoadBucketOptions {
  /** In-flight requests above which the origin counts as loaded (default 256). */
  max_inflight?: number;
  /** Event-loop delay (p99, ms) above which the origin counts as loaded (default 100). */
  max_event_loop_delay_ms?: number;
  /** Requests with a bot score below this (and not verified) draw from the bucket (default 30). */
  bot_score_below?: number;
  /** Tokens added per second while loaded (default 20). */
  rate_per_s?: number;
  /** Bucket size: requests allowed at once after a quiet spell (default 40). */
  burst?: number;
  /** How often the event-loop delay histogram is read and reset (default 500 ms). */
  sample_ms?: number;
  /** Clock (tests inject a ManualClock). */
  clock?: Clock;
  /** Current event-loop delay in ms; default: p99 of monitorEventLoopDelay (tests inject one). */
  event_loop_delay_ms?: () => number;
}

export interface LoadBucketStats {
  inflight: number;
  event_loop_delay_ms: number;
  loaded: boolean;
  admitted: number;
  limited: number;
}

/** `admit`'s answer: 0 to let the request through, else the seconds for Retry-After. */
export type RetryAfterSeconds = number;

export class LoadBucket {
  private readonly maxInflight: number;
  private readonly maxDelayMs: number;
  private readonly scoreBelow: number;
  private readonly ratePerMs: number;
  private readonly burst: number;
  private readonly sampleMs: number;
  private readonly clock: Clock;
  private readonly delaySource: () => number;
  private readonly histogram: IntervalHistogram | null;
  private inflightCount = 0;
  private tokens: number;
  private refilledAt: number;
  private sampledAt = -Infinity;
  private delayMs = 0;
  private admittedCount = 0;
  private limitedCount = 0;

  constructor(options: LoadBucketOptions = {}) {
    this.maxInflight = check('max_inflight', options.max_inflight ?? 256, 1, 1e7);
    this.maxDelayMs = check('max_event_loop_delay_ms', options.max_event_loop_delay_ms ?? 100, 1, 60_000);
    this.scoreBelow = check('bot_score_below', options.bot_score_below ?? 30, 2, 100);
    this.ratePerMs = check('rate_per_s', options.rate_per_s ?? 20, 0.001, 1e7) / 1_000;
    this.burst = check('burst', options.burst ?? 40, 1, 1e7);
    this.sampleMs = check('sample_ms', options.sample_ms ?? 500, 1, 60_000);
    this.clock = options.clock ?? systemClock;
    if (options.event_loop_delay_ms !== undefined) {
      this.histogram = null;
      this.delaySource = options.event_loop_delay_ms;
    } else {
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      this.histogram = histogram;
      this.delaySource = () => histogram.percentile(99) / 1e6;
    }
    this.tokens = this.burst;
    this.refilledAt = this.clock.now();
  }

  /** A request started (the guard calls it once per request, and `leave` once when it ends). */
  enter(): void {
    this.inflightCount += 1;
  }

  leave(): void {
    if (this.inflightCount > 0) this.inflightCount -= 1;
  }

  /** True when the origin counts as loaded now. */
  loaded(): boolean {
    if (this.inflightCount > this.maxInflight) return true;
    const now = this.clock.now();
    if (now - this.sampledAt >= this.sampleMs) {
      this.sampledAt = now;
      this.delayMs = this.delaySource();
      this.histogram?.reset();
    }
    return this.delayMs > this.maxDelayMs;
  }

  /**
   * 0 when the request may go on; otherwise the whole seconds it should wait (Retry-After).
   * Only a loaded origin and a low-score unverified request ever draw a token.
   */
  admit(botScore: number | null, verified: boolean | null): RetryAfterSeconds {
    if (botScore === null || botScore >= this.scoreBelow || verified === true) return 0;
    if (!this.loaded()) return 0;
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.ratePerMs);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.admittedCount += 1;
      return 0;
    }
    this.limitedCount += 1;
    return Math.max(1, Math.ceil((1 - this.tokens) / this.ratePerMs / 1_000));
  }

  stats(): LoadBucketStats {
    return { inflight: this.inflightCount, event_loop_delay_ms: this.delayMs, loaded: this.inflightCount > this.maxInflight || this.delayMs > this.maxDelayMs, admitted: this.admittedCount, limited: this.limitedCount };
  }

  /** Stops the event-loop delay monitor. */
  close(): void {
    this.histogram?.disable();
  }
}

function check(name: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw originConfigError(`load bucket: ${name} ${value}: expected a number from ${min} to ${max}`);
  return value;
}
