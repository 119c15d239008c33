/**
 * Decision-service metrics. The lookup path only bumps plain integers; `flush()` (on the
 * service's tick) turns them into Prometheus counters, and sets the gauges.
 *
 * - botsieve_received_total{component="decide"}: clients decided (one per GET, one per item of a POST)
 * - botsieve_decide_decisions_total{action}: decisions by action (allow, log, challenge, block)
 * - botsieve_errors_total{component="decide",code}: requests refused by code; stream clients cut
 *   (ERR_DECIDE_STREAM_CUT)
 * - botsieve_active_verdicts{component="decide"}: verdicts the replica holds
 * - botsieve_decide_feed_lag_seconds: the feed's lag (newest verdict's decision to its arrival)
 * - botsieve_decide_stream_clients: stream clients connected
 * - botsieve_decide_server_fallback{kind}: 1 when auto fell back to node:http
 */
import { METRIC, type EventAction } from '@botsieve/core';
import type { ComponentTelemetry, Telemetry } from '@botsieve/runtime';
import { Counter } from 'prom-client';
import type { DecideErrorCode } from '../errors.js';

export const DECIDE_METRIC = {
  decisions: 'botsieve_decide_decisions_total',
  feedLagSeconds: 'botsieve_decide_feed_lag_seconds',
  streamClients: 'botsieve_decide_stream_clients',
  serverFallback: 'botsieve_decide_server_fallback',
} as const;

const ACTIONS: readonly EventAction[] = ['allow', 'log', 'challenge', 'block'];

export interface DecideCounts {
  lookups: number;
  byAction: Record<EventAction, number>;
  streamClientsCut: number;
}

export class DecideMetrics {
  /** Since start; tests and /stats read these. */
  readonly counts: DecideCounts = { lookups: 0, byAction: { allow: 0, log: 0, challenge: 0, block: 0 }, streamClientsCut: 0 };
  private readonly flushed: DecideCounts = { lookups: 0, byAction: { allow: 0, log: 0, challenge: 0, block: 0 }, streamClientsCut: 0 };
  private readonly decisions: Counter<'action'>;

  constructor(
    telemetry: Telemetry,
    private readonly component: ComponentTelemetry,
  ) {
    // One counter per registry: several servers (tests) may share a Telemetry.
    const existing = telemetry.registry.getSingleMetric(DECIDE_METRIC.decisions) as Counter<'action'> | undefined;
    this.decisions = existing ?? new Counter({ name: DECIDE_METRIC.decisions, help: 'Decisions answered, by action.', labelNames: ['action'], registers: [telemetry.registry] });
  }

  decided(action: EventAction): void {
    this.counts.lookups += 1;
    this.counts.byAction[action] += 1;
  }

  refused(code: DecideErrorCode): void {
    this.component.metrics.error(code);
  }

  streamClientCut(unsentBytes: number): void {
    this.counts.streamClientsCut += 1;
    this.component.metrics.error('ERR_DECIDE_STREAM_CUT');
    this.component.log.warn({ code: 'ERR_DECIDE_STREAM_CUT', unsent_bytes: unsentBytes }, 'stream client cut: it does not read');
  }

  server(implementation: string, fallback: boolean): void {
    this.component.metrics.gauge(DECIDE_METRIC.serverFallback, fallback ? 1 : 0, { kind: implementation });
  }

  /** Moves the tallies into Prometheus and sets the gauges. */
  flush(replicaSize: number, feedLagMs: number, streamClients: number): void {
    const { counts, flushed } = this;
    if (counts.lookups > flushed.lookups) this.component.metrics.received(counts.lookups - flushed.lookups);
    flushed.lookups = counts.lookups;
    for (const action of ACTIONS) {
      const delta = counts.byAction[action] - flushed.byAction[action];
      if (delta > 0) this.decisions.labels(action).inc(delta);
      flushed.byAction[action] = counts.byAction[action];
    }
    this.component.metrics.gauge(METRIC.activeVerdicts, replicaSize);
    this.component.metrics.gauge(DECIDE_METRIC.feedLagSeconds, feedLagMs / 1_000);
    this.component.metrics.gauge(DECIDE_METRIC.streamClients, streamClients);
  }
}
