/**
 * DetectorService: the detector tier on the bus. Consumes `events` (group `detect.group_id`),
 * runs each event through a DetectorHost and produces the verdicts to `verdicts`, keyed by
 * subject.
 *
 * Acknowledgement chain: one producer batch per consumed batch; the handler resolves only after
 * `seal()` resolved, so the consumer commits a batch's offsets only once every verdict it
 * produced is confirmed. Delivery is at least once; verdict ids are deterministic, so a verdict
 * sent twice is the same write.
 *
 * Bus full (`send` returns false): we reject the batch (retryable ERR_DETECT_VERDICTS_BACKPRESSURE)
 * rather than retry in a loop here: the consumer stops that partition and redelivers later,
 * which is the backpressure we want (no fetching while verdicts cannot go out). Before rejecting
 * we wait for what was already enqueued to be confirmed, which also paces the redelivery.
 * Redelivery must not count events twice, so per partition we remember the last offset that went
 * through the host and the verdicts not yet confirmed: redelivered records up to that offset are
 * skipped and their kept verdicts are sent again.
 *
 * Idle flush: an unref'd wall-clock interval advances event time by the wall time elapsed since
 * the last event (at most idle_advance_max_ms), so windows close when traffic stops. Verdicts
 * that decides belong to no consumed offset; they are retried on the next tick until confirmed.
 *
 * One DetectorHost per service instance: every partition assigned here feeds the same detectors,
 * and the watermark is the newest event time over all of them. Aggregating one subject across
 * instances (partitions on other machines) is a later issue; until then, key events by subject
 * upstream or run one instance. Detector state is in memory only: after a restart the windows
 * start empty from the committed offsets.
 */
import { BotsieveError, isBotsieveError, METRIC, type BatchHandler, type Bus, type BusConsumer, type BusProducer, type BusRecord, type Clock, type ComponentMetrics, type Logger, type Verdict } from '@botsieve/core';
import type { Telemetry } from '@botsieve/runtime';
import type { DetectConfig } from '../config.js';
import { DETECTOR_ERRORS } from '../errors.js';
import { decodeEvent } from './decode-event.js';
import { DetectorHost } from './detector-host.js';

/** Discard reasons the service reports (component `detect`). */
export const SERVICE_DISCARD = {
  undecodable: 'undecodable',
  idleVerdictsOverflow: 'idle_verdicts_overflow',
} as const;

export interface DetectorServiceDeps {
  bus: Bus;
  telemetry: Telemetry;
  /** Wall clock: only for idle-flush ticks and the watermark lag gauge, never for decisions. */
  clock: Clock;
}

interface EncodedVerdict {
  key: string;
  value: Buffer;
}

/** Idle-flush verdicts kept for retry at most; beyond it the oldest are dropped and counted. */
const MAX_IDLE_PENDING = 100_000;
const IDLE_KEY = '(idle-flush)';

export class DetectorService {
  readonly host: DetectorHost;
  private readonly metrics: ComponentMetrics;
  private readonly log: Logger;
  private producer: BusProducer | undefined;
  private consumer: BusConsumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Per `topic/partition`: the last offset whose record went through the host. */
  private readonly processed = new Map<string, number>();
  /** Per `topic/partition` (and IDLE_KEY): verdicts produced but not yet confirmed. */
  private readonly unconfirmed = new Map<string, EncodedVerdict[]>();
  /** Wall time and newest event time when the last event arrived; NaN before any. */
  private lastEventWall = Number.NaN;
  private lastEventTime = Number.NEGATIVE_INFINITY;
  private idleFlushing: Promise<void> | undefined;
  private closing = false;

  constructor(
    private readonly config: DetectConfig,
    private readonly deps: DetectorServiceDeps,
  ) {
    this.host = new DetectorHost(config, deps.telemetry);
    const component = deps.telemetry.component('detect');
    this.metrics = component.metrics;
    this.log = component.log;
  }

