/**
 * The engine's detectors, built from DetectConfig: each with its mode and telemetry, and the
 * failure policy (a detector that throws is skipped for that call, counted, logged once).
 */
import { BotsieveError, type ComponentMetrics, type Logger } from '@botsieve/core';
import type { Telemetry } from '@botsieve/runtime';
import type { DetectConfig, DetectorMode } from '../config.js';
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

/**
 * Builds every detector of `config`. Each entry's `config` is already its factory's output:
 * detectConfigSchema parsed it once (parseDetectorConfig), so it is not parsed again here.
 */
export function buildDetectors(config: DetectConfig, telemetry: Telemetry, clock: Watermark, factories: Readonly<Record<string, AnyEngineDetectorFactory>>): HostedDetector[] {
  return config.detectors.map((entry) => buildDetector(entry, telemetry, clock, factories));
}

export function buildDetector(
  entry: DetectConfig['detectors'][number],
  telemetry: Telemetry,
  clock: Watermark,
  factories: Readonly<Record<string, AnyEngineDetectorFactory>>,
): HostedDetector {
  const factory = factoryOf(entry, factories);
  const component = telemetry.component(`detector/${entry.id}`);
  const detector = factory.create(entry.config, { clock, logger: component.log, metrics: component.metrics, id: entry.id });
  return new HostedDetector(entry.id, entry.type, entry.mode, detector, component.metrics, component.log);
}

/** Longest lookback of the configured detectors: what a failover replays. */
export function lookbackMs(config: DetectConfig, factories: Readonly<Record<string, AnyEngineDetectorFactory>>): number {
  let longest = 0;
  for (const entry of config.detectors) {
    longest = Math.max(longest, factoryOf(entry, factories).lookbackMs(entry.config));
  }
  return longest;
}

function factoryOf(entry: DetectConfig['detectors'][number], factories: Readonly<Record<string, AnyEngineDetectorFactory>>): AnyEngineDetectorFactory {
  const factory = Object.hasOwn(factories, entry.type) ? factories[entry.type] : undefined;
  if (factory === undefined) throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `detector "${entry.id}": unknown type "${entry.type}" (known: ${Object.keys(factories).join(', ')})`);
  return factory;
}
