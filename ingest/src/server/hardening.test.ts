/**
 * The defects a hostile probe found against `botsieve start` (issue #9), each as a test that
 * fails on the code before the fix: forged timestamps, hogging connections, uploads at shutdown,
 * deep JSON, a /stream socket closed after a bug, newline bombs, and traces of refused uploads.
 */
import { once } from 'node:events';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import WebSocket from 'ws';
import { startOnEmbeddedBus } from '../test-support/embedded.js';
import { line, post, startIngest } from '../test-support/harness.js';
import { MemoryProducer } from '../test-support/memory-producer.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const errorOf = (json: unknown): string => (json as { error: string }).error;
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

/** An upload that announces `declared` bytes, writes `first`, then waits; `answer` settles when the server answers. */
function openUpload(port: number, declared: number, first: Buffer): { write(bytes: Buffer): void; end(bytes?: Buffer): void; abort(): void; answer: Promise<Answer> } {
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/logpush', headers: { 'content-length': declared }, agent: false });
  let responded = false;
  const answer = new Promise<Answer>((resolve) => {
    req.on('response', (res) => {
      responded = true;
      let text = '';
      res.setEncoding('utf8').on('data', (part: string) => (text += part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text === '' ? null : (JSON.parse(text) as unknown) }));
    });
    // Closed without any answer: status 0 (a response that arrived is read to its end instead).
    req.on('close', () => {
      if (!responded) resolve({ status: 0, headers: {}, json: null });
    });
  });
  req.on('error', () => {});
  req.write(first);
  return { write: (bytes) => req.write(bytes), end: (bytes) => req.end(bytes), abort: () => req.destroy(), answer };
}

test('events dated past the skew ahead of the ingest clock (a day ahead, year 9999) or implausibly old are dead-lettered; the rest go through', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const nowS = Math.floor(Date.now() / 1_000);
  const lines = [
    line(),
    line({ EdgeStartTimestamp: nowS + 86_400 }),
    line({ EdgeStartTimestamp: '9999-12-31T23:59:59Z' }),
    line({ EdgeStartTimestamp: nowS - 2 * 86_400 }),
    line({ EdgeStartTimestamp: nowS + 30 }),
  ];
  const answer = await post(ingest.port, '/events', lines.join('\n'));
  t.deepEqual(answer.json, { accepted: 2, rejected: 3 });
  const deadletters = await ingest.readJson<{ reason: string; detail: string }>(ingest.topics.deadletter, 3);
  t.deepEqual(deadletters.map((record) => record.reason).sort(), ['timestamp_in_future', 'timestamp_in_future', 'timestamp_too_old']);
  const metrics = await ingest.metrics();
  t.regex(metrics, /botsieve_discarded_total\{component="ingest",reason="timestamp_in_future"\} 2/);
  t.regex(metrics, /botsieve_discarded_total\{component="ingest",reason="timestamp_too_old"\} 1/);
});

test('connections that announce large bodies and then stall reserve nothing: honest uploads flow, the hogs are cut with 408', async (t) => {
  const ingest = await startOnEmbeddedBus({ max_body_bytes: 256 * KiB, max_inflight_bytes: 512 * KiB, upload_idle_timeout_ms: 1_000 });
  t.teardown(() => ingest.close());
  // Two hogs claim the whole budget and send a few bytes.
  const hogs = [openUpload(ingest.port, 256 * KiB, Buffer.from('{"RayID"')), openUpload(ingest.port, 256 * KiB, Buffer.from('{"RayID"'))];
  await delay(100);
  const honest = gzipSync(Array.from({ length: 200 }, () => line()).join('\n'));
  for (let i = 0; i < 20; i++) {
    const answer = await post(ingest.port, '/logpush', honest);
    t.is(answer.status, 200, `honest upload ${i}: ${JSON.stringify(answer.json)}`);
  }
  for (const hog of hogs) {
    const answer = await hog.answer;
    t.is(answer.status, 408);
    t.is(errorOf(answer.json), 'ERR_INGEST_UPLOAD_STALLED');
  }
  const metrics = await ingest.metrics();
  t.regex(metrics, /botsieve_ingest_inflight_bytes\{component="ingest"\} 0\n/);
  t.regex(metrics, /botsieve_ingest_uploads_total\{route="logpush",outcome="ERR_INGEST_UPLOAD_STALLED"\} 2/);
});

test('drain answers an upload still arriving at its deadline with 503 ERR_INGEST_DRAINING, not an empty reply', async (t) => {
  const ingest = await startOnEmbeddedBus({ retry_after_s: 3 });
  t.teardown(() => ingest.close());
  const payload = Buffer.from(Array.from({ length: 4_000 }, () => line()).join('\n'));
  const upload = openUpload(ingest.port, payload.length, payload.subarray(0, 64 * KiB));
  let sent = 64 * KiB;
  const trickle = setInterval(() => {
    if (sent >= payload.length - KiB) return;
    upload.write(payload.subarray(sent, sent + KiB));
    sent += KiB;
  }, 20);
  t.teardown(() => clearInterval(trickle));
  // Drain only once the server has the upload (bytes booked), not while it sits in the accept queue.
  while (!/botsieve_ingest_inflight_bytes\{component="ingest"\} [1-9]/.test(await ingest.metrics())) await delay(10);
  const drained = ingest.server.drain(3_000);
  const answer = await upload.answer;
  await drained;
  t.is(answer.status, 503);
  t.is(errorOf(answer.json), 'ERR_INGEST_DRAINING');
  t.is(answer.headers['retry-after'], '3');
});

