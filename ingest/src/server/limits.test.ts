import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { startOnEmbeddedBus } from '../test-support/embedded.js';
import { line, post, send } from '../test-support/harness.js';

const MiB = 1024 * 1024;

test('413 when Content-Length exceeds max_body_bytes, before the body is read', async (t) => {
  const ingest = await startOnEmbeddedBus({ max_body_bytes: 64 * 1024, max_inflight_bytes: 64 * 1024 });
  t.teardown(() => ingest.close());
  const answer = await post(ingest.port, '/logpush', Buffer.from(`${line()}\n`.repeat(2_000)));
  t.is(answer.status, 413);
  t.is((answer.json as { error: string }).error, 'ERR_INGEST_BODY_TOO_LARGE');
  t.is((await ingest.read(ingest.topics.events, 0)).length, 0);
});

test('413 when a chunked body (no Content-Length) crosses max_body_bytes', async (t) => {
  const ingest = await startOnEmbeddedBus({ max_body_bytes: 64 * 1024, max_inflight_bytes: 64 * 1024 });
  t.teardown(() => ingest.close());
  const chunk = Buffer.from(`${line()}\n`.repeat(100));
  const answer = await send(ingest.port, { path: '/logpush', chunks: Array.from({ length: 20 }, () => chunk) });
  t.is(answer.status, 413);
});

test('413 when the body inflates past max_decompressed_bytes', async (t) => {
  const ingest = await startOnEmbeddedBus({ max_decompressed_bytes: 256 * 1024 });
  t.teardown(() => ingest.close());
  const answer = await post(ingest.port, '/logpush', gzipSync(`${line()}\n`.repeat(5_000)));
  t.is(answer.status, 413);
  t.is((answer.json as { error: string }).error, 'ERR_INGEST_DECOMPRESSED_TOO_LARGE');
});

test('gzip bomb (1 GiB of zeros in about 1 MB): 413 quickly, memory does not explode', async (t) => {
  // 16 gzip members of 64 MiB of zeros each: one body that inflates to 1 GiB.
  const member = gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
  const bomb = Buffer.concat(Array.from({ length: 16 }, () => member));
  t.true(bomb.length < 1.2 * MiB);
  const ingest = await startOnEmbeddedBus({ max_decompressed_bytes: 64 * MiB });
  t.teardown(() => ingest.close());
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 5);
  const started = performance.now();
  const answer = await post(ingest.port, '/logpush', bomb, { 'content-encoding': 'gzip' });
  const elapsed = performance.now() - started;
  clearInterval(sampler);
  t.log(`413 after ${elapsed.toFixed(0)} ms, rss +${((rssPeak - rssBefore) / MiB).toFixed(1)} MiB`);
  t.is(answer.status, 413);
  t.is((answer.json as { error: string }).error, 'ERR_INGEST_DECOMPRESSED_TOO_LARGE');
  t.true(elapsed < 3_000, `took ${elapsed.toFixed(0)} ms`);
  t.true(rssPeak - rssBefore < 150 * MiB, `rss grew by ${((rssPeak - rssBefore) / MiB).toFixed(0)} MiB`);
});

test('a line over max_line_bytes is dead-lettered as line_too_long, not buffered, and the next lines count', async (t) => {
  const ingest = await startOnEmbeddedBus({ max_line_bytes: 1_024, deadletter_line_bytes: 100 });
  t.teardown(() => ingest.close());
  const body = gzipSync(`${line()}\n${'x'.repeat(5 * MiB)}\n${line()}\n`);
  const answer = await post(ingest.port, '/logpush', body);
  t.deepEqual(answer.json, { accepted: 2, rejected: 1 });
  const [record] = await ingest.readJson<{ reason: string; line: string }>(ingest.topics.deadletter, 1);
  t.is(record?.reason, 'line_too_long');
  t.is(record?.line, 'x'.repeat(100));
});

test('503 + Retry-After when the declared length of an upload does not fit what is booked now; bytes are booked as they arrive', async (t) => {
  const ingest = await startOnEmbeddedBus({ max_body_bytes: 100_000, max_inflight_bytes: 150_000, retry_after_s: 7 });
  t.teardown(() => ingest.close());
  const body = Buffer.from(`${line()}\n`.repeat(1_000)).subarray(0, 100_000);
  // Upload A: announces 100 kB and sends 60 kB of it, then waits: 60 kB booked, not 100.
  const first = request({ host: '127.0.0.1', port: ingest.port, method: 'POST', path: '/logpush', headers: { 'content-length': body.length }, agent: false });
  const firstAnswer = new Promise<number>((resolve) => first.on('response', (res) => {
    res.resume();
    resolve(res.statusCode ?? 0);
  }));
  first.write(body.subarray(0, 60_000));
  const booked = await waitForMetric(ingest, /botsieve_ingest_inflight_bytes\{component="ingest"\} (\d+)/, (value) => value >= 60_000);
  t.is(booked, 60_000);
  const second = await post(ingest.port, '/logpush', body);
  t.is(second.status, 503);
  t.is(second.headers['retry-after'], '7');
  t.is((second.json as { error: string }).error, 'ERR_INGEST_OVERLOADED');
  // 80 kB fits beside A's 60 kB: the announced 100 kB of A reserve nothing.
  t.is((await post(ingest.port, '/logpush', body.subarray(0, body.lastIndexOf(10, 80_000) + 1))).status, 200);
  first.end(body.subarray(60_000));
  t.is(await firstAnswer, 200);
  // The budget is returned once A is answered.
  t.is((await post(ingest.port, '/logpush', body)).status, 200);
  t.regex(await ingest.metrics(), /botsieve_ingest_inflight_bytes\{component="ingest"\} 0\n/);
});

async function waitForMetric(ingest: { metrics(): Promise<string> }, pattern: RegExp, done: (value: number) => boolean): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = Number(pattern.exec(await ingest.metrics())?.[1] ?? Number.NaN);
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
