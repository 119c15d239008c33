/**
 * Event-time watermark with bounded lateness: watermark = newest event time seen −
 * allowed_lateness_ms. An event older than the watermark is late (its windows may already have
 * been flushed): the host counts it and drops it. An event exactly at the watermark is on time.
 *
 * It is also the detectors' Clock: `now()` is the newest event time seen (0 before any event),
 * never the wall clock.
 */
import type { Clock } from '@botsieve/core';

export class Watermark implements Clock {
  private newest = Number.NEGATIVE_INFINITY;

  constructor(readonly allowed_lateness_ms: number) {}

  /** Newest event time seen (or advanced to); -Infinity before any. */
  get newestEventTime(): number {
    return this.newest;
  }

  /** The watermark: events with a timestamp below it are late. -Infinity before any event. */
  get current(): number {
    return this.newest - this.allowed_lateness_ms;
  }

  isLate(event_time_ms: number): boolean {
    return event_time_ms < this.newest - this.allowed_lateness_ms;
  }

  /**
   * Records an on-time event's time. Returns false (and changes nothing) when it is late.
   * Event time never goes back.
   */
  observe(event_time_ms: number): boolean {
    if (event_time_ms < this.newest - this.allowed_lateness_ms) return false;
    if (event_time_ms > this.newest) this.newest = event_time_ms;
    return true;
  }

  /** As if an event at `event_time_ms` had been seen, without one (idle flush). Monotonic. */
  advanceTo(event_time_ms: number): void {
    if (event_time_ms > this.newest) this.newest = event_time_ms;
  }

  now(): number {
    return this.newest === Number.NEGATIVE_INFINITY ? 0 : this.newest;
  }
}