test('an event nested 5,000 deep is dead-lettered as json_too_deep, in an /events array, an NDJSON line and a /stream batch; the others go through', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const deepObject = `{"RayID":"deep","ClientIP":"192.0.2.1","EdgeStartTimestamp":${Math.floor(Date.now() / 1_000)},"x":${nested(5_000)}}`;
  const array = `[${line()},${nested(5_000)},${line()},${deepObject}]`;
  t.deepEqual((await post(ingest.port, '/events', array)).json, { accepted: 2, rejected: 2 });
  t.deepEqual((await post(ingest.port, '/logpush', `${line()}\n${deepObject}\n${line()}`)).json, { accepted: 2, rejected: 1 });

  const ws = new WebSocket(`ws://127.0.0.1:${ingest.port}/stream`);
  await once(ws, 'open');
  ws.send(`{"seq":1,"events":[${line()},${nested(5_000)},${line()}]}`);
  const [ack] = (await once(ws, 'message')) as [Buffer];
  t.deepEqual(JSON.parse(ack.toString()), { ack: 1, accepted: 2, rejected: 1 });
  ws.close();

  const deadletters = await ingest.readJson<{ reason: string; line: string }>(ingest.topics.deadletter, 4);
  t.deepEqual(deadletters.map((record) => record.reason), ['json_too_deep', 'json_too_deep', 'json_too_deep', 'json_too_deep']);
  t.true(deadletters.every((record) => record.line.length <= 4 * KiB));
  t.is((await ingest.read(ingest.topics.events, 6)).length, 6);
});

test('a /stream socket closed with 1011 after a bug releases its batches: a later drain does not wait', async (t) => {
  const producer = new MemoryProducer({ sendThrows: true });
  const ingest = await startIngest(producer, { ack_timeout_ms: 60_000 });
  t.teardown(() => ingest.close());
  const ws = new WebSocket(`ws://127.0.0.1:${ingest.port}/stream`);
  await once(ws, 'open');
  ws.send(JSON.stringify({ seq: 1, events: [JSON.parse(line()) as unknown] }));
  const [code] = (await once(ws, 'close')) as [number];
  t.is(code, 1011);
  const outcome = await Promise.race([ingest.server.drain(30_000).then(() => 'drained'), delay(10_000).then(() => 'still waiting')]);
  t.is(outcome, 'drained');
});

test('a gzip of 64 MiB of newlines is refused with 400 ERR_INGEST_BLANK_LINES; double-spaced NDJSON is fine', async (t) => {
  const ingest = await startOnEmbeddedBus({ max_blank_lines: 1_000 });
  t.teardown(() => ingest.close());
  const bomb = gzipSync(Buffer.alloc(64 * MiB, 0x0a), { level: 9 });
  const answer = await post(ingest.port, '/logpush', bomb, { 'content-encoding': 'gzip' });
  t.is(answer.status, 400);
  t.is(errorOf(answer.json), 'ERR_INGEST_BLANK_LINES');
  const spaced = Array.from({ length: 2_000 }, () => `${line()}\n`).join('\n');
  t.deepEqual((await post(ingest.port, '/logpush', gzipSync(spaced))).json, { accepted: 2_000, rejected: 0 });
});

test('an upload refused as a whole leaves no dead letters and counts no lines: received = accepted + rejected of answered uploads', async (t) => {
  const ingest = await startOnEmbeddedBus({ max_decompressed_bytes: 8 * MiB, max_line_bytes: 64 * KiB });
  t.teardown(() => ingest.close());
  // A gzip bomb whose first "line" is megabytes of zeros (once a line_too_long dead letter), after bad lines.
  const bomb = gzipSync(Buffer.concat([Buffer.from('not json\n{"RayID":1}\n'), Buffer.alloc(16 * MiB)]), { level: 9 });
  const refused = await post(ingest.port, '/logpush', bomb, { 'content-encoding': 'gzip' });
  t.is(refused.status, 413);
  // An upload cut by the client half-way, after a bad line.
  const aborted = openUpload(ingest.port, 1 * MiB, Buffer.from(`not json\n${line()}\n`));
  await delay(100);
  aborted.abort();
  t.is((await aborted.answer).status, 0);
  await delay(100);
  // One answered upload: 1 accepted, 1 rejected.
  t.deepEqual((await post(ingest.port, '/logpush', `${line()}\nnot json\n`)).json, { accepted: 1, rejected: 1 });
  const deadletters = await ingest.read(ingest.topics.deadletter, 1, 300);
  t.is(deadletters.length, 1, 'only the answered upload left a dead letter');
  const metrics = await ingest.metrics();
  t.regex(metrics, /botsieve_received_total\{component="ingest"\} 2\n/);
  t.regex(metrics, /botsieve_discarded_total\{component="ingest",reason="invalid_json"\} 1\n/);
  t.notRegex(metrics, /reason="line_too_long"/);
});
