import { once } from 'node:events';
import test from 'ava';
import WebSocket from 'ws';
import { startOnEmbeddedBus } from '../test-support/embedded.js';
import { MemoryProducer } from '../test-support/memory-producer.js';
import { line, startIngest } from '../test-support/harness.js';

interface Client {
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  next(count: number): Promise<Array<Record<string, unknown>>>;
  batch(seq: number, events: unknown[]): void;
}

async function connect(port: number, headers: Record<string, string> = {}): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/stream`, { headers });
  const messages: Array<Record<string, unknown>> = [];
  let waiting: { count: number; resolve: () => void } | null = null;
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    if (waiting !== null && messages.length >= waiting.count) waiting.resolve();
  });
  await once(ws, 'open');
  return {
    ws,
    messages,
    next: async (count) => {
      if (messages.length < count) await new Promise<void>((resolve) => (waiting = { count, resolve }));
      return messages.slice(0, count);
    },
    batch: (seq, events) => ws.send(JSON.stringify({ seq, events })),
  };
}

const events = (count: number): unknown[] => Array.from({ length: count }, () => JSON.parse(line()) as unknown);
const tick = (ms = 50): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('acks go out in seq order whatever order the bus confirms in', async (t) => {
  const producer = new MemoryProducer({ seal: 'manual' });
  const ingest = await startIngest(producer);
  t.teardown(() => ingest.close());
  const client = await connect(ingest.port);
  client.batch(1, events(2));
  client.batch(2, [...events(1), { RayID: 'no-ip', EdgeStartTimestamp: 1 }]);
  client.batch(3, events(3));
  while (producer.pendingSeals.length < 3) await tick(5);
  producer.pendingSeals[2]?.resolve();
  producer.pendingSeals[1]?.resolve();
  await tick();
  t.is(client.messages.length, 0, 'nothing acked before seq 1 is safe');
  producer.pendingSeals[0]?.resolve();
  t.deepEqual(await client.next(3), [
    { ack: 1, accepted: 2, rejected: 0 },
    { ack: 2, accepted: 1, rejected: 1 },
    { ack: 3, accepted: 3, rejected: 0 },
  ]);
  t.is(producer.records.filter((record) => record.topic === ingest.topics.deadletter).length, 1);
  const dead = JSON.parse(producer.records.find((record) => record.topic === ingest.topics.deadletter)?.value.toString() ?? '{}') as { source: string };
  t.is(dead.source, 'stream');
  client.ws.close();
});

test('a failed batch is nacked, and so is every batch received before the nack; resending works', async (t) => {
  const producer = new MemoryProducer({ seal: 'manual' });
  const ingest = await startIngest(producer, { retry_after_s: 2 });
  t.teardown(() => ingest.close());
  const client = await connect(ingest.port);
  client.batch(1, events(1));
  client.batch(2, events(1));
  client.batch(3, events(1));
  while (producer.pendingSeals.length < 3) await tick(5);
  producer.pendingSeals[0]?.resolve();
  producer.pendingSeals[1]?.reject(new Error('broker down'));
  producer.pendingSeals[2]?.resolve();
  t.deepEqual(await client.next(3), [
    { ack: 1, accepted: 1, rejected: 0 },
    { nack: 2, retry_after_ms: 2_000, error: 'ERR_INGEST_BUS_UNAVAILABLE' },
    { nack: 3, retry_after_ms: 2_000, error: 'ERR_INGEST_BUS_UNAVAILABLE' },
  ]);
  producer.sealMode = 'ok';
  client.batch(2, events(1));
  client.batch(3, events(1));
  t.deepEqual((await client.next(5)).slice(3), [
    { ack: 2, accepted: 1, rejected: 0 },
    { ack: 3, accepted: 1, rejected: 0 },
  ]);
  client.ws.close();
});

test('the bus refusing (not ready, queue full) gives a nack with retry_after_ms', async (t) => {
  const producer = new MemoryProducer({ ready: false });
  const ingest = await startIngest(producer, { retry_after_s: 3 });
  t.teardown(() => ingest.close());
  const client = await connect(ingest.port);
  client.batch(1, events(1));
  t.deepEqual(await client.next(1), [{ nack: 1, retry_after_ms: 3_000, error: 'ERR_INGEST_BUS_UNAVAILABLE' }]);
  producer.ready = true;
  producer.capacity = 2;
  client.batch(2, events(5));
  t.deepEqual((await client.next(2))[1], { nack: 2, retry_after_ms: 3_000, error: 'ERR_INGEST_BUS_UNAVAILABLE' });
  client.ws.close();
});

test('more unanswered batches than max_inflight_batches are refused; a flood closes the socket', async (t) => {
  const producer = new MemoryProducer({ seal: 'manual' });
  const ingest = await startIngest(producer, { stream: { max_inflight_batches: 2 } });
  t.teardown(() => ingest.close());
  const client = await connect(ingest.port);
  for (let seq = 1; seq <= 3; seq++) client.batch(seq, events(1));
  while (producer.pendingSeals.length < 2) await tick(5);
  await tick();
  t.is(producer.pendingSeals.length, 2, 'the third batch was not handed to the bus');
  for (const seal of producer.pendingSeals) seal.resolve();
  const answers = await client.next(3);
  t.deepEqual(answers.map((answer) => answer.ack ?? `nack ${String(answer.nack)}`), [1, 2, 'nack 3']);
  // Keep sending without waiting: at 2 × max_inflight_batches the socket is closed with 1013.
  const closed = once(client.ws, 'close');
  for (let seq = 4; seq <= 10; seq++) client.batch(seq, events(1));
  const [code] = (await closed) as [number];
  t.is(code, 1013);
});

test('an invalid envelope closes the socket with 1007', async (t) => {
  const ingest = await startIngest(new MemoryProducer());
  t.teardown(() => ingest.close());
  for (const message of ['not json', '{"seq":"1","events":[]}', '{"seq":1}', '{"seq":-1,"events":[]}', '[]']) {
    const client = await connect(ingest.port);
    const closed = once(client.ws, 'close');
    client.ws.send(message);
    const [code] = (await closed) as [number];
    t.is(code, 1007, message);
  }
});

test('the upgrade is authenticated', async (t) => {
  const ingest = await startIngest(new MemoryProducer(), { auth: { token: 'Bearer tok' } });
  t.teardown(() => ingest.close());
  const refused = new WebSocket(`ws://127.0.0.1:${ingest.port}/stream`);
  refused.on('error', () => {});
  const [, response] = (await once(refused, 'unexpected-response')) as [unknown, { statusCode: number; destroy(): void }];
  t.is(response.statusCode, 401);
  response.destroy();
  const client = await connect(ingest.port, { authorization: 'Bearer tok' });
  client.batch(7, events(1));
  t.deepEqual(await client.next(1), [{ ack: 7, accepted: 1, rejected: 0 }]);
  client.ws.close();
});

