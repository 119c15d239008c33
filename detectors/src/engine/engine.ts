/**
 * Engine: the pure pipeline behind replay and both bus-driven stages. No I/O, no timers, no wall
 * clock: the same input in the same order gives the same verdicts.
 *
 *   event → FeatureExtractor → (verified / safelisted: counted, stop)
 *         → event detectors (heuristics) ─────────────────────────────┐
 *         → SummaryBuilder → ip: summaries → summary detectors ───────┤→ signals → Fusion → verdicts
 *                          → prefix/asn/ja4 summaries → (stage all: the same detectors;
 *                                                        stage partition: rollups for the
 *                                                        aggregation stage)
 *
 * Stages: `all` (one process sees everything: embedded default, replay), `partition` (consumes
 * events partitioned by IP; keeps ip: subjects, hands the rest out as rollups) and `aggregate`
 * (consumes rollups partitioned by subject; sees every instance's share of a prefix, ASN or
 * JA4). Each stage fuses the subjects it owns, so no two instances issue verdicts for one subject.
 *
 * Time: the watermark (newest event time − allowed lateness) is the detectors' clock; detectors
 * and fusion are flushed each time it crosses a multiple of flush_step_ms. Late events are
 * counted and dropped; summaries are never late (they are already-accepted events).
 *
 * Result arrays may be the shared frozen NO_VERDICTS: read them, don't push into them.
 */
import { METRIC, type ComponentMetrics, type RequestEvent, type Verdict } from '@botsieve/core';
import type { Telemetry } from '@botsieve/runtime';
import type { DetectConfig } from '../config.js';
import { FeatureExtractor } from '../features/feature-extractor.js';
import { Fusion } from '../fusion/fusion.js';
import { registry } from '../registry.js';
import { CrawlerDirectory, Safelist, loadCrawlerRanges } from '../safelist/index.js';
import { Watermark } from './watermark.js';
import type { EngineDetector } from './detector.js';
import { buildDetector, buildDetectors, lookbackMs, type HostedDetector } from './hosted.js';
import type { AnyEngineDetectorFactory } from './registry-types.js';
import type { Signal } from './signal.js';
import { SummaryBuilder } from './summary-builder.js';
import type { Summary } from './summary.js';

export type EngineStage = 'all' | 'partition' | 'aggregate';

/**
 * The result of a call that decided nothing: one shared frozen array instead of a new `[]` per
 * event (the common case by far). Callers only read verdict arrays; pushing into it throws.
 */
const NO_VERDICTS: Verdict[] = Object.freeze([]) as unknown as Verdict[];

/** Discard reasons the engine reports (component `detect`). */
export const ENGINE_DISCARD = {
  late: 'late',
  invalidTimestamp: 'invalid_timestamp',
} as const;

export interface EngineStats {
  /** Events handed to `process`, late and invalid ones included. */
  events: number;
  late: number;
  invalid: number;
  /** Verified good bots and safelisted clients: passed untouched, never seen by detectors. */
  verified: number;
  safelisted: number;
  /** Summaries handed to summary detectors, and handed out as rollups. */
  summaries: number;
  rollups: number;
  signals: number;
  /** Verdicts returned (shadow ones included). */
  verdicts: number;
  shadow_verdicts: number;
}

export interface EngineOptions {
  stage?: EngineStage;
  /** Detector types by name; the registry unless a test or tool brings its own. */
  factories?: Readonly<Record<string, AnyEngineDetectorFactory>>;
  /** Shared crawler directory (loading the shipped ranges once per process). */
  crawlers?: CrawlerDirectory;
}

export class Engine {
  readonly stage: EngineStage;
  readonly watermark: Watermark;
  readonly stats: EngineStats = { events: 0, late: 0, invalid: 0, verified: 0, safelisted: 0, summaries: 0, rollups: 0, signals: 0, verdicts: 0, shadow_verdicts: 0 };
  /** Longest detector lookback: how much a failover replays. */
  readonly lookback_ms: number;
  private detectors: HostedDetector[];
  private eventDetectors: HostedDetector[];
  private summaryDetectors: HostedDetector[];
  private readonly features: FeatureExtractor;
  private readonly builder: SummaryBuilder;
  private readonly fusion: Fusion;
  private readonly metrics: ComponentMetrics;
  private readonly factories: Readonly<Record<string, AnyEngineDetectorFactory>>;
  private readonly flushStep: number;
  private flushedStep = Number.NEGATIVE_INFINITY;
  private unreportedEvents = 0;
  private outbox: Summary[] = [];
  private signalsScratch: Signal[] = [];
  /** Per summary detector, its signals of the batch being detected (see `detect`). */
  private readonly detectorSignals: Signal[][] = [];

