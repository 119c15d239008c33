/**
 * The engine's detectors, built from DetectConfig: each with its mode and telemetry, and the
 * failure policy (a detector that throws is skipped for that call, counted, logged once).
 */
import type { ComponentMetrics, Logger } from '@botsieve/core';
import type { Telemetry } from '@botsieve/runtime';
import type { DetectConfig, DetectorMode } from '../config.js';
import { parseDetectorConfig } from '../config.js';
import { DETECTOR_ERRORS } from '../errors.js';
import type { EngineDetector } from './detector.js';
import type { Watermark } from './watermark.js';
import type { AnyEngineDetectorFactory } from './registry-types.js';

export class HostedDetector {
  /** Whether a failure was already logged (later ones are only counted). */
  failureLogged = false;
  constructor(
    readonly id: string,
    readonly type: string,
    public mode: DetectorMode,
    readonly detector: EngineDetector,
    readonly metrics: ComponentMetrics,
    readonly log: Logger,
  ) {}

  fail(error: unknown, phase: string): void {
    const code = DETECTOR_ERRORS.ERR_DETECTOR_FAILED.code;
    this.metrics.error(code);
    if (this.failureLogged) return;
    this.failureLogged = true;
    this.log.error({ err: error, code, phase }, 'detector failed; skipping (further failures are only counted)');
  }
}

/** Builds every detector of `config` (configs validated again: a DetectConfig built by hand is checked too). */
export function buildDetectors(config: DetectConfig, telemetry: Telemetry, clock: Watermark, factories: Readonly<Record<string, AnyEngineDetectorFactory>>): HostedDetector[] {
  return config.detectors.map((entry) => buildDetector(entry, telemetry, clock, factories));
}

export function buildDetector(
  entry: DetectConfig['detectors'][number],
  telemetry: Telemetry,
  clock: Watermark,
  factories: Readonly<Record<string, AnyEngineDetectorFactory>>,
): HostedDetector {
  const parsed = parseDetectorConfig(entry.type, entry.id, entry.config, factories);
  const factory = factories[entry.type] as AnyEngineDetectorFactory;
  const component = telemetry.component(`detector/${entry.id}`);
  const detector = factory.create(parsed, { clock, logger: component.log, metrics: component.metrics, id: entry.id });
  return new HostedDetector(entry.id, entry.type, entry.mode, detector, component.metrics, component.log);
}

/** Longest lookback of the configured detectors: what a failover replays. */
export function lookbackMs(config: DetectConfig, factories: Readonly<Record<string, AnyEngineDetectorFactory>>): number {
  let longest = 0;
  for (const entry of config.detectors) {
    const factory = factories[entry.type];
    if (factory === undefined) continue;
    longest = Math.max(longest, factory.lookbackMs(parseDetectorConfig(entry.type, entry.id, entry.config, factories)));
  }
  return longest;
}
