import test from 'ava';
import type { BusRecord } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import { busConformance, collect, until, uniqueName } from '@botsieve/testkit';
import { busConfigSchema } from '../config.js';
import { EmbeddedBus } from './embedded-bus.js';
import { TopicLog, stableHash } from './topic-log.js';

const makeBus = (embedded: Record<string, unknown> = {}) => new EmbeddedBus(busConfigSchema.parse({ embedded }), nullTelemetry());

busConformance(test, { makeBus: () => makeBus() });

test('send returns false once a topic holds max_buffered_messages uncommitted records, and true again after a commit trims them', async (t) => {
  const bus = makeBus({ max_buffered_messages: 10 });
  t.teardown(() => bus.close());
  const topic = uniqueName('full');
  const producer = bus.producer();
  await producer.connect();
  const batch = producer.batch();
  for (let i = 0; i < 10; i++) t.true(batch.send(topic, `k${i}`, Buffer.from('x')));
  t.false(batch.send(topic, 'k10', Buffer.from('x')), 'the 11th is refused');
  t.true(batch.send(uniqueName('other'), 'k', Buffer.from('x')), 'the bound is per topic');
  t.is(batch.size, 11);
  await batch.seal();

  const { consumer, records } = await collect(bus, topic, uniqueName('group'));
  await until('the ten records', () => records.length === 10, 2_000);
  await consumer.close();
  const next = producer.batch();
  t.true(next.send(topic, 'k11', Buffer.from('x')), 'room again once committed');
});

test('the byte bound counts value bytes', async (t) => {
  const bus = makeBus({ max_buffered_bytes: 100 });
  t.teardown(() => bus.close());
  const batch = bus.producer().batch();
  const topic = uniqueName('bytes');
  t.true(batch.send(topic, null, Buffer.alloc(60)));
  t.false(batch.send(topic, null, Buffer.alloc(41)));
  t.true(batch.send(topic, null, Buffer.alloc(40)));
});

test('records stay until every subscribed group committed past them', (t) => {
  const log = new TopicLog('t', 1, { max_buffered_messages: 100, max_buffered_bytes: 1_000, retention_ms: 0 });
  for (let i = 0; i < 5; i++) log.append('k', Buffer.from('ab'), 1);
  log.subscribe('a', 'earliest');
  log.subscribe('b', 'earliest');
  log.commit('a', 0, 5);
  t.is(log.bufferedMessages, 5, 'b has not committed');
  log.commit('b', 0, 3);
  t.is(log.bufferedMessages, 2);
  t.is(log.bufferedBytes, 4);
  t.is(log.partitions[0]?.startOffset, 3);
  log.subscribe('late', 'earliest');
  t.is(log.committedOffset('late', 0), 3, 'a new group starts at the oldest record still held');
  log.subscribe('tail', 'latest');
  t.is(log.committedOffset('tail', 0), 5);
});

test('the same key always maps to the same partition; null keys are spread', (t) => {
  const log = new TopicLog('t', 4, { max_buffered_messages: 1_000, max_buffered_bytes: 1_000_000, retention_ms: 0 });
  for (let i = 0; i < 8; i++) log.append('203.0.113.9', Buffer.from('x'), 1);
  for (let i = 0; i < 8; i++) log.append(null, Buffer.from('x'), 1);
  const keyed = stableHash('203.0.113.9') % 4;
  t.is(log.partitions[keyed]?.endOffset, 8 + 2);
  t.deepEqual(log.partitions.map((partition) => partition.endOffset).reduce((a, b) => a + b, 0), 16);
  t.is(stableHash('203.0.113.9'), stableHash('203.0.113.9'));
});

test('consumers of one group share the partitions and take over when one closes', async (t) => {
  const bus = makeBus();
  t.teardown(() => bus.close());
  const topic = uniqueName('share');
  const group_id = uniqueName('group');
  const first = await collect(bus, topic, group_id);
  const second = await collect(bus, topic, group_id);
  t.is(first.consumer.assignment().length, 2);
  t.is(second.consumer.assignment().length, 2);
  t.deepEqual([...first.consumer.assignment(), ...second.consumer.assignment()].sort(), [0, 1, 2, 3].map((p) => `${topic}/${p}`));
  await second.consumer.close();
  t.is(first.consumer.assignment().length, 4);
  await first.consumer.close();
});

test('from latest skips what was there before the group subscribed', async (t) => {
  const bus = makeBus();
  t.teardown(() => bus.close());
  const topic = uniqueName('latest');
  const producer = bus.producer();
  const before = producer.batch();
  before.send(topic, 'k', Buffer.from('old'));
  await before.seal();
  const records: BusRecord[] = [];
  const consumer = bus.consumer({ group_id: uniqueName('group'), topics: [topic], from: 'latest', max_batch_records: 10 });
  await consumer.start(async (batch) => {
    records.push(...batch);
  });
  const after = producer.batch();
  after.send(topic, 'k', Buffer.from('new'));
  await after.seal();
  await until('the new record', () => records.length === 1, 2_000);
  await consumer.close();
  t.deepEqual(records.map((record) => record.value.toString()), ['new']);
});

test('close() waits for the handler in flight and commits it; the handler is never called concurrently', async (t) => {
  const bus = makeBus();
  t.teardown(() => bus.close());
  const topic = uniqueName('close');
  const group_id = uniqueName('group');
  const batch = bus.producer().batch();
  for (let i = 0; i < 8; i++) batch.send(topic, `k${i}`, Buffer.from(`v${i}`));
  await batch.seal();
  let active = 0;
  let maxActive = 0;
  let handled = 0;
  let release: (() => void) | undefined;
  const consumer = bus.consumer({ group_id, topics: [topic], from: 'earliest', max_batch_records: 100 });
  await consumer.start(async (records) => {
    active += 1;
    maxActive = Math.max(maxActive, active);
    if (release === undefined) await new Promise<void>((resolve) => (release = resolve));
    handled += records.length;
    active -= 1;
  });
  await until('the first batch', () => release !== undefined, 2_000);
  let closed = false;
  const closing = consumer.close().then(() => (closed = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.false(closed, 'close waits for the handler');
  release?.();
  await closing;
  t.is(maxActive, 1);
  const rest = await collect(bus, topic, group_id);
  await until('the rest after the committed batch', () => handled + rest.records.length === 8, 2_000);
  await rest.consumer.close();
  t.is(handled + rest.records.length, 8, 'the batch finished during close was committed, not redelivered');
});
