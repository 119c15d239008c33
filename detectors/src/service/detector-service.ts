/**
 * DetectorService: one detection stage on the bus.
 *
 * - `all`: consumes `events`, one Engine for every partition it owns (one instance sees all
 *   traffic: the embedded default and single-instance deployments).
 * - `partition`: consumes `events` (keyed by IP), one Engine per owned partition; ip: subjects
 *   are decided here, partial prefix/asn/ja4 summaries are produced to `rollups` keyed by subject.
 * - `aggregate`: consumes `rollups`, one Engine per owned partition: every instance's share of a
 *   subject lands on one partition, so a spread attack is judged whole.
 *
 * Acknowledgement chain: one producer batch per consumed batch (verdicts and rollups); the
 * handler resolves only after `seal()` resolved, so offsets are committed only once everything
 * the batch produced is confirmed. Verdict ids are deterministic: a verdict sent twice is the
 * same write. Bus full: the batch is rejected (retryable ERR_DETECT_VERDICTS_BACKPRESSURE) and
 * redelivered; per partition we remember the last offset that went through the engine and what
 * is not yet confirmed, so redelivered records are not counted twice.
 *
 * Failover: in the partition and aggregate stages the consumer re-reads a newly assigned
 * partition from (now − the longest detector lookback, at most rebuild_max_ms) up to its
 * committed offset, flagged `rebuild`: those records rebuild the windows of a fresh Engine and
 * their outputs are dropped (the previous owner produced them). On revocation the partition's
 * Engine and bookkeeping are dropped.
 *
 * Idle flush: an unref'd wall-clock interval advances each engine's event time by the wall time
 * elapsed since its last event (at most idle_advance_max_ms), so windows close when traffic
 * stops; what that decides is retried on the next tick until confirmed.
 *
 * Event time is capped before an event reaches an engine (stages all and partition, rebuild
 * records too): see event-time-ceiling.ts.
 */
import { catalogueError, decodeEvent, encodeVerdict, isBotsieveError, METRIC, type BatchHandler, type Bus, type BusConsumer, type BusProducer, type BusRecord, type Clock, type ComponentMetrics, type Logger, type Verdict } from '@botsieve/core';
import type { Telemetry } from '@botsieve/runtime';
import type { DetectConfig } from '../config.js';
import { Engine, type EngineStats } from '../engine/engine.js';
import { lookbackMs } from '../engine/hosted.js';
import { registry } from '../registry.js';
import { decodeSummary, encodeSummary, type Summary } from '../engine/summary.js';
import { DETECTOR_ERRORS } from '../errors.js';
import { CrawlerDirectory, loadCrawlerRanges } from '../safelist/index.js';
import { EventTimeCeiling } from './event-time-ceiling.js';

export type ServiceStage = 'all' | 'partition' | 'aggregate';

/** Discard reasons the service reports (component `detect`). */
export const SERVICE_DISCARD = {
  undecodable: 'undecodable',
  idleVerdictsOverflow: 'idle_verdicts_overflow',
} as const;

/** The engines' stats and what the service did to events before they reached an engine. */
export interface ServiceStats extends EngineStats {
  /** Events whose timestamp was later than wall clock + max_future_skew_ms: clamped to it, then processed. */
  future_clamped: number;
}

export interface DetectorServiceDeps {
  bus: Bus;
  telemetry: Telemetry;
  /**
   * Wall clock: for idle-flush ticks, the watermark lag gauge and the ceiling on event time
   * (max_future_skew_ms). Detection itself runs on event time.
   */
  clock: Clock;
}

interface Outgoing {
  topic: string;
  key: string;
  value: Buffer;
}

/** One engine and what the idle flush needs to know about it. */
class Slot {
  /** Wall time and newest event time when its last record arrived; NaN before any. */
  lastWall = Number.NaN;
  lastEventTime = Number.NEGATIVE_INFINITY;
  constructor(readonly engine: Engine) {}
}

