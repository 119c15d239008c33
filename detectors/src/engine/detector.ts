/**
 * The two shapes of detector the engine hosts. Both are pure (no I/O, no timers, no wall
 * clock): the engine feeds them in event time and calls `flush(watermark)` as time advances.
 *
 * - EventDetector: sees every event with its features (per-event rules and heuristics).
 * - SummaryDetector: sees per-subject, per-step summaries (windows over rates, ratios and
 *   distinct counts). The same detector runs on `ip:` summaries in the partition stage and on
 *   `prefix:`/`asn:`/`ja4:` summaries in the aggregation stage, so everything it decides is
 *   decided as if one instance saw all traffic.
 */
import type { Clock, ComponentMetrics, Logger, RequestEvent } from '@botsieve/core';
import type { EventFeatures } from './features.js';
import type { Signal } from './signal.js';
import type { Summary } from './summary.js';

/** What a factory gets besides its config: the engine's clock, the detector's logger and metrics. */
export interface HostedDetectorContext {
  /** Event time, driven by the engine's watermark (never the wall clock). */
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ComponentMetrics;
  /**
   * The instance id from DetectConfig (`detectors[].id`), which names the detector in signals.
   * Optional, so a detector made by hand (`volumetric.create(config, { clock, logger, metrics })`)
   * falls back to its type name.
   */
  readonly id?: string;
}

export interface StateSize {
  /** Tracked keys (subjects, routes). */
  keys: number;
  /** Approximate bytes held. */
  bytes: number;
}

export interface EventDetector<Config = unknown> {
  readonly id: string;
  readonly input: 'events';
  process(event: RequestEvent, features: EventFeatures): Signal[];
  flush(watermark_ms: number): Signal[];
  stateSize(): StateSize;
  /** Replaces the thresholds at runtime with a config the factory parsed; state is kept. */
  reconfigure(config: Config): void;
}

export interface SummaryDetector<Config = unknown> {
  readonly id: string;
  readonly input: 'summaries';
  /**
   * One summary. It (and its sketches) belongs to the engine and is reused once every detector
   * saw it: copy what you keep (`mergeSummary`, `HyperLogLog.clone`), never the object.
   */
  summary(summary: Summary): Signal[];
  flush(watermark_ms: number): Signal[];
  stateSize(): StateSize;
  /** Replaces the thresholds at runtime with a config the factory parsed; state is kept. */
  reconfigure(config: Config): void;
}

export type EngineDetector<Config = unknown> = EventDetector<Config> | SummaryDetector<Config>;

export interface EngineDetectorFactory<Config = unknown> {
  /** Validates raw config; throws BotsieveError ERR_DETECTOR_CONFIG listing every problem. */
  parseConfig(raw: unknown): Config;
  create(config: Config, context: HostedDetectorContext): EngineDetector<Config>;
  /** Longest event-time window the detector looks back over: failover replays this much. */
  lookbackMs(config: Config): number;
}
