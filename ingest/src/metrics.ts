/**
 * Ingest metrics, reported once per upload (or /stream batch), never per event: the per-event
 * work only bumps plain integers in a tally, which this helper turns into counter increments
 * and, for failures, one log line whose code matches the counted one.
 *
 * - botsieve_received_total{component="ingest"}: lines/records of answered uploads (accepted +
 *   rejected); an upload refused as a whole (4xx, 503, aborted) counts nothing here, it will be
 *   sent again or was never taken, so received = accepted + rejected over the uploads answered 200
 *   and those answered 400 ERR_INGEST_NOTHING_USABLE (all lines dead-lettered, dead letters delivered)
 * - botsieve_sent_total{component="ingest"}: events the bus confirmed
 * - botsieve_discarded_total{component="ingest",reason}: lines dead-lettered, by reject reason
 * - botsieve_errors_total{component="ingest",code}: uploads that failed, by error code
 * - botsieve_ingest_uploads_total{route,outcome}: uploads by route and outcome (ok or error code)
 * - botsieve_ingest_ack_seconds{mode,route}: from the end of the body to the 200
 * - botsieve_ingest_inflight_bytes: request bytes of uploads not yet answered
 * - botsieve_ingest_server_fallback{kind}: 1 when auto fell back to node:http (kind = the server in use)
 */
import { METRIC } from '@botsieve/core';
import type { ComponentTelemetry, Telemetry } from '@botsieve/runtime';
import { Counter } from 'prom-client';
import type { IngestErrorInfo } from './errors.js';
import { REJECT_REASONS, type RejectReason } from './logpush/parse-event.js';

export type IngestRoute = 'logpush' | 'events' | 'stream';
export type AckMode = 'durable' | 'enqueued';

const REASON_INDEX: Readonly<Record<RejectReason, number>> = Object.fromEntries(REJECT_REASONS.map((reason, index) => [reason, index])) as Record<RejectReason, number>;

/** Counts of one upload; plain integers so the per-line path only increments. */
export class UploadTally {
  accepted = 0;
  rejected = 0;
  readonly byReason = new Uint32Array(REJECT_REASONS.length);

  reject(reason: RejectReason): void {
    this.rejected++;
    const index = REASON_INDEX[reason];
    this.byReason[index] = (this.byReason[index] as number) + 1;
  }

  toJSON(): { accepted: number; rejected: number } {
    return { accepted: this.accepted, rejected: this.rejected };
  }
}

export class IngestMetrics {
  private readonly uploads: Counter<'route' | 'outcome'>;
  private inflight = 0;

  constructor(
    telemetry: Telemetry,
    private readonly component: ComponentTelemetry,
  ) {
    // One counter per registry: several servers (tests) may share a Telemetry.
    const existing = telemetry.registry.getSingleMetric(METRIC.ingestUploads) as Counter<'route' | 'outcome'> | undefined;
    this.uploads = existing ?? new Counter({ name: METRIC.ingestUploads, help: 'Uploads (and /stream batches) by route and outcome.', labelNames: ['route', 'outcome'], registers: [telemetry.registry] });
    this.component.metrics.gauge(METRIC.ingestInflightBytes, 0);
  }

  /** An upload was answered 200 (or a /stream batch acked). */
  succeeded(route: IngestRoute, tally: UploadTally, mode: AckMode, ackSeconds: number): void {
    this.counted(tally);
    this.uploads.labels(route, 'ok').inc();
    this.component.metrics.observe(METRIC.ingestAckSeconds, ackSeconds, { mode, route });
  }

  /** An upload ended with an error response (or a /stream batch was nacked): none of its lines count. */
  failed(route: IngestRoute, info: IngestErrorInfo, error: unknown): void {
    this.uploads.labels(route, info.code).inc();
    if (info.code === 'ERR_INGEST_UNEXPECTED') {
      this.component.fail(error, `${route} upload failed`, info.code);
      return;
    }
    this.component.metrics.error(info.code);
    const message = error instanceof Error ? error.message : String(error);
    // Client mistakes and push-back are expected in normal operation: warn, never error.
    this.component.log.warn({ code: info.code, route, status: info.status, detail: message }, `${route} upload refused`);
  }

  /**
   * Every line of an upload was dead-lettered and the dead letters are on the bus: its lines count
   * (they were taken, as dead letters), and the upload counts as the error it is answered with.
   */
  unusable(route: IngestRoute, tally: UploadTally, info: IngestErrorInfo, message: string): void {
    this.counted(tally);
    this.uploads.labels(route, info.code).inc();
    this.component.metrics.error(info.code);
    this.component.log.warn({ code: info.code, route, status: info.status, detail: message }, `${route} upload refused`);
  }

  /** Events the bus confirmed (after seal). */
  delivered(count: number): void {
    if (count > 0) this.component.metrics.sent(count);
  }

  /** Seal failed after an enqueued ack was already sent: the loss is counted and logged. */
  deliveryFailed(route: IngestRoute, count: number, error: unknown): void {
    this.component.fail(error, `${route}: ${count} events acknowledged as enqueued were not confirmed by the bus`, 'ERR_INGEST_BUS_UNAVAILABLE');
    // Acknowledged and then lost: the one loss ack=enqueued accepts. Count every event of it.
    this.component.metrics.discarded('enqueued_undelivered', count);
  }

  /** Which HTTP server carries ingest; `fallback` when auto fell back to node:http. */
  server(implementation: string, fallback: boolean): void {
    this.component.metrics.gauge(METRIC.ingestServerFallback, fallback ? 1 : 0, { kind: implementation });
  }

  inflightChanged(delta: number): void {
    this.inflight += delta;
    this.component.metrics.gauge(METRIC.ingestInflightBytes, this.inflight);
  }

  private counted(tally: UploadTally): void {
    const metrics = this.component.metrics;
    const lines = tally.accepted + tally.rejected;
    if (lines > 0) metrics.received(lines);
    if (tally.rejected === 0) return;
    for (let i = 0; i < REJECT_REASONS.length; i++) {
      const count = tally.byReason[i] as number;
      if (count > 0) metrics.discarded(REJECT_REASONS[i] as RejectReason, count);
    }
  }
}
