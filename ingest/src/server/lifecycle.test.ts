import { Agent, request } from 'node:http';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { startOnEmbeddedBus } from '../test-support/embedded.js';
import { get, line, post, startIngest, type HttpAnswer } from '../test-support/harness.js';
import { MemoryProducer } from '../test-support/memory-producer.js';

const body = (count: number): Buffer => gzipSync(Array.from({ length: count }, () => line()).join('\n'));
const errorOf = (answer: HttpAnswer): string => (answer.json as { error: string }).error;

/** GET on a given keep-alive agent (the listen socket is closed while draining). */
function getOn(agent: Agent, port: number, path: string, method = 'GET', payload?: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent, headers: payload === undefined ? {} : { 'content-length': payload.length } }, (res) => {
      let text = '';
      res.on('data', (part: Buffer) => (text += part.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

test('healthz, readyz; metrics are not served on the public ingest port', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  t.is((await get(ingest.port, '/healthz')).status, 200);
  t.is((await get(ingest.port, '/readyz')).status, 200);
  t.is((await get(ingest.port, '/metrics')).status, 404);
  await post(ingest.port, '/logpush', gzipSync(`${line()}\nnot json\n${line()}`));
  await post(ingest.port, '/logpush', 'x', { 'content-encoding': 'br' });
  const metrics = { text: await ingest.metrics() };
  t.regex(metrics.text, /botsieve_received_total\{component="ingest"\} 3/);
  t.regex(metrics.text, /botsieve_discarded_total\{component="ingest",reason="invalid_json"\} 1/);
  t.regex(metrics.text, /botsieve_errors_total\{component="ingest",code="ERR_INGEST_UNSUPPORTED_ENCODING"\} 1/);
  t.regex(metrics.text, /botsieve_ingest_uploads_total\{route="logpush",outcome="ok"\} 1/);
  t.regex(metrics.text, /botsieve_ingest_uploads_total\{route="logpush",outcome="ERR_INGEST_UNSUPPORTED_ENCODING"\} 1/);
  t.regex(metrics.text, /botsieve_ingest_ack_seconds_count\{component="ingest",mode="durable",route="logpush"\} 1/);
  t.regex(metrics.text, /botsieve_sent_total\{component="ingest"\} 2/);
  t.regex(metrics.text, /botsieve_ingest_inflight_bytes\{component="ingest"\} 0/);
});

test('503 + Retry-After when the bus topic is full (send returns false)', async (t) => {
  const ingest = await startOnEmbeddedBus({ retry_after_s: 9 }, { max_buffered_messages: 3 });
  t.teardown(() => ingest.close());
  const answer = await post(ingest.port, '/logpush', body(5));
  t.is(answer.status, 503);
  t.is(answer.headers['retry-after'], '9');
  t.is(errorOf(answer), 'ERR_INGEST_BUS_UNAVAILABLE');
});

test('503 + Retry-After when the producer is not ready; readyz says so', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  await ingest.producer.close();
  const answer = await post(ingest.port, '/logpush', body(1));
  t.is(answer.status, 503);
  t.is(answer.headers['retry-after'], '5');
  t.is((await get(ingest.port, '/readyz')).status, 503);
  const events = await post(ingest.port, '/events', line());
  t.is(events.status, 503);
});

test('durable: 503 when the bus fails to confirm or does not confirm within ack_timeout_ms', async (t) => {
  const producer = new MemoryProducer({ seal: 'fail' });
  const ingest = await startIngest(producer, { ack_timeout_ms: 200 });
  t.teardown(() => ingest.close());
  const failed = await post(ingest.port, '/logpush', body(2));
  t.is(failed.status, 503);
  t.is(errorOf(failed), 'ERR_INGEST_BUS_UNAVAILABLE');
  producer.sealMode = 'hang';
  const started = performance.now();
  const timedOut = await post(ingest.port, '/logpush', body(2));
  t.is(timedOut.status, 503);
  t.is(errorOf(timedOut), 'ERR_INGEST_ACK_TIMEOUT');
  t.true(performance.now() - started >= 190);
});

test('durable waits for the bus; enqueued answers once the events are queued', async (t) => {
  const producer = new MemoryProducer({ seal: 'manual' });
  const durable = await startIngest(producer);
  t.teardown(() => durable.close());
  let answered = false;
  const pending = post(durable.port, '/logpush', body(3)).then((answer) => {
    answered = true;
    return answer;
  });
  while (producer.pendingSeals.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.false(answered, 'no 200 before the bus confirmed');
  producer.pendingSeals[0]?.resolve();
  t.deepEqual((await pending).json, { accepted: 3, rejected: 0 });

  const hanging = new MemoryProducer({ seal: 'hang' });
  const enqueued = await startIngest(hanging, { ack: 'enqueued' });
  t.teardown(() => enqueued.close());
  const answer = await post(enqueued.port, '/logpush', body(3));
  t.deepEqual(answer.json, { accepted: 3, rejected: 0 });
  t.is(hanging.records.length, 3);
});

test('enqueued: events acknowledged and then not confirmed are counted as lost, every one', async (t) => {
  const failing = new MemoryProducer({ seal: 'fail' });
  const ingest = await startIngest(failing, { ack: 'enqueued' });
  t.teardown(() => ingest.close());
  t.deepEqual((await post(ingest.port, '/logpush', body(3))).json, { accepted: 3, rejected: 0 });
  let text = '';
  for (let i = 0; i < 100 && !text.includes('enqueued_undelivered'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    text = await ingest.telemetry.exposition();
  }
  t.regex(text, /botsieve_discarded_total\{component="ingest",reason="enqueued_undelivered"\} 3/);
  t.regex(text, /botsieve_errors_total\{component="ingest",code="ERR_BUS_DELIVERY"\} 1/);
});

test('drain: readyz 503 and new uploads refused at once, in-flight uploads finish, producer flushed', async (t) => {
  const producer = new MemoryProducer({ seal: 'manual' });
  const ingest = await startIngest(producer);
  t.teardown(() => ingest.close());
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  t.is((await getOn(agent, ingest.port, '/readyz')).status, 200);
  const inFlight = post(ingest.port, '/logpush', body(2));
  while (producer.pendingSeals.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  let drained = false;
  const draining = ingest.server.drain(5_000).then(() => {
    drained = true;
  });
  const readyz = await getOn(agent, ingest.port, '/readyz');
  t.is(readyz.status, 503);
  t.is((await getOn(agent, ingest.port, '/healthz')).status, 200);
  const late = await getOn(new Agent(), ingest.port, '/logpush', 'POST', body(1)).catch((error: NodeJS.ErrnoException) => ({ status: error.code, text: '' }));
  t.is(late.status, 'ECONNREFUSED', 'the listen socket is closed');
  t.false(drained);
  producer.pendingSeals[0]?.resolve();
  t.deepEqual((await inFlight).json, { accepted: 2, rejected: 0 });
  await draining;
  t.is(producer.flushed, 1);
});

test('drain gives up after its timeout', async (t) => {
  const producer = new MemoryProducer({ seal: 'hang' });
  const ingest = await startIngest(producer, { ack_timeout_ms: 60_000 });
  t.teardown(() => ingest.close());
  void post(ingest.port, '/logpush', body(1));
  // In flight once its events are sent (the seal hangs): wait for that, not for a fixed time.
  const deadline = Date.now() + 10_000;
  while (producer.records.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  t.true(producer.records.length > 0, 'the upload is in flight');
  const started = performance.now();
  await ingest.server.drain(300);
  const elapsed = performance.now() - started;
  t.true(elapsed >= 290 && elapsed < 2_000, `${elapsed} ms`);
});

test('a client that disconnects mid-upload is counted, and the server carries on', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const payload = body(2_000);
  const req = request({ host: '127.0.0.1', port: ingest.port, method: 'POST', path: '/logpush', headers: { 'content-length': payload.length }, agent: false });
  req.on('error', () => {});
  req.write(payload.subarray(0, 1_000));
  await new Promise((resolve) => setTimeout(resolve, 50));
  req.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.is((await post(ingest.port, '/logpush', body(1))).status, 200);
  const metrics = await ingest.metrics();
  t.regex(metrics, /botsieve_ingest_uploads_total\{route="logpush",outcome="ERR_INGEST_ABORTED"\} 1/);
  // The aborted upload's lines count nowhere: received = accepted + rejected of answered uploads.
  t.regex(metrics, /botsieve_received_total\{component="ingest"\} 1\n/);
});

test('enqueued: drain still waits for the seals of uploads already answered', async (t) => {
  const producer = new MemoryProducer({ seal: 'manual' });
  const ingest = await startIngest(producer, { ack: 'enqueued' });
  t.teardown(() => ingest.close());
  t.is((await post(ingest.port, '/logpush', body(2))).status, 200);
  let drained = false;
  const draining = ingest.server.drain(5_000).then(() => {
    drained = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.false(drained);
  producer.pendingSeals[0]?.resolve();
  await draining;
  t.true(drained);
});
