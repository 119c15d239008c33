/**
 * The conformance suite every Bus implementation passes (embedded and Kafka run the same
 * tests): what a sealed batch delivers, when offsets are committed, redelivery after a handler
 * rejected, independent consumer groups, and starting a fresh group at a point in time
 * (`from_time_ms`, `offsetsForTime`). Topic and group names are random per test, so
 * tests can share one bus backend (one mock cluster per file) and run concurrently.
 */
import { randomBytes } from 'node:crypto';
import type { ExecutionContext, TestFn } from 'ava';
import type { BatchHandler, Bus, BusConsumer, BusRecord } from '@botsieve/core';
import { until } from './promises.js';

export interface ConformanceOptions {
  /** A new bus on the shared backend; the suite closes it. */
  makeBus(): Promise<Bus> | Bus;
  /** How long to wait for records to arrive (Kafka group joins take seconds). */
  wait_ms?: number;
  /**
   * Whether the backend answers timestamp lookups exactly (default true). Kafka's mock cluster
   * answers none: offsetsForTime falls back to re-reading the last records, so a start may be
   * earlier than the time, never later; the positions must still agree with the consumer's.
   */
  exact_time_lookup?: boolean;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Sends `messages` through one batch and waits for `seal()`. */
export async function produce(bus: Bus, topic: string, messages: Array<[string | null, string]>): Promise<void> {
  const producer = bus.producer();
  await producer.connect();
  const batch = producer.batch();
  for (const [key, value] of messages) {
    if (!batch.send(topic, key, Buffer.from(value))) throw new Error(`send refused for ${value}`);
  }
  await batch.seal();
  await producer.close();
}

/** Starts a consumer that records everything it is handed. */
export async function collect(bus: Bus, topic: string, group_id: string, max_batch_records = 100): Promise<{ consumer: BusConsumer; records: BusRecord[] }> {
  const records: BusRecord[] = [];
  const consumer = bus.consumer({ group_id, topics: [topic], from: 'earliest', max_batch_records });
  await consumer.start(async (batch) => {
    records.push(...batch);
  });
  return { consumer, records };
}

export function busConformance(test: TestFn, options: ConformanceOptions): void {
  const wait_ms = options.wait_ms ?? 5_000;
  const exactTime = options.exact_time_lookup ?? true;

  const withBus = async (t: ExecutionContext, body: (bus: Bus) => Promise<void>): Promise<void> => {
    const bus = await options.makeBus();
    t.teardown(() => bus.close());
    await body(bus);
  };

  test('a sealed batch delivers every message, in order per key, one partition per key', (t) =>
    withBus(t, async (bus) => {
      const topic = uniqueName('order');
      const keys = ['198.51.100.1', '198.51.100.2', '2001:db8::3'];
      const messages: Array<[string | null, string]> = [];
      for (let seq = 0; seq < 20; seq++) for (const key of keys) messages.push([key, `${key}#${seq}`]);
      for (let seq = 0; seq < 5; seq++) messages.push([null, `nokey#${seq}`]);
      await produce(bus, topic, messages);

      const { consumer, records } = await collect(bus, topic, uniqueName('group'), 7);
      await until('every message', () => records.length >= messages.length, wait_ms);
      await consumer.close();

      t.is(records.length, messages.length, 'nothing twice, nothing missing');
      for (const key of keys) {
        const own = records.filter((record) => record.key === key);
        t.deepEqual(own.map((record) => record.value.toString()), Array.from({ length: 20 }, (_, seq) => `${key}#${seq}`));
        t.is(new Set(own.map((record) => record.partition)).size, 1, `${key} stays in one partition`);
      }
      t.deepEqual(records.filter((record) => record.key === null).map((record) => record.value.toString()).sort(), ['nokey#0', 'nokey#1', 'nokey#2', 'nokey#3', 'nokey#4']);
      t.true(records.every((record) => record.topic === topic && record.timestamp_ms > 0));
    }));

  test('offsets are committed only after the handler resolved; a rejected batch is redelivered; the next consumer resumes at the committed offset', (t) =>
    withBus(t, async (bus) => {
      const topic = uniqueName('commit');
      const group_id = uniqueName('group');
      await produce(bus, topic, Array.from({ length: 20 }, (_, seq): [string, string] => ['one-client', `m${seq}`]));

      const calls: BusRecord[][] = [];
      let accepted = 0;
      let lastAccepted = -1;
      let parked: BusRecord[] | undefined;
      let releaseParked: ((error: Error) => void) | undefined;
      const first: BatchHandler = async (records) => {
        calls.push(records);
        if (calls.length === 1) throw new Error('first delivery fails');
        if (accepted < 10) {
          accepted += records.length;
          lastAccepted = (records[records.length - 1] as BusRecord).offset;
          return;
        }
        parked = records;
        // Held until the consumer is closing, then rejected: must not be committed.
        await new Promise<void>((_, reject) => {
          releaseParked = reject;
        });
      };
      // Teardowns run last-registered first: release a parked handler before the bus closes.
      t.teardown(() => releaseParked?.(new Error('test ended')));
      const consumerA = bus.consumer({ group_id, topics: [topic], from: 'earliest', max_batch_records: 4 });
      await consumerA.start(first);
      await until('the parked batch', () => releaseParked !== undefined, wait_ms);

      const [failed, redelivered] = calls as [BusRecord[], BusRecord[]];
      t.is(redelivered[0]?.offset, failed[0]?.offset, 'the rejected batch came again from its first record');
      t.true(accepted >= 10);
      t.is(parked?.[0]?.offset, lastAccepted + 1, 'batches are contiguous');

      const closing = consumerA.close();
      releaseParked?.(new Error('rejected while closing'));
      await closing;

      const { consumer: consumerB, records } = await collect(bus, topic, group_id, 4);
      await until('the last record', () => records.some((record) => record.offset === 19), wait_ms);
      await consumerB.close();
      const offsets = records.map((record) => record.offset);
      t.is(offsets[0], lastAccepted + 1, 'resumes exactly after the last resolved batch');
      t.deepEqual(offsets, Array.from({ length: 20 - (lastAccepted + 1) }, (_, i) => lastAccepted + 1 + i));
    }));

  // Both groups subscribe first: on the embedded bus a group that subscribes later only sees
  // what the groups before it have not committed yet (retention follows the subscribed groups).
  test('two consumer groups each see every message', (t) =>
    withBus(t, async (bus) => {
      const topic = uniqueName('groups');
      const messages = Array.from({ length: 30 }, (_, seq): [string, string] => [`client-${seq % 5}`, `v${seq}`]);
      const groupA = await collect(bus, topic, uniqueName('group-a'), 8);
      const groupB = await collect(bus, topic, uniqueName('group-b'), 3);
      await produce(bus, topic, messages);
      await until('both groups', () => groupA.records.length >= 30 && groupB.records.length >= 30, wait_ms);
      await Promise.all([groupA.consumer.close(), groupB.consumer.close()]);
      const values = (records: BusRecord[]) => records.map((record) => record.value.toString()).sort();
      const expected = messages.map(([, value]) => value).sort();
      t.deepEqual(values(groupA.records), expected);
      t.deepEqual(values(groupB.records), expected);
    }));

  test('a batch that sent nothing seals at once; a sealed batch refuses more sends', (t) =>
    withBus(t, async (bus) => {
      const producer = bus.producer();
      await producer.connect();
      t.true(producer.isReady());
      const batch = producer.batch();
      await batch.seal();
      t.is(batch.size, 0);
      t.throws(() => batch.send(uniqueName('sealed'), null, Buffer.from('late')), { code: 'ERR_BUS_CLOSED' });
      t.true(await bus.healthcheck(5_000));
      await producer.close();
      t.false(producer.isReady());
    }));

  test('a fresh group with from_time_ms starts where offsetsForTime says, and reads everything appended since', (t) =>
    withBus(t, async (bus) => {
      const topic = uniqueName('seek');
      await produce(bus, topic, Array.from({ length: 6 }, (_, i): [string, string] => [`old-${i}`, `old-${i}`]));
      await new Promise((resolve) => setTimeout(resolve, 30));
      const since = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await produce(bus, topic, Array.from({ length: 6 }, (_, i): [string, string] => [`new-${i}`, `new-${i}`]));

      const ranges = await bus.offsetsForTime(topic, since, 10_000);
      t.true(ranges.length > 0);
      t.is(ranges.reduce((sum, range) => sum + range.end, 0), 12, 'the end offsets count every record');
      for (const range of ranges) t.true(range.start <= range.end);
      const remaining = ranges.reduce((sum, range) => sum + range.end - range.start, 0);
      if (exactTime) t.is(remaining, 6, 'exactly the records appended at or after the time');
      else t.true(remaining >= 6);

      const records: BusRecord[] = [];
      const consumer = bus.consumer({ group_id: uniqueName('fresh'), topics: [topic], from: 'latest', from_time_ms: since, max_batch_records: 100 });
      await consumer.start(async (batch) => {
        records.push(...batch);
      });
      t.teardown(() => consumer.close());
      await until('the records from the start positions', () => records.length >= remaining, wait_ms);
      const values = records.map((record) => record.value.toString());
      for (let i = 0; i < 6; i++) t.true(values.includes(`new-${i}`), `new-${i} read although from is latest`);
      if (exactTime) t.false(values.some((value) => value.startsWith('old-')), 'nothing appended before the time');
      for (const range of ranges) {
        const first = records.filter((record) => record.partition === range.partition).map((record) => record.offset);
        if (range.start < range.end) t.is(Math.min(...first), range.start, `partition ${range.partition} starts at the looked-up position`);
        else t.is(first.length, 0);
      }
      t.is(records.length, remaining, 'nothing before the start positions, nothing twice');
    }));
}
