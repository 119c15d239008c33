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
import type { RequestEvent } from '@botsieve/core';
import type { HostedDetectorContext } from '../detector-context.js';
import type { EventFeatures } from './features.js';
import type { Signal } from './signal.js';
import type { Summary } from './summary.js';

export interface StateSize {
  /** Tracked keys (subjects, routes). */
  keys: number;
  /** Approximate bytes held. */
  bytes: number;
}

export interface EventDetector {
  readonly id: string;
  readonly input: 'events';
  process(event: RequestEvent, features: EventFeatures): Signal[];
  flush(watermark_ms: number): Signal[];
  stateSize(): StateSize;
  /** Replaces the thresholds at runtime (config already validated by the factory); state is kept. */
  reconfigure(config: unknown): void;
}

export interface SummaryDetector {
  readonly id: string;
  readonly input: 'summaries';
  /**
   * One summary. It (and its sketches) belongs to the engine and is reused once every detector
   * saw it: copy what you keep (`mergeSummary`, `HyperLogLog.clone`), never the object.
   */
  summary(summary: Summary): Signal[];
  flush(watermark_ms: number): Signal[];
  stateSize(): StateSize;
  /** Replaces the thresholds at runtime (config already validated by the factory); state is kept. */
  reconfigure(config: unknown): void;
}

export type EngineDetector = EventDetector | SummaryDetector;

export interface EngineDetectorFactory<Config = unknown> {
  /** Validates raw config; throws BotsieveError ERR_DETECTOR_CONFIG listing every problem. */
  parseConfig(raw: unknown): Config;
  create(config: Config, context: HostedDetectorContext): EngineDetector;
  /** Longest event-time window the detector looks back over: failover replays this much. */
  lookbackMs(config: Config): number;
}