/** Idle-flush verdicts kept for retry at most; beyond it the oldest are dropped and counted. */
const MAX_IDLE_PENDING = 100_000;
const IDLE_KEY = '(idle-flush)';
const SHARED = '*';

export class DetectorService {
  private readonly slots = new Map<string, Slot>();
  private readonly metrics: ComponentMetrics;
  private readonly log: Logger;
  private readonly crawlers: CrawlerDirectory;
  private producer: BusProducer | undefined;
  private consumer: BusConsumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Per `topic/partition`: the last offset whose record went through the engine. */
  private readonly processed = new Map<string, number>();
  /** Per `topic/partition` (and IDLE_KEY): messages produced but not yet confirmed. */
  private readonly unconfirmed = new Map<string, Outgoing[]>();
  private idleFlushing: Promise<void> | undefined;
  private closing = false;
  /** Stats of engines dropped with their partitions. */
  private readonly retired: EngineStats = { events: 0, late: 0, invalid: 0, verified: 0, safelisted: 0, summaries: 0, rollups: 0, signals: 0, verdicts: 0, shadow_verdicts: 0 };
  private readonly ceiling: EventTimeCeiling;
  private config: DetectConfig;

  constructor(
    config: DetectConfig,
    private readonly deps: DetectorServiceDeps,
    readonly stage: ServiceStage = 'all',
  ) {
    this.config = config;
    const component = deps.telemetry.component(stage === 'aggregate' ? 'aggregate' : 'detect');
    this.metrics = component.metrics;
    this.log = component.log;
    this.ceiling = new EventTimeCeiling(stage, component.metrics, component.log);
    // Loaded once per service: every partition's engine shares the crawler ranges.
    this.crawlers = new CrawlerDirectory(loadCrawlerRanges(config.safelist.crawlers_file ?? undefined));
    if (stage === 'all') this.slots.set(SHARED, this.newSlot());
  }

  /** The engines, by partition (`*` in stage all). */
  engines(): Map<string, Engine> {
    return new Map([...this.slots].map(([key, slot]) => [key, slot.engine]));
  }

  /** Stats summed over the engines, including those of partitions since revoked. */
  stats(): ServiceStats {
    const sum: EngineStats = { ...this.retired };
    for (const slot of this.slots.values()) addStats(sum, slot.engine.stats);
    return { ...sum, future_clamped: this.ceiling.clamped };
  }

  async start(): Promise<void> {
    const { bus } = this.deps;
    this.producer = bus.producer();
    await this.producer.connect();
    const input = this.stage === 'aggregate' ? bus.topics.rollups : bus.topics.events;
    const rebuild_ms = this.stage === 'all' ? 0 : Math.min(lookbackMs(this.config, registry), this.config.rebuild_max_ms);
    this.consumer = bus.consumer({
      group_id: this.stage === 'aggregate' ? this.config.aggregate_group_id : this.config.group_id,
      topics: [input],
      from: 'earliest',
      max_batch_records: this.config.max_batch_records,
      rebuild_ms,
      on_revoked: (partitions) => this.revoked(partitions),
    });
    await this.consumer.start(this.handle);
    this.timer = setInterval(() => void this.idleFlush(), this.config.flush_interval_ms);
    this.timer.unref();
    this.log.info({ stage: this.stage, detectors: this.config.detectors.map((d) => `${d.id}:${d.mode}`), topic: input, rebuild_ms, max_future_skew_ms: this.config.max_future_skew_ms }, 'detector service started');
    this.ceiling.checkSettings(this.config);
  }

  /**
   * Runtime reload of detector thresholds, fusion and max_future_skew_ms (config validated by
   * the caller).
   */
  reconfigure(config: DetectConfig): void {
    for (const slot of this.slots.values()) slot.engine.reconfigure(config);
    this.config = config;
    this.log.info({ detectors: config.detectors.map((d) => `${d.id}:${d.mode}`), max_future_skew_ms: config.max_future_skew_ms }, 'detector config reloaded');
    this.ceiling.checkSettings(config);
  }