  constructor(
    private config: DetectConfig,
    private readonly telemetry: Telemetry,
    options: EngineOptions = {},
  ) {
    this.stage = options.stage ?? 'all';
    this.factories = options.factories ?? registry;
    this.watermark = new Watermark(config.allowed_lateness_ms);
    this.flushStep = config.flush_step_ms;
    this.metrics = telemetry.component('detect').metrics;
    const safelist = new Safelist(config.safelist);
    const crawlers = options.crawlers ?? new CrawlerDirectory(loadCrawlerRanges(config.safelist.crawlers_file ?? undefined));
    this.features = new FeatureExtractor(config.classify, config.traffic, { safelist, crawlers, clients: config.clients });
    this.builder = new SummaryBuilder(config.summary_step_ms, config.max_open_summaries);
    this.fusion = new Fusion(config.fusion, safelist, this.metrics);
    this.detectors = buildDetectors(config, telemetry, this.watermark, this.factories);
    this.eventDetectors = this.detectors.filter((d) => d.detector.input === 'events');
    this.summaryDetectors = this.detectors.filter((d) => d.detector.input === 'summaries');
    this.lookback_ms = lookbackMs(config, this.factories);
  }

  /** Current watermark (event time); -Infinity before the first event. */
  get watermark_ms(): number {
    return this.watermark.current;
  }

