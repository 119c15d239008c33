/**
 * The cap on event time the DetectorService applies before an event reaches an engine.
 *
 * An event time later than its record's reference time + max_future_skew_ms is clamped to that
 * ceiling and counted (botsieve_corrected_total{reason="future_timestamp"}). The reference is the
 * record's append time, or the wall clock when a batch is consumed if that is earlier (or the
 * append time is unknown).
 *
 * Why: the watermark is the newest event time − allowed_lateness_ms, so uncapped, one event dated
 * a day ahead (or year 9999), from a broken clock or any producer that can write to `events`, makes
 * every current event late until a restart. Clamped, not dropped: the request did arrive by then,
 * so it is still judged. Append time, not only the wall clock: while a partition is consumed
 * behind (a backlog after a restart, a rebuild's re-read) a forged timestamp clamped to *now*
 * would still make the older events after it late; clamped to when it was appended, it lands
 * among its neighbours. With skew below the lateness, an event delivered within (lateness − skew)
 * of happening is on time whatever timestamps others write.
 *
 * Residual limit: an event delivered later than that is late whenever any source sends real-time
 * events to its partition (one watermark per engine, cap or not). The aggregation stage needs no
 * cap: its watermark follows rollups made from clamped events. Replay has no wall clock and trusts
 * the file's timestamps.
 */
import type { ComponentMetrics, Logger, RequestEvent } from '@botsieve/core';
import type { DetectConfig } from '../config.js';

/** Correction reasons (botsieve_corrected_total): events kept, one field changed on purpose. */
export const SERVICE_CORRECTED = {
  futureTimestamp: 'future_timestamp',
} as const;

export class EventTimeCeiling {
  /** Events clamped over the service's life. */
  clamped = 0;
  private wallCeiling = Number.POSITIVE_INFINITY;
  private skew_ms = 0;
  private clampedAtBatchStart = 0;

  constructor(
    private readonly stage: string,
    private readonly metrics: ComponentMetrics,
    private readonly log: Logger,
  ) {}

  /** Once per consumed batch: the wall clock now and the current skew setting. */
  startBatch(now_ms: number, skew_ms: number): void {
    this.skew_ms = skew_ms;
    this.wallCeiling = now_ms + skew_ms;
    this.clampedAtBatchStart = this.clamped;
  }

  /** Clamps the event's time (exactly at the ceiling is untouched); `appended_ms` 0 = unknown. */
  apply(event: RequestEvent, appended_ms: number): void {
    const byAppend = appended_ms > 0 ? appended_ms + this.skew_ms : Number.POSITIVE_INFINITY;
    const ceiling = byAppend < this.wallCeiling ? byAppend : this.wallCeiling;
    if (event.timestamp_ms > ceiling) {
      event.timestamp_ms = ceiling;
      this.clamped += 1;
    }
  }

  /** End of a batch: counts what it clamped (one metric update per batch, never per event). */
  endBatch(): void {
    const clamped = this.clamped - this.clampedAtBatchStart;
    if (clamped === 0) return;
    this.metrics.corrected(SERVICE_CORRECTED.futureTimestamp, clamped);
    this.log.debug({ stage: this.stage, clamped, wall_ceiling: this.wallCeiling }, 'event times past their ceiling (append time or wall clock + max_future_skew_ms) clamped');
  }

  /** With skew ≥ lateness a forged timestamp can still make real-time events late: say so at boot and reload. */
  checkSettings(config: DetectConfig): void {
    const { max_future_skew_ms, allowed_lateness_ms } = config;
    if (this.stage === 'aggregate' || max_future_skew_ms < allowed_lateness_ms) return;
    this.log.warn({ max_future_skew_ms, allowed_lateness_ms }, 'max_future_skew_ms is not below allowed_lateness_ms: one event dated in the future can still make real-time events late');
  }
}