  /** The consumer's batch handler: resolves only once the batch's outputs are confirmed. */
  readonly handle: BatchHandler = async (records: BusRecord[]) => {
    const first = records[0];
    if (first === undefined) return;
    const partition = `${first.topic}/${first.partition}`;
    const slot = this.slotFor(partition);
    this.ceiling.startBatch(this.deps.clock.now(), this.config.max_future_skew_ms);
    if (first.rebuild === true) {
      this.rebuild(slot, records);
      this.ceiling.endBatch();
      return;
    }
    const done = this.processed.get(partition) ?? -1;
    let pending = this.unconfirmed.get(partition);
    let fresh = 0;
    let last = done;
    const out: Outgoing[] = pending ?? [];
    for (const record of records) {
      // Already through the engine before this batch was redelivered: its outputs are pending.
      if (record.offset <= done) continue;
      fresh += 1;
      last = record.offset;
      this.feed(slot, record, out);
    }
    this.ceiling.endBatch();
    if (fresh > 0) {
      this.processed.set(partition, last);
      this.pushVerdicts(out, slot.engine.drainPartials());
      this.pushRollups(out, slot.engine.takeRollups());
      slot.lastWall = this.deps.clock.now();
      slot.lastEventTime = slot.engine.watermark.newestEventTime;
    }
    pending = out;
    if (pending.length === 0) return;
    this.unconfirmed.set(partition, pending);
    await this.deliver(pending);
    this.unconfirmed.delete(partition);
  };

  /** Idle flush (called by the interval; public for tests). */
  async idleFlush(): Promise<void> {
    if (this.closing || this.idleFlushing !== undefined) return;
    const run = this.runIdleFlush().finally(() => {
      this.idleFlushing = undefined;
    });
    this.idleFlushing = run;
    return run;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.consumer?.close();
    await this.idleFlushing;
    await this.producer?.close();
    this.log.info({ stage: this.stage, stats: this.stats(), unconfirmed_partitions: this.unconfirmed.size }, 'detector service closed');
  }

  private newSlot(): Slot {
    return new Slot(new Engine(this.config, this.deps.telemetry, { stage: this.stage, crawlers: this.crawlers }));
  }

