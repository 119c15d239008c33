/**
 * Detectors are pure: no I/O, no timers, no wall clock. The runtime feeds events in event-time
 * order (within bounded lateness) and calls `flush(watermark)` as event time advances.
 */
import type { Clock } from './clock.js';
import type { RequestEvent } from './event.js';
import type { Logger } from './logger.js';
import type { ComponentMetrics } from './metrics.js';
import type { Verdict } from './verdict.js';

export interface DetectorContext {
  /** Event-time clock driven by the runtime's watermark. */
  clock: Clock;
  logger: Logger;
  metrics: ComponentMetrics;
}

export interface Detector {
  readonly id: string;
  /** Processes one event; returns verdicts decided at this event (usually none). */
  process(event: RequestEvent): Verdict[];
  /** Event time advanced to `watermark_ms`: expire state, emit what windows closing decide. */
  flush(watermark_ms: number): Verdict[];
  /** Approximate state size, for the bounded-memory metric. */
  stateSize(): { keys: number; bytes: number };
}

export interface DetectorFactory<Config = unknown> {
  /** Validates raw config (throws a BotsieveError with code ERR_DETECTOR_CONFIG). */
  parseConfig(raw: unknown): Config;
  create(config: Config, context: DetectorContext): Detector;
}
