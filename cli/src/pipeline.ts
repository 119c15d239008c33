/**
 * Composes the tiers a process runs. The same code runs all tiers in one process on the embedded
 * bus (the default) or one tier per process against Kafka, as it deploys.
 *
 * Start order is sinks → detectors → ingest → admin → decide, so nothing is accepted before there
 * is somewhere to put it (and a port in use is reported in that order); the decision service
 * is ready (/readyz) once its replica is rebuilt from the verdicts topic, which start() awaits
 * last. Shutdown: readiness fails first (ingest's, the decision service's and the admin /readyz)
 * while everything keeps serving for shutdown.readiness_delay_ms, so load balancers stop sending
 * before anything is refused; then the decision service stops (closes its streams), ingest drains
 * (stops accepting, finishes in-flight uploads, flushes the producer), and detectors and sinks
 * finish their batches and commit.
 */
import type { Bus, BusProducer } from '@botsieve/core';
import { createBus } from '@botsieve/bus';
import { BusVerdictFeed, DecisionServer, VerdictReplica } from '@botsieve/decisions';
import { DetectorService } from '@botsieve/detectors';
import { IngestServer } from '@botsieve/ingest';
import { systemClock, type Telemetry } from '@botsieve/runtime';
import { SinkSet, type MemoryVerdictStore } from '@botsieve/sinks';
import { AdminServer } from './admin-server.js';
import type { BotsieveConfig } from './config.js';

export type Role = 'ingest' | 'detect' | 'sink' | 'decide';
export const ALL_ROLES: readonly Role[] = ['ingest', 'detect', 'sink', 'decide'];

export interface PipelineOptions {
  roles: readonly Role[];
  telemetry: Telemetry;
  /** Injected bus (tests); otherwise made from config.bus. */
  bus?: Bus;
}

export class Pipeline {
  readonly store: MemoryVerdictStore | undefined;
  ingestPort: number | undefined;
  /** Why ingest runs on node:http although uWebSockets.js was wanted (after start), or undefined. */
  ingestFallback: string | undefined;
  adminPort: number | undefined;
  decidePort: number | undefined;
  /** Why the decision service runs on node:http although uWebSockets.js was wanted, or undefined. */
  decideFallback: string | undefined;
  /** The address the admin server is bound to (not the configured name: 'localhost' resolves). */
  adminHost: string | undefined;
  private readonly bus: Bus;
  private readonly ownsBus: boolean;
  private producer: BusProducer | undefined;
  private ingest: IngestServer | undefined;
  private readonly detectors: DetectorService[] = [];
  private readonly sinks: SinkSet | undefined;
  private admin: AdminServer | undefined;
  private decide: DecisionServer | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly config: BotsieveConfig,
    private readonly options: PipelineOptions,
  ) {
    this.bus = options.bus ?? createBus(config.bus, options.telemetry);
    this.ownsBus = options.bus === undefined;
    this.sinks = options.roles.includes('sink') ? new SinkSet(config.sinks, { bus: this.bus, telemetry: options.telemetry, clock: systemClock }) : undefined;
    this.store = this.sinks?.store;
  }

  async start(): Promise<void> {
    const { config, options, bus } = this;
    const { telemetry, roles } = options;
    const log = telemetry.component('pipeline').log;
    await this.sinks?.start();
    if (roles.includes('detect')) {
      // aggregation `bus`: a partition stage (events by IP) and an aggregation stage (rollups by
      // subject) in this process; `local`: one stage that sees everything it consumes.
      const aggregation = config.detect.aggregation === 'auto' ? (bus.kind === 'kafka' ? 'bus' : 'local') : config.detect.aggregation;
      const stages = aggregation === 'bus' ? (['aggregate', 'partition'] as const) : (['all'] as const);
      for (const stage of stages) {
        const service = new DetectorService(config.detect, { bus, telemetry, clock: systemClock }, stage);
        await service.start();
        this.detectors.push(service);
      }
    }
    if (roles.includes('ingest')) {
      this.producer = bus.producer();
      await this.producer.connect();
      this.ingest = new IngestServer(config.ingest, { producer: this.producer, topics: bus.topics, telemetry });
      this.ingestPort = await this.ingest.listen();
      this.ingestFallback = this.ingest.fallback ?? undefined;
    }
    this.admin = new AdminServer(config.admin, { telemetry, bus, store: this.store, sinks: this.sinks === undefined ? undefined : () => (this.sinks as SinkSet).status(), isDraining: () => this.stopping !== undefined });
    this.adminPort = await this.admin.listen();
    this.adminHost = this.admin.address().address;
    if (roles.includes('decide')) {
      const replica = new VerdictReplica({ clock: systemClock, max_verdicts: config.decide.max_verdicts, change_log: config.decide.change_log });
      const feed = new BusVerdictFeed(bus, systemClock, telemetry.component('decide-feed'), { rebuild_ms: config.decide.rebuild_ms, group_id_prefix: config.decide.group_id_prefix });
      this.decide = new DecisionServer(config.decide, { replica, feed, telemetry, clock: systemClock });
      this.decidePort = await this.decide.listen();
      this.decideFallback = this.decide.fallback ?? undefined;
      await this.decide.rebuild();
    }
    log.info({ roles, bus: bus.kind, sinks: this.sinks?.running, ingest_port: this.ingestPort, decide_port: this.decidePort, admin_host: this.adminHost, admin_port: this.adminPort }, 'botsieve started');
  }

  /**
   * Runtime reload (SIGHUP): detector thresholds, modes and fusion from `config.detect`
   * (validated by the caller); state is kept. Other settings need a restart.
   */
  reconfigure(config: BotsieveConfig): void {
    for (const service of this.detectors) service.reconfigure(config.detect);
  }

  /**
   * Graceful shutdown; safe to call more than once. `timeout_ms` bounds the ingest drain (default
   * ingest.drain_timeout_ms); `readiness_delay_ms` (default shutdown.readiness_delay_ms) is how
   * long the servers keep serving with readiness failed before they drain.
   */
  stop(timeout_ms = this.config.ingest.drain_timeout_ms, readiness_delay_ms = this.config.shutdown.readiness_delay_ms): Promise<void> {
    this.stopping ??= this.shutdown(timeout_ms, readiness_delay_ms);
    return this.stopping;
  }

  private async shutdown(timeout_ms: number, readiness_delay_ms: number): Promise<void> {
    const log = this.options.telemetry.component('pipeline').log;
    // The admin /readyz fails from here (isDraining), ingest's and the decision service's too.
    this.ingest?.failReadiness();
    this.decide?.failReadiness();
    if (readiness_delay_ms > 0) {
      log.info({ readiness_delay_ms }, 'readiness failed; still serving until the load balancers stop sending');
      await new Promise((resolve) => setTimeout(resolve, readiness_delay_ms));
    }
    log.info('draining');
    await this.decide?.stop();
    await this.ingest?.drain(timeout_ms);
    await this.producer?.close();
    for (const service of this.detectors) await service.close();
    await this.sinks?.close();
    await this.admin?.close();
    if (this.ownsBus) await this.bus.close();
    log.info('stopped');
  }
}