  private slotFor(partition: string): Slot {
    const key = this.stage === 'all' ? SHARED : partition;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.newSlot();
      this.slots.set(key, slot);
    }
    return slot;
  }

  private revoked(partitions: string[]): void {
    for (const partition of partitions) {
      const slot = this.stage === 'all' ? undefined : this.slots.get(partition);
      if (slot !== undefined) {
        addStats(this.retired, slot.engine.stats);
        this.slots.delete(partition);
      }
      this.processed.delete(partition);
      this.unconfirmed.delete(partition);
    }
    this.log.debug({ stage: this.stage, partitions }, 'partitions revoked; their state dropped');
  }

  /** Feeds one record to the engine (its event time capped); verdicts (and rollups, at batch end) go to `out`. */
  private feed(slot: Slot, record: BusRecord, out: Outgoing[]): void {
    if (this.stage === 'aggregate') {
      const summary = decodeRecordSummary(record.value);
      if (summary === null) {
        this.metrics.discarded(SERVICE_DISCARD.undecodable);
        return;
      }
      this.pushVerdicts(out, slot.engine.summaries([summary]));
      return;
    }
    const decoded = decodeEvent(record.value);
    if (!decoded.ok) {
      this.metrics.discarded(SERVICE_DISCARD.undecodable);
      return;
    }
    // Decoded from this record alone: ours to change.
    this.ceiling.apply(decoded.event, record.timestamp_ms);
    this.pushVerdicts(out, slot.engine.process(decoded.event));
  }

  /** Rebuild records: state only; whatever they decide was already produced by the previous owner. */
  private rebuild(slot: Slot, records: BusRecord[]): void {
    const discard: Outgoing[] = [];
    for (const record of records) this.feed(slot, record, discard);
    slot.engine.drainPartials();
    slot.engine.takeRollups();
  }

  private pushVerdicts(out: Outgoing[], verdicts: Verdict[]): void {
    const topic = this.deps.bus.topics.verdicts;
    for (const verdict of verdicts) out.push({ topic, key: verdict.subject, value: encodeVerdict(verdict) });
  }

  private pushRollups(out: Outgoing[], rollups: Summary[]): void {
    const topic = this.deps.bus.topics.rollups;
    for (const summary of rollups) out.push({ topic, key: summary.subject, value: Buffer.from(encodeSummary(summary)) });
  }

  private async runIdleFlush(): Promise<void> {
    const now = this.deps.clock.now();
    let pending = this.unconfirmed.get(IDLE_KEY);
    let newest = Number.NEGATIVE_INFINITY;
    for (const slot of this.slots.values()) {
      if (Number.isNaN(slot.lastWall)) continue;
      newest = Math.max(newest, slot.engine.watermark.newestEventTime);
      const elapsed = now - slot.lastWall;
      if (elapsed < this.config.flush_interval_ms) continue;
      const verdicts = slot.engine.advanceTo(slot.lastEventTime + Math.min(elapsed, this.config.idle_advance_max_ms));
      if (verdicts.length > 0) this.pushVerdicts((pending ??= []), verdicts);
    }
    if (newest > Number.NEGATIVE_INFINITY) this.metrics.gauge(METRIC.watermarkLagSeconds, Math.max(0, now - newest) / 1_000);
    if (pending === undefined || pending.length === 0) return;
    if (pending.length > MAX_IDLE_PENDING) {
      const dropped = pending.splice(0, pending.length - MAX_IDLE_PENDING).length;
      this.metrics.discarded(SERVICE_DISCARD.idleVerdictsOverflow, dropped);
    }
    this.unconfirmed.set(IDLE_KEY, pending);
    try {
      await this.deliver(pending);
      this.unconfirmed.delete(IDLE_KEY);
    } catch (cause) {
      const code = DETECTOR_ERRORS.ERR_DETECT_IDLE_FLUSH.code;
      this.metrics.error(code);
      this.log.warn({ err: cause, code, kept: pending.length }, 'idle-flush verdicts not confirmed; retrying on the next tick');
    }
  }

  /**
   * Sends `pending` in one producer batch and waits for its confirmation. Confirmed messages are
   * removed from `pending`; on any failure the rest stay in it and this rejects.
   */
  private async deliver(pending: Outgoing[]): Promise<void> {
    const producer = this.producer;
    if (producer === undefined) throw new Error('DetectorService: start() first');
    const batch = producer.batch();
    let enqueued = 0;
    while (enqueued < pending.length) {
      const message = pending[enqueued] as Outgoing;
      if (!batch.send(message.topic, message.key, message.value)) break;
      enqueued += 1;
    }
    try {
      await batch.seal();
    } catch (cause) {
      this.metrics.error(isBotsieveError(cause) ? cause.code : 'ERR_BUS_DELIVERY');
      throw cause;
    }
    this.metrics.sent(enqueued);
    pending.splice(0, enqueued);
    if (pending.length > 0) {
      const entry = DETECTOR_ERRORS.ERR_DETECT_VERDICTS_BACKPRESSURE;
      this.metrics.error(entry.code);
      throw catalogueError(entry, `bus refused a message; ${pending.length} kept for the redelivery`);
    }
  }
}

function addStats(into: EngineStats, from: EngineStats): void {
  for (const key of Object.keys(into) as (keyof EngineStats)[]) into[key] += from[key];
}

function decodeRecordSummary(value: Buffer): Summary | null {
  try {
    return decodeSummary(JSON.parse(value.toString('utf8')));
  } catch {
    return null;
  }
}
