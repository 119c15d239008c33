/**
 * What a writer lease reports (label `component` = the sink that uses it):
 * - botsieve_writer_lease_held: 1 while this process holds the lease, else 0
 * - botsieve_writer_lease_transitions_total{transition="acquired"|"lost"|"released"}
 * - botsieve_errors_total{code}: renewals and takeover attempts the store failed (ERR_SINK_UNAVAILABLE)
 */
import { Counter } from 'prom-client';
import type { ComponentTelemetry, Telemetry } from '@botsieve/runtime';

export const LEASE_METRIC = {
  held: 'botsieve_writer_lease_held',
  transitions: 'botsieve_writer_lease_transitions_total',
} as const;

export type LeaseTransition = 'acquired' | 'lost' | 'released';

export class LeaseMetrics {
  private readonly transitions: Counter<'component' | 'transition'>;

  constructor(
    telemetry: Telemetry,
    private readonly component: ComponentTelemetry,
    private readonly name: string,
  ) {
    // One counter per registry: several sinks (tests) may share a Telemetry.
    const existing = telemetry.registry.getSingleMetric(LEASE_METRIC.transitions) as Counter<'component' | 'transition'> | undefined;
    this.transitions = existing ?? new Counter({ name: LEASE_METRIC.transitions, help: 'Writer lease transitions of this process, by kind.', labelNames: ['component', 'transition'], registers: [telemetry.registry] });
    this.component.metrics.gauge(LEASE_METRIC.held, 0);
  }

  transition(transition: LeaseTransition): void {
    this.transitions.labels(this.name, transition).inc();
    this.component.metrics.gauge(LEASE_METRIC.held, transition === 'acquired' ? 1 : 0);
  }

  storeFailed(code: string): void {
    this.component.metrics.error(code);
  }
}