test('on the embedded bus: events arrive with source "stream"; drain closes idle sockets with 1001', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const client = await connect(ingest.port);
  client.batch(1, events(3));
  client.batch(2, [...events(1), 'junk']);
  t.deepEqual(await client.next(2), [
    { ack: 1, accepted: 3, rejected: 0 },
    { ack: 2, accepted: 1, rejected: 1 },
  ]);
  const published = await ingest.readJson<{ source: string }>(ingest.topics.events, 4);
  t.deepEqual(published.map((event) => event.source), ['stream', 'stream', 'stream', 'stream']);
  const closed = once(client.ws, 'close');
  await ingest.server.drain(1_000);
  const [code] = (await closed) as [number];
  t.is(code, 1001);
});

test('a client that leaves before its ack: the late seal is handled, the server carries on', async (t) => {
  const producer = new MemoryProducer({ seal: 'manual' });
  const ingest = await startIngest(producer);
  t.teardown(() => ingest.close());
  const leaving = await connect(ingest.port);
  leaving.batch(1, events(1));
  while (producer.pendingSeals.length < 1) await tick(5);
  leaving.ws.terminate();
  await tick();
  producer.pendingSeals[0]?.resolve();
  await tick();
  producer.sealMode = 'ok';
  const next = await connect(ingest.port);
  next.batch(1, events(1));
  t.deepEqual(await next.next(1), [{ ack: 1, accepted: 1, rejected: 0 }]);
  next.ws.close();
});