  /** One event (stages all and partition). */
  process(event: RequestEvent): Verdict[] {
    this.stats.events += 1;
    this.unreportedEvents += 1;
    const ts = event.timestamp_ms;
    if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) {
      this.stats.invalid += 1;
      this.metrics.discarded(ENGINE_DISCARD.invalidTimestamp);
      return NO_VERDICTS;
    }
    if (!this.watermark.observe(ts)) {
      this.stats.late += 1;
      this.metrics.discarded(ENGINE_DISCARD.late);
      return NO_VERDICTS;
    }
    let out = this.flushIfStepped();
    const features = this.features.extract(event);
    if (features.verified) {
      this.stats.verified += 1;
      return out;
    }
    if (features.safelisted) {
      this.stats.safelisted += 1;
      return out;
    }
    const signals = this.signalsScratch;
    for (const hosted of this.eventDetectors) {
      try {
        const found = (hosted.detector as Extract<EngineDetector, { input: 'events' }>).process(event, features);
        if (found.length > 0) out = this.collect(out, found, hosted, signals);
      } catch (error) {
        hosted.fail(error, 'process');
      }
    }
    const extractor = this.features;
    if (this.builder.add(event, features, extractor.uaSlot, extractor.ja4Slot)) out = this.route(this.builder.drain(false), out, signals);
    return this.fuse(out, signals);
  }

  /** Summaries from the rollups topic (stage aggregate), or handed in by tests. */
  summaries(summaries: readonly Summary[]): Verdict[] {
    let out = NO_VERDICTS;
    let newest = Number.NEGATIVE_INFINITY;
    for (const summary of summaries) if (summary.last_ms > newest) newest = summary.last_ms;
    if (newest > Number.NEGATIVE_INFINITY) {
      this.watermark.advanceTo(newest);
      out = this.flushIfStepped();
    }
    const signals = this.signalsScratch;
    out = this.detect(summaries, out, signals);
    return this.fuse(out, signals);
  }

  /**
   * End of a consumed batch: every open summary goes out now (ip: ones through the detectors
   * here, the rest to the outbox) instead of waiting for the step to end.
   */
  drainPartials(): Verdict[] {
    const signals = this.signalsScratch;
    const out = this.route(this.builder.drain(true), NO_VERDICTS, signals);
    return this.fuse(out, signals);
  }

  /** Rollups (prefix/asn/ja4 summaries) waiting to be published by the partition stage. */
  takeRollups(): Summary[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  /** Advances event time as if an event at `event_time_ms` had been seen (idle flush). */
  advanceTo(event_time_ms: number): Verdict[] {
    this.watermark.advanceTo(event_time_ms);
    return this.flushIfStepped();
  }

  /** End of input: drains every summary, flushes with an infinite watermark, releases state. */
  finish(): Verdict[] {
    const out = this.drainPartials();
    const closing = this.flushAll(Number.POSITIVE_INFINITY);
    this.report();
    return out.length === 0 ? closing : out.concat(closing);
  }

  /**
   * Runtime reload: detectors whose id and type are unchanged get their new thresholds and keep
   * their state; new ids are built, removed ids dropped; fusion takes its new config. The caller
   * validated `config` (parseDetectConfig). Structural settings (lateness, steps, classify,
   * safelist) need a restart and are left as they are.
   */
  reconfigure(config: DetectConfig): void {
    // Fusion first: it reads the hosting list again, the one step here that can fail on a file.
    this.fusion.reconfigure(config.fusion);
    const current = new Map(this.detectors.map((d) => [d.id, d]));
    this.detectors = config.detectors.map((entry) => {
      const existing = current.get(entry.id);
      if (existing === undefined || existing.type !== entry.type) return buildDetector(entry, this.telemetry, this.watermark, this.factories);
      existing.detector.reconfigure(entry.config);
      existing.mode = entry.mode;
      return existing;
    });
    this.eventDetectors = this.detectors.filter((d) => d.detector.input === 'events');
    this.summaryDetectors = this.detectors.filter((d) => d.detector.input === 'summaries');
    this.config = config;
  }

  stateSize(): { keys: number; bytes: number } {
    let keys = 0;
    let bytes = 0;
    for (const hosted of this.detectors) {
      const size = hosted.detector.stateSize();
      keys += size.keys;
      bytes += size.bytes;
    }
    const features = this.features.stateSize();
    const fusion = this.fusion.stateSize();
    return { keys: keys + features.keys + fusion.keys, bytes: bytes + features.bytes + fusion.bytes };
  }

  /** The detector instance with this id (tests, debugging). */
  detector(id: string): EngineDetector | undefined {
    return this.detectors.find((hosted) => hosted.id === id)?.detector;
  }

  /**
   * Routes each summary to the detectors here or to the outbox (partition stage, non-ip). Those
   * the detectors saw go back to the builder for reuse (detectors copy what they keep).
   */
  private route(summaries: Summary[], out: Verdict[], signals: Signal[]): Verdict[] {
    if (summaries.length === 0) return out;
    if (this.stage !== 'partition') {
      out = this.detect(summaries, out, signals);
      this.builder.recycle(summaries);
      return out;
    }
    const local: Summary[] = [];
    for (const summary of summaries) {
      if (summary.kind === 'ip') local.push(summary);
      else this.outbox.push(summary);
    }
    this.stats.rollups += summaries.length - local.length;
    out = this.detect(local, out, signals);
    this.builder.recycle(local);
    return out;
  }

  /**
   * Every summary through the guard and every summary detector. Summary by summary (each stays
   * in cache while all detectors read it: the detectors' first reads of a summary were ~2 % of
   * bench:detect's profile when each detector walked the whole batch), with each detector's
   * signals buffered and collected detector by detector: the same signals in the same order as
   * running the detectors one after the other over the batch (detectors share no state; the
   * guard's state is read by fusion only, after this).
   */
  private detect(summaries: readonly Summary[], out: Verdict[], signals: Signal[]): Verdict[] {
    this.stats.summaries += summaries.length;
    const guard = this.fusion.guard;
    const detectors = this.summaryDetectors;
    const buffers = this.detectorSignals;
    while (buffers.length < detectors.length) buffers.push([]);
    for (let i = 0; i < summaries.length; i++) {
      const summary = summaries[i] as Summary;
      guard.observe(summary);
      for (let d = 0; d < detectors.length; d++) {
        const hosted = detectors[d] as HostedDetector;
        try {
          const found = (hosted.detector as Extract<EngineDetector, { input: 'summaries' }>).summary(summary);
          if (found.length > 0) {
            const buffer = buffers[d] as Signal[];
            for (let k = 0; k < found.length; k++) buffer.push(found[k] as Signal);
          }
        } catch (error) {
          hosted.fail(error, 'summary');
        }
      }
    }
    for (let d = 0; d < detectors.length; d++) {
      const buffer = buffers[d] as Signal[];
      if (buffer.length === 0) continue;
      out = this.collect(out, buffer, detectors[d] as HostedDetector, signals);
      buffer.length = 0;
    }
    return out;
  }

  /** Enforced signals wait in `signals` for fusion; shadow ones become `log` verdicts at once. */
  private collect(out: Verdict[], found: Signal[], hosted: HostedDetector, signals: Signal[]): Verdict[] {
    this.stats.signals += found.length;
    if (hosted.mode === 'enforce') {
      for (const signal of found) signals.push(signal);
      return out;
    }
    const shadow = found.map((signal) => this.fusion.shadow(signal));
    this.stats.verdicts += shadow.length;
    this.stats.shadow_verdicts += shadow.length;
    return out.length === 0 ? shadow : out.concat(shadow);
  }

  private fuse(out: Verdict[], signals: Signal[]): Verdict[] {
    if (signals.length === 0) return out;
    const verdicts: Verdict[] = out.length === 0 ? [] : out;
    const before = verdicts.length;
    this.fusion.fuse(signals, verdicts);
    signals.length = 0;
    this.stats.verdicts += verdicts.length - before;
    return verdicts.length === 0 ? NO_VERDICTS : verdicts;
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
    const signals = this.signalsScratch;
    let out = NO_VERDICTS;
    for (const hosted of this.detectors) {
      try {
        const found = hosted.detector.flush(watermark);
        if (found.length > 0) out = this.collect(out, found, hosted, signals);
      } catch (error) {
        hosted.fail(error, 'flush');
      }
    }
    out = this.fuse(out, signals);
    this.fusion.flush(watermark);
    return out;
  }

  /** Metrics that would cost too much per event: received (as a delta) and state sizes. */
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
    const fusion = this.fusion.stateSize();
    this.metrics.gauge(METRIC.detectorStateKeys, fusion.keys, { detector: 'fusion' });
    this.metrics.gauge(METRIC.detectorStateBytes, fusion.bytes, { detector: 'fusion' });
    const features = this.features.stateSize();
    this.metrics.gauge(METRIC.detectorStateKeys, features.keys, { detector: 'features' });
    this.metrics.gauge(METRIC.detectorStateBytes, features.bytes, { detector: 'features' });
  }
}
