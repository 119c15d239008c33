/**
 * DetectorHost: the pure engine behind both replay and the bus-driven DetectorService. It owns
 * the detectors built from DetectConfig, the event-time watermark (the detectors' clock) and the
 * flush cadence. No I/O, no timers, no wall clock: fed the same events in the same order it
 * produces the same verdicts, which is what makes replay trustworthy.
 *
 * Per event: drop it if its timestamp is invalid or late (counted), flush every detector when
 * the watermark crossed a multiple of `flush_step_ms` (before the event, so whatever closing
 * windows decide comes out first), then feed it to every detector in config order.
 *
 * Result arrays may be the shared frozen NO_VERDICTS: read them, don't push into them.
 */
import { BotsieveError, METRIC, type ComponentMetrics, type Detector, type Logger, type RequestEvent, type Verdict } from '@botsieve/core';
import type { Telemetry } from '@botsieve/runtime';
import { parseDetectorConfig, type DetectConfig, type DetectorMode } from '../config.js';
import { NO_VERDICTS, type AnyDetectorFactory, type HostedDetectorContext } from '../detector-context.js';
import { DETECTOR_ERRORS } from '../errors.js';
import { registry } from '../registry.js';
import { verdictId } from '../verdict-id.js';
import { Watermark } from './watermark.js';

/** Discard reasons the host reports (component `detect`). */
export const HOST_DISCARD = {
  late: 'late',
  invalidTimestamp: 'invalid_timestamp',
} as const;

export interface DetectorHostStats {
  /** Events handed to `process`, late and invalid ones included. */
  events: number;
  late: number;
  invalid: number;
  /** Verdicts returned (shadow ones included). */
  verdicts: number;
  shadow_verdicts: number;
}

class HostedDetector {
  /** Whether a failure was already logged (later ones are only counted). */
  failureLogged = false;
  constructor(
    readonly id: string,
    readonly mode: DetectorMode,
    readonly detector: Detector,
    readonly metrics: ComponentMetrics,
    readonly log: Logger,
  ) {}
}

export class DetectorHost {
  readonly watermark: Watermark;
  readonly stats: DetectorHostStats = { events: 0, late: 0, invalid: 0, verdicts: 0, shadow_verdicts: 0 };
  private readonly detectors: HostedDetector[];
  private readonly metrics: ComponentMetrics;
  private readonly flushStep: number;
  /** `floor(watermark / flush_step_ms)` at the last flush. */
  private flushedStep = Number.NEGATIVE_INFINITY;
  private unreportedEvents = 0;