  async start(): Promise<void> {
    const { bus } = this.deps;
    this.producer = bus.producer();
    await this.producer.connect();
    this.consumer = bus.consumer({ group_id: this.config.group_id, topics: [bus.topics.events], from: 'earliest', max_batch_records: this.config.max_batch_records });
    await this.consumer.start(this.handle);
    this.timer = setInterval(() => void this.idleFlush(), this.config.flush_interval_ms);
    this.timer.unref();
    this.log.info({ detectors: this.config.detectors.map((d) => `${d.id}:${d.mode}`), topic: bus.topics.events }, 'detector service started');
  }

  /** The consumer's batch handler: resolves only once the batch's verdicts are confirmed. */
  readonly handle: BatchHandler = async (records: BusRecord[]) => {
    const first = records[0];
    if (first === undefined) return;
    const partition = `${first.topic}/${first.partition}`;
    const done = this.processed.get(partition) ?? -1;
    let pending = this.unconfirmed.get(partition);
    let fresh = 0;
    let events = 0;
    let last = done;
    for (const record of records) {
      // Already through the host before this batch was redelivered: its verdicts are in `pending`.
      if (record.offset <= done) continue;
      fresh += 1;
      last = record.offset;
      const event = decodeEvent(record.value);
      if (event === null) {
        this.metrics.discarded(SERVICE_DISCARD.undecodable);
        continue;
      }
      events += 1;
      const verdicts = this.host.process(event);
      for (const verdict of verdicts) (pending ??= []).push(encode(verdict));
    }
    if (fresh > 0) this.processed.set(partition, last);
    if (events > 0) {
      this.lastEventWall = this.deps.clock.now();
      this.lastEventTime = this.host.watermark.newestEventTime;
    }
    if (pending === undefined || pending.length === 0) return;
    this.unconfirmed.set(partition, pending);
    await this.deliver(pending);
    this.unconfirmed.delete(partition);
  };

  /**
   * Idle flush (called by the interval; public for tests): when no event arrived for
   * flush_interval_ms of wall time, advance event time by the time elapsed (bounded) so windows
   * close, and send what that decides.
   */
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
    this.log.info({ stats: this.host.stats, unconfirmed_partitions: this.unconfirmed.size }, 'detector service closed');
  }

  private async runIdleFlush(): Promise<void> {
    const now = this.deps.clock.now();
    if (Number.isNaN(this.lastEventWall)) return;
    this.metrics.gauge(METRIC.watermarkLagSeconds, Math.max(0, now - this.host.watermark.newestEventTime) / 1_000);
    const elapsed = now - this.lastEventWall;
    let pending = this.unconfirmed.get(IDLE_KEY);
    if (elapsed >= this.config.flush_interval_ms) {
      const verdicts = this.host.advanceTo(this.lastEventTime + Math.min(elapsed, this.config.idle_advance_max_ms));
      for (const verdict of verdicts) (pending ??= []).push(encode(verdict));
    }
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
   * Sends `pending` in one producer batch and waits for its confirmation. Confirmed verdicts are
   * removed from `pending`; on any failure the rest stay in it and this rejects.
   */
  private async deliver(pending: EncodedVerdict[]): Promise<void> {
    const producer = this.producer;
    if (producer === undefined) throw new Error('DetectorService: start() first');
    const topic = this.deps.bus.topics.verdicts;
    const batch = producer.batch();
    let enqueued = 0;
    while (enqueued < pending.length) {
      const verdict = pending[enqueued] as EncodedVerdict;
      if (!batch.send(topic, verdict.key, verdict.value)) break;
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
      const code = DETECTOR_ERRORS.ERR_DETECT_VERDICTS_BACKPRESSURE.code;
      this.metrics.error(code);
      throw new BotsieveError(code, `bus refused a verdict; ${pending.length} verdicts kept for the redelivery`, { retryable: true });
    }
  }
}

function encode(verdict: Verdict): EncodedVerdict {
  return { key: verdict.subject, value: Buffer.from(JSON.stringify(verdict)) };
}
