/**
 * The conformance suite every sink passes, through the real sink runtime on the embedded bus:
 * acks (offset commits) only on success, nothing acknowledged on failure, no double acks,
 * metrics emitted, `close()` drains. A sink's test file calls `sinkConformance(test, …)`.
 */
import type { TestFn } from 'ava';
import { randomBytes } from 'node:crypto';
import type { BotsieveError, Sink } from '@botsieve/core';
import { EmbeddedBus, busConfigSchema } from '@botsieve/bus';
import { nullTelemetry, systemClock, type Telemetry } from '@botsieve/runtime';
import { sinkError } from '../errors.js';
import { SinkService } from './sink-service.js';

export interface ConformanceSubject<T> {
  /** A fresh sink (own file, own store) and a way to read back what it holds. */
  make(): Promise<{ sink: Sink<T>; stored(): Promise<string[]> }>;
  /** The i-th test item and its record value on the topic. */
  item(i: number): { value: Buffer; identity: string };
  decode(value: Buffer): T | undefined;
}

/** Wraps a sink to inject failures and delays, counting every call. */
class FaultySink<T> implements Sink<T> {
  readonly id: string;
  calls = 0;
  failNext: BotsieveError[] = [];
  delay_ms = 0;
  /** While true every write fails as a target that is down would (retryable). */
  down = false;
  inFlight = 0;
  maxInFlight = 0;
  largestBatch = 0;
  constructor(private readonly inner: Sink<T>) {
    this.id = inner.id;
  }
  connect(): Promise<void> {
    return this.inner.connect();
  }
  async writeBatch(items: readonly T[]): Promise<void> {
    this.calls += 1;
    this.largestBatch = Math.max(this.largestBatch, items.length);
    const failure = this.failNext.shift();
    if (failure !== undefined) throw failure;
    if (this.down) throw sinkError('ERR_SINK_UNAVAILABLE', 'injected: target down');
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delay_ms > 0) await new Promise((resolve) => setTimeout(resolve, this.delay_ms));
      await this.inner.writeBatch(items);
    } finally {
      this.inFlight -= 1;
    }
  }
  healthcheck(): Promise<boolean> {
    return this.inner.healthcheck();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export function sinkConformance<T>(test: TestFn, name: string, subject: ConformanceSubject<T>): void {
  /** `one_partition`: every record under one key, so they arrive as one batch. */
  async function setup(count: number, one_partition = false) {
    const telemetry = nullTelemetry();
    const bus = new EmbeddedBus(busConfigSchema.parse({}), telemetry);
    const topic = `conformance-${randomBytes(4).toString('hex')}`;
    const producer = bus.producer();
    await producer.connect();
    const batch = producer.batch();
    const identities: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const { value, identity } = subject.item(i);
      identities.push(identity);
      batch.send(topic, one_partition ? 'one' : identity, value);
    }
    await batch.seal();
    const made = await subject.make();
    const sink = new FaultySink(made.sink);
    const service = (s: Sink<T>) => new SinkService<T>(bus, s, { group_id: `g-${topic}`, topic, decode: (record) => subject.decode(record.value), max_batch_records: 10, retry: { initial_backoff_ms: 20, max_backoff_ms: 100 } }, { telemetry, clock: systemClock });
    return { telemetry, bus, sink, service, stored: made.stored, identities };
  }

  async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function counter(telemetry: Telemetry, metric: string, label: string): Promise<number> {
    const text = await telemetry.exposition();
    let total = 0;
    for (const line of text.split('\n')) if (line.startsWith(`${metric}{`) && line.includes(label)) total += Number(line.split(' ').pop());
    return total;
  }

  test(`${name}: writes every record and reports received and sent`, async (t) => {
    const { telemetry, sink, service, stored, identities } = await setup(35);
    const running = service(sink);
    await running.start();
    await until('all records stored', async () => (await stored()).length >= identities.length);
    await running.close();
    t.deepEqual((await stored()).sort(), [...identities].sort());
    t.is(await counter(telemetry, 'botsieve_sent_total', `sink.${sink.id}`), 35);
    t.true((await counter(telemetry, 'botsieve_received_total', `sink.${sink.id}`)) >= 35);
  });

  test(`${name}: a retryable failure acknowledges nothing and the batch is written later`, async (t) => {
    const { telemetry, sink, service, stored, identities } = await setup(5);
    sink.failNext.push(sinkError('ERR_SINK_WRITE', 'injected'));
    const running = service(sink);
    await running.start();
    await until('all records stored after the retry', async () => (await stored()).length >= identities.length);
    await running.close();
    t.true(sink.calls >= 2);
    t.deepEqual((await stored()).sort(), [...identities].sort());
    t.is(await counter(telemetry, 'botsieve_errors_total', 'code="ERR_SINK_WRITE"'), 1);
  });

  test(`${name}: what was written is committed once: a restarted service does not write it again`, async (t) => {
    const { sink, service, stored, identities } = await setup(12);
    const first = service(sink);
    await first.start();
    await until('all records stored', async () => (await stored()).length >= identities.length);
    await first.close();
    const callsBefore = sink.calls;
    const again = new FaultySink((await subject.make()).sink);
    const second = service(again);
    await second.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await second.close();
    t.is(again.calls, 0);
    t.is(sink.calls, callsBefore);
  });

  test(`${name}: close() waits for the write in flight`, async (t) => {
    const { sink, service, stored } = await setup(3, true);
    sink.delay_ms = 300;
    const running = service(sink);
    await running.start();
    await until('the write to start', async () => sink.calls > 0);
    await running.close();
    t.is((await stored()).length, 3);
  });

  test(`${name}: a non-retryable failure is counted as discarded, not retried forever`, async (t) => {
    const { telemetry, sink, service } = await setup(4, true);
    sink.failNext.push(sinkError('ERR_SINK_CLOSED', 'injected'));
    const running = service(sink);
    await running.start();
    await until('the discard to be counted', async () => (await counter(telemetry, 'botsieve_discarded_total', 'reason="ERR_SINK_CLOSED"')) === 4);
    await running.close();
    t.is(sink.calls, 1);
  });

  test(`${name}: a target down then back (slow meanwhile): nothing lost, one bounded batch in flight, lag reported`, async (t) => {
    const { telemetry, sink, service, stored, identities } = await setup(40);
    sink.down = true;
    sink.delay_ms = 30;
    const running = service(sink);
    await running.start();
    await until('several failed attempts', async () => sink.calls >= 4);
    t.is((await stored()).length, 0, 'nothing stored while the target is down');
    sink.down = false;
    await until('all records stored after recovery', async () => (await stored()).length >= identities.length);
    await running.close();
    t.deepEqual((await stored()).sort(), [...identities].sort());
    t.is(sink.maxInFlight, 1, 'one batch in flight per consumer');
    t.true(sink.largestBatch <= 10, `batches bounded by max_batch_records (largest ${sink.largestBatch})`);
    t.true((await counter(telemetry, 'botsieve_errors_total', 'code="ERR_SINK_UNAVAILABLE"')) >= 3);
    t.true((await telemetry.exposition()).includes(`botsieve_sink_lag_seconds{component="sink.${sink.id}"}`));
  });
}
