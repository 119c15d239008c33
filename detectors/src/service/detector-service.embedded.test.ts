/**
 * DetectorService on the real in-process bus: events in → verdicts on the verdicts topic, and
 * the events offsets committed only after the verdict batch sealed. The bus is wrapped only to
 * hold `seal()` open until the test lets it resolve.
 */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import type { Bus, BusConsumer, BusProducer, BusRecord, ConsumerOptions, PartitionRange, ProduceBatch, Verdict } from '@botsieve/core';
import { EmbeddedBus, busConfigSchema } from '@botsieve/bus';
import { nullTelemetry, systemClock, type Telemetry } from '@botsieve/runtime';
import { parseDetectConfig } from '../config.js';
import { makeEvent } from '../test-support/events.js';
import { DetectorService } from './detector-service.js';

const T0 = 1_700_000_000_000;

/** Delegates to an EmbeddedBus; every batch's seal() waits for `gate` first. */
class GatedBus implements Bus {
  readonly kind = 'embedded' as const;
  gate: Promise<void> = Promise.resolve();
  sealsStarted = 0;
  constructor(readonly inner: EmbeddedBus) {}
  get topics() {
    return this.inner.topics;
  }
  producer(): BusProducer {
    const producer = this.inner.producer();
    return {
      connect: () => producer.connect(),
      isReady: () => producer.isReady(),
      queuedBytes: () => producer.queuedBytes(),
      flush: (timeout_ms) => producer.flush(timeout_ms),
      close: () => producer.close(),
      batch: (): ProduceBatch => {
        const batch = producer.batch();
        return {
          send: (topic, key, value) => batch.send(topic, key, value),
          get size() {
            return batch.size;
          },
          seal: async () => {
            this.sealsStarted += 1;
            await this.gate;
            await batch.seal();
          },
        };
      },
    };
  }
  consumer(options: ConsumerOptions): BusConsumer {
    return this.inner.consumer(options);
  }
  offsetsForTime(topic: string, time_ms: number, timeout_ms: number): Promise<PartitionRange[]> {
    return this.inner.offsetsForTime(topic, time_ms, timeout_ms);
  }
  healthcheck(timeout_ms: number): Promise<boolean> {
    return this.inner.healthcheck(timeout_ms);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function embedded(telemetry: Telemetry): EmbeddedBus {
  const suffix = randomUUID().slice(0, 8);
  const config = busConfigSchema.parse({
    kind: 'embedded',
    topics: { events: `events-${suffix}`, verdicts: `verdicts-${suffix}`, deadletter: `deadletter-${suffix}`, rollups: `rollups-${suffix}` },
    embedded: { partitions: 1 },
  });
  return new EmbeddedBus(config, telemetry);
}

async function until(condition: () => boolean, what: string, timeout_ms = 5_000): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('events in → verdicts on the verdicts topic; events committed only after the verdict batch sealed', async (t) => {
  const telemetry = nullTelemetry();
  const inner = embedded(telemetry);
  const bus = new GatedBus(inner);
  let open!: () => void;
  bus.gate = new Promise((resolve) => (open = resolve));

  const config = parseDetectConfig({
    detectors: [{ type: 'volumetric', id: 'ip-flood', config: { baseline: { enabled: false }, subjects: { ip: { challenge_requests: 5, block_requests: 10, scale_by_humans: false }, prefix: { enabled: false } } } }],
  });
  const service = new DetectorService(config, { bus, telemetry, clock: systemClock });
  await service.start();

  const verdicts: Verdict[] = [];
  const reader = inner.consumer({ group_id: `test-${randomUUID()}`, topics: [inner.topics.verdicts], from: 'earliest', max_batch_records: 100 });
  await reader.start(async (records: BusRecord[]) => {
    for (const record of records) verdicts.push(JSON.parse(record.value.toString()) as Verdict);
  });

  const producer = inner.producer();
  await producer.connect();
  const batch = producer.batch();
  for (let i = 0; i < 12; i++) {
    const event = makeEvent({ ray_id: `r${i}`, ip: '81.2.69.9', timestamp_ms: T0 + i * 10 });
    t.true(batch.send(inner.topics.events, event.ip, Buffer.from(JSON.stringify(event))));
  }
  await batch.seal();

  const committed = () => inner.topicLog(inner.topics.events).committedOffset(config.group_id, 0);
  await until(() => bus.sealsStarted > 0, 'the service to seal its verdict batch');
  t.is(service.stats().events, 12, 'all events went through the engine');
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.is(committed(), 0, 'not committed while the verdict batch is unconfirmed');

  open();
  await until(() => committed() === 12, 'the events offsets to be committed');
  await until(() => verdicts.length === 1, 'the verdict to reach the verdicts topic');
  t.deepEqual(verdicts.map((v) => [v.subject, v.action, v.detectors[0]?.id]), [['ip:81.2.69.9', 'block', 'ip-flood']]);
  t.is(verdicts[0]?.decided_at, T0 + 110, 'decided at the newest event of the batch (event time)');

  await reader.close();
  await service.close();
  await producer.close();
  await inner.close();
});