  /**
   * @param factories detector types by name; the registry unless a test or tool brings its own.
   */
  constructor(config: DetectConfig, telemetry: Telemetry, factories: Readonly<Record<string, AnyDetectorFactory>> = registry) {
    this.watermark = new Watermark(config.allowed_lateness_ms);
    this.flushStep = config.flush_step_ms;
    this.metrics = telemetry.component('detect').metrics;
    const ids = new Set<string>();
    this.detectors = config.detectors.map((entry) => {
      if (ids.has(entry.id)) throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `duplicate detector id "${entry.id}"`);
      ids.add(entry.id);
      // Parsed again on purpose: a DetectConfig built by hand (tests, tools) is validated too.
      const parsed = parseDetectorConfig(entry.type, entry.id, entry.config, factories);
      const factory = factories[entry.type] as AnyDetectorFactory;
      const component = telemetry.component(`detector/${entry.id}`);
      const context: HostedDetectorContext = { clock: this.watermark, logger: component.log, metrics: component.metrics, id: entry.id };
      return new HostedDetector(entry.id, entry.mode, factory.create(parsed, context), component.metrics, component.log);
    });
  }

  /** Current watermark (event time); -Infinity before the first event. */
  get watermark_ms(): number {
    return this.watermark.current;
  }

  process(event: RequestEvent): Verdict[] {
    this.stats.events += 1;
    this.unreportedEvents += 1;
    const ts = event.timestamp_ms;
    if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) {
      this.stats.invalid += 1;
      this.metrics.discarded(HOST_DISCARD.invalidTimestamp);
      return NO_VERDICTS;
    }
    if (!this.watermark.observe(ts)) {
      this.stats.late += 1;
      this.metrics.discarded(HOST_DISCARD.late);
      return NO_VERDICTS;
    }
    let out = this.flushIfStepped();
    for (const hosted of this.detectors) {
      let verdicts: Verdict[];
      try {
        verdicts = hosted.detector.process(event);
      } catch (error) {
        this.fail(hosted, error, 'process');
        continue;
      }
      if (verdicts.length > 0) out = this.collect(out, verdicts, hosted);
    }
    return out;
  }

  /**
   * Advances event time as if an event at `event_time_ms` had been seen (the service's idle
   * flush), flushing when the watermark crossed a step. Never moves time back.
   */
  advanceTo(event_time_ms: number): Verdict[] {
    this.watermark.advanceTo(event_time_ms);
    return this.flushIfStepped();
  }

  /**
   * End of input: flushes every detector with an infinite watermark, so every window closes and
   * all state is released. Detectors must date what they decide here from their own state
   * (window ends), never from the watermark argument.
   */
  finish(): Verdict[] {
    const out = this.flushAll(Number.POSITIVE_INFINITY);
    this.report();
    return out;
  }

  stateSize(): { keys: number; bytes: number } {
    let keys = 0;
    let bytes = 0;
    for (const hosted of this.detectors) {
      const size = hosted.detector.stateSize();
      keys += size.keys;
      bytes += size.bytes;
    }
    return { keys, bytes };
  }

  /** The detector instance with this id (tests, debugging). */
  detector(id: string): Detector | undefined {
    return this.detectors.find((hosted) => hosted.id === id)?.detector;
  }

  private flushIfStepped(): Verdict[] {
    const watermark = this.watermark.current;
    const step = Math.floor(watermark / this.flushStep);
    if (!(step > this.flushedStep)) return NO_VERDICTS;
    this.flushedStep = step;
    const out = this.flushAll(watermark);
    this.report();
    return out;
  }

  private flushAll(watermark: number): Verdict[] {
    let out = NO_VERDICTS;
    for (const hosted of this.detectors) {
      let verdicts: Verdict[];
      try {
        verdicts = hosted.detector.flush(watermark);
      } catch (error) {
        this.fail(hosted, error, 'flush');
        continue;
      }
      if (verdicts.length > 0) out = this.collect(out, verdicts, hosted);
    }
    return out;
  }

  private collect(out: Verdict[], verdicts: Verdict[], hosted: HostedDetector): Verdict[] {
    this.stats.verdicts += verdicts.length;
    if (hosted.mode === 'shadow') {
      this.stats.shadow_verdicts += verdicts.length;
      verdicts = verdicts.map(shadowed);
    }
    return out.length === 0 ? verdicts : out.concat(verdicts);
  }

  /** Metrics that would cost too much per event: received (as a delta) and state size. */
  private report(): void {
    if (this.unreportedEvents > 0) {
      this.metrics.received(this.unreportedEvents);
      this.unreportedEvents = 0;
    }
    for (const hosted of this.detectors) {
      const size = hosted.detector.stateSize();
      this.metrics.gauge(METRIC.detectorStateKeys, size.keys, { detector: hosted.id });
      this.metrics.gauge(METRIC.detectorStateBytes, size.bytes, { detector: hosted.id });
    }
  }

  private fail(hosted: HostedDetector, error: unknown, phase: 'process' | 'flush'): void {
    const code = DETECTOR_ERRORS.ERR_DETECTOR_FAILED.code;
    hosted.metrics.error(code);
    if (hosted.failureLogged) return;
    hosted.failureLogged = true;
    hosted.log.error({ err: error, code, phase }, 'detector failed; skipping (further failures are only counted)');
  }
}

/** Shadow mode: same decision, action forced to `log`, id recomputed for the new action. */
function shadowed(verdict: Verdict): Verdict {
  if (verdict.action === 'log') return verdict;
  return { ...verdict, action: 'log', id: verdictId(verdict.subject, verdict.decided_at, 'log', verdict.detectors.map((finding) => finding.id)) };
}
