/**
 * Several detector instances in one process on one embedded bus, as a deployment runs them on
 * Kafka: partition-stage instances share the `events` group, aggregation-stage instances the
 * `rollups` group. Tests start instances, send events keyed by IP (as ingest does), kill one and
 * read what reached the verdicts topic.
 */
import { randomUUID } from 'node:crypto';
import type { BusProducer, BusRecord, Verdict, RequestEvent } from '@botsieve/core';
import { EmbeddedBus, busConfigSchema } from '@botsieve/bus';
import { nullTelemetry, systemClock, type Telemetry } from '@botsieve/runtime';
import type { DetectConfig } from '../config.js';
import { DetectorService, type ServiceStage } from '../service/detector-service.js';

export class Instances {
  readonly telemetry: Telemetry = nullTelemetry();
  readonly bus: EmbeddedBus;
  readonly services: DetectorService[] = [];
  readonly verdicts: Verdict[] = [];
  private producer: BusProducer | undefined;
  private readonly readers: { close(): Promise<void> }[] = [];

  constructor(partitions: number) {
    const suffix = randomUUID().slice(0, 8);
    this.bus = new EmbeddedBus(
      busConfigSchema.parse({
        kind: 'embedded',
        topics: { events: `events-${suffix}`, verdicts: `verdicts-${suffix}`, deadletter: `deadletter-${suffix}`, rollups: `rollups-${suffix}` },
        // Committed events stay a minute, so a partition's new owner can rebuild from them.
        embedded: { partitions, retention_ms: 60_000 },
      }),
      this.telemetry,
    );
  }

  async start(config: DetectConfig, stage: ServiceStage, count: number): Promise<DetectorService[]> {
    if (this.producer === undefined) {
      this.producer = this.bus.producer();
      await this.producer.connect();
      const reader = this.bus.consumer({ group_id: `reader-${randomUUID()}`, topics: [this.bus.topics.verdicts], from: 'earliest', max_batch_records: 1_000 });
      await reader.start(async (records: BusRecord[]) => {
        for (const record of records) this.verdicts.push(JSON.parse(record.value.toString()) as Verdict);
      });
      this.readers.push(reader);
    }
    const started: DetectorService[] = [];
    for (let i = 0; i < count; i++) {
      const service = new DetectorService(config, { bus: this.bus, telemetry: this.telemetry, clock: systemClock }, stage);
      await service.start();
      this.services.push(service);
      started.push(service);
    }
    return started;
  }

  async send(events: readonly RequestEvent[]): Promise<void> {
    const batch = (this.producer as BusProducer).batch();
    for (const event of events) if (!batch.send(this.bus.topics.events, event.ip, Buffer.from(JSON.stringify(event)))) throw new Error('bus full');
    await batch.seal();
  }

  /** Events that went through a partition-stage or all-stage engine (rebuilds included). */
  eventsSeen(): number {
    return this.services.filter((s) => s.stage !== 'aggregate').reduce((sum, s) => sum + s.stats().events, 0);
  }

  /** Waits until every event sent so far was committed by the `events` group. */
  async settled(group_id: string, timeout_ms = 10_000): Promise<void> {
    const log = this.bus.topicLog(this.bus.topics.events);
    const rollups = this.bus.topicLog(this.bus.topics.rollups);
    await until(
      () => log.partitions.every((p) => log.committedOffset(group_id, p.partition) === p.endOffset) && rollups.partitions.every((p) => rollups.committedOffset('botsieve-aggregate', p.partition) >= p.endOffset || p.endOffset === 0),
      'every event committed',
      timeout_ms,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  /** Closes one instance the way a pod is killed by its orchestrator (drain, leave the group). */
  async kill(service: DetectorService): Promise<void> {
    await service.close();
    this.services.splice(this.services.indexOf(service), 1);
  }

  async close(): Promise<void> {
    for (const service of this.services) await service.close();
    for (const reader of this.readers) await reader.close();
    await this.producer?.close();
    await this.bus.close();
  }
}

export async function until(condition: () => boolean, what: string, timeout_ms = 10_000): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
