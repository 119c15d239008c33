import test from 'ava';
import { randomBytes } from 'node:crypto';
import { BotsieveError, PartialWriteError, type Sink } from '@botsieve/core';
import { EmbeddedBus, busConfigSchema } from '@botsieve/bus';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import { SinkService, decodeJson, type SinkDeadLetter } from './sink-service.js';

interface Item {
  n: number;
}

/** A sink driven by a script of outcomes, recording every call. */
class ScriptedSink implements Sink<Item> {
  readonly id = 'scripted';
  calls: number[][] = [];
  stored = new Set<number>();
  script: ((items: readonly Item[]) => void)[] = [];
  maintained = 0;
  connectFailures: BotsieveError[] = [];
  connects = 0;
  async connect(): Promise<void> {
    this.connects += 1;
    const failure = this.connectFailures.shift();
    if (failure !== undefined) throw failure;
  }
  async writeBatch(items: readonly Item[]): Promise<void> {
    this.calls.push(items.map((item) => item.n));
    const step = this.script.shift();
    step?.(items);
    for (const item of items) this.stored.add(item.n);
  }
  async healthcheck(): Promise<boolean> {
    return true;
  }
  async maintain(): Promise<void> {
    this.maintained += 1;
  }
  async close(): Promise<void> {}
}

async function setup(values: Buffer[]) {
  const telemetry = nullTelemetry();
  const bus = new EmbeddedBus(busConfigSchema.parse({}), telemetry);
  const topic = `svc-${randomBytes(4).toString('hex')}`;
  const deadletterTopic = `${topic}-dl`;
  const producer = bus.producer();
  await producer.connect();
  const batch = producer.batch();
  for (const value of values) batch.send(topic, 'one', value);
  await batch.seal();
  const sink = new ScriptedSink();
  const deadLetters: SinkDeadLetter[] = [];
  const drain = bus.consumer({ group_id: `dl-${topic}`, topics: [deadletterTopic], from: 'earliest', max_batch_records: 100 });
  await drain.start(async (records) => {
    for (const record of records) deadLetters.push(JSON.parse(record.value.toString('utf8')) as SinkDeadLetter);
  });
  const make = (target: ScriptedSink) => new SinkService<Item>(bus, target, { group_id: `g-${topic}`, topic, decode: decodeJson, max_batch_records: 100, retry: { initial_backoff_ms: 5, max_backoff_ms: 20 }, maintain_interval_ms: 20, deadletter: { producer, topic: deadletterTopic } }, { telemetry, clock: systemClock });
  return { telemetry, sink, service: make(sink), make, deadLetters, stop: () => drain.close() };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('a partial failure retries only the failed items and dead-letters the rejected ones', async (t) => {
  const { sink, service, deadLetters, stop } = await setup([1, 2, 3, 4, 5].map((n) => json({ n })));
  sink.script.push((items) => {
    for (const item of items) if (item.n !== 2 && item.n !== 4) sink.stored.add(item.n);
    throw new PartialWriteError('two failed', [items[1] as Item], [{ item: items[3] as Item, reason: 'schema', detail: 'n: expected STRING' }]);
  });
  await service.start();
  await until('the retry', () => sink.calls.length >= 2);
  await until('the dead letter', () => deadLetters.length >= 1);
  await service.close();
  await stop();
  t.deepEqual(sink.calls, [[1, 2, 3, 4, 5], [2]]);
  t.deepEqual([...sink.stored].sort(), [1, 2, 3, 5]);
  t.is(deadLetters.length, 1);
  t.like(deadLetters[0], { reason: 'schema', sink: 'scripted', value: JSON.stringify({ n: 4 }) });
});

test('retry-after from the target is honoured before the next attempt', async (t) => {
  const { sink, service, stop } = await setup([json({ n: 1 })]);
  const times: number[] = [];
  sink.script.push(() => {
    times.push(Date.now());
    throw new BotsieveError('ERR_SINK_RATE_LIMITED', '429', { retryable: true, retry_after_ms: 400 });
  });
  sink.script.push(() => {
    times.push(Date.now());
  });
  await service.start();
  await until('the second attempt', () => times.length >= 2);
  await service.close();
  await stop();
  t.true((times[1] as number) - (times[0] as number) >= 390, `waited ${(times[1] as number) - (times[0] as number)} ms`);
});

test('undecodable records are dead-lettered and the rest written', async (t) => {
  const { sink, service, deadLetters, stop } = await setup([json({ n: 1 }), Buffer.from('{not json'), json({ n: 2 })]);
  await service.start();
  await until('writes and dead letter', () => sink.stored.size === 2 && deadLetters.length === 1);
  await service.close();
  await stop();
  t.is(deadLetters[0]?.reason, 'ERR_SINK_DECODE');
  t.is(deadLetters[0]?.value, '{not json');
});

test('a non-retryable failure dead-letters the whole batch once', async (t) => {
  const { sink, service, deadLetters, stop } = await setup([json({ n: 1 }), json({ n: 2 })]);
  sink.script.push(() => {
    throw new BotsieveError('ERR_SINK_REJECTED', 'bad request', { retryable: false });
  });
  await service.start();
  await until('dead letters', () => deadLetters.length === 2);
  await service.close();
  await stop();
  t.is(sink.calls.length, 1);
  t.deepEqual(deadLetters.map((letter) => letter.reason), ['ERR_SINK_REJECTED', 'ERR_SINK_REJECTED']);
});

test('close() cuts a back-off short and leaves the batch uncommitted for the next owner', async (t) => {
  const { sink, service, make, stop } = await setup([json({ n: 7 })]);
  sink.script.push(() => {
    throw new BotsieveError('ERR_SINK_UNAVAILABLE', 'down', { retryable: true, retry_after_ms: 60_000 });
  });
  await service.start();
  await until('the first attempt', () => sink.calls.length === 1);
  const started = Date.now();
  await service.close();
  t.true(Date.now() - started < 5_000, 'close did not wait out the 60 s retry-after');
  t.is(sink.calls.length, 1);
  const next = new ScriptedSink();
  const again = make(next);
  await again.start();
  await until('the redelivery', () => next.stored.has(7));
  await again.close();
  await stop();
  t.deepEqual(next.calls, [[7]]);
});

test('maintain() is called periodically', async (t) => {
  const { sink, service, stop } = await setup([json({ n: 1 })]);
  await service.start();
  await until('three upkeeps', () => sink.maintained >= 3);
  await service.close();
  await stop();
  t.true(sink.maintained >= 3);
});

test('a target down at start does not fail the start: the sink connects in the background and then writes', async (t) => {
  const { sink, service, stop } = await setup([json({ n: 1 }), json({ n: 2 })]);
  sink.connectFailures.push(new BotsieveError('ERR_SINK_CONNECT', 'down', { retryable: true }), new BotsieveError('ERR_SINK_CONNECT', 'down', { retryable: true }));
  await service.start();
  t.is(service.status().consumers, 0, 'not consuming while the target is unreachable');
  await until('the writes after the third connect', () => sink.stored.size === 2);
  t.is(sink.connects, 3);
  t.is(service.status().consumers, 1);
  await service.close();
  await stop();
});

test('a configuration error at connect fails the start', async (t) => {
  const { sink, service, stop } = await setup([json({ n: 1 })]);
  sink.connectFailures.push(new BotsieveError('ERR_SINK_CONFIG', 'no nodes', { retryable: false }));
  await t.throwsAsync(() => service.start(), { code: 'ERR_SINK_CONFIG' });
  await service.close();
  await stop();
});
