/** RequestStream against the REAL ingest server (IngestServer on the embedded bus), through the guard on node:http. */
import { createServer } from 'node:net';
import test from 'ava';
import { WebSocketServer } from 'ws';
import { VerdictReplica } from '@botsieve/decisions';
import { systemClock } from '@botsieve/runtime';
import { OriginGuard } from '../middleware/origin-guard.js';
import { get, serve } from '../middleware/test-support.js';
import { RequestStream, type RequestStreamOptions } from './request-stream.js';
import { INGEST_TOKEN, startIngest, until } from './test-support.js';

const FAST_BACKOFF = { base_ms: 50, max_ms: 200, jitter: 'none' } as const;

async function origin(t: { teardown(fn: () => Promise<void>): void }, options: RequestStreamOptions) {
  const stream = new RequestStream({ auth: { header: 'authorization', token: INGEST_TOKEN }, backoff: FAST_BACKOFF, ...options }).start();
  t.teardown(() => stream.close(0));
  const guard = new OriginGuard({ source: new VerdictReplica({ clock: systemClock }), address: { cloudflare: ['127.0.0.1/32'] }, stream });
  const served = await serve('node:http', guard);
  t.teardown(() => served.close());
  return { stream, port: served.port };
}

test('each request reaches the events topic as a RequestEvent with the edge and response fields', async (t) => {
  const ingest = await startIngest();
  t.teardown(() => ingest.close());
  const { stream, port } = await origin(t, { url: `ws://127.0.0.1:${ingest.port}/stream`, batch_max_events: 2, batch_max_ms: 20 });
  const started = Date.now();
  const edge = { 'cf-connecting-ip': '203.0.113.9', 'cf-ray': '8a1b2c3d4e5f6789-AMS', 'botsieve-bot-score': '7', 'botsieve-ja4': 't13d1516h2_8daaf6152771_02713d6af862', 'botsieve-asn': '64501', 'cf-ipcountry': 'NL', 'user-agent': 'curl/8.5', referer: 'https://example.com/' };
  t.is((await get(port, edge, '/shop/cart?id=3')).status, 200);
  t.is((await get(port, { 'cf-connecting-ip': '2001:db8::5' }, '/')).status, 200);
  t.is((await get(port, { 'x-forwarded-for': '198.51.100.1' }, '/direct')).status, 200);
  await until(() => stream.stats().acknowledged === 3);
  const events = await ingest.events(3);
  t.is(events.length, 3);
  const byPath = new Map(events.map((event) => [event.path, event]));
  t.like(byPath.get('/shop/cart'), {
    ray_id: '8a1b2c3d4e5f6789', ip: '203.0.113.9', prefix: '203.0.113.0/24', host: `127.0.0.1:${port}`, method: 'GET', protocol: 'HTTP/1.1',
    uri: '/shop/cart?id=3', user_agent: 'curl/8.5', referer: 'https://example.com/', status: 200, origin_status: 200, content_type: 'application/json',
    bot_score: 7, ja4: 't13d1516h2_8daaf6152771_02713d6af862', asn: 64501, country: 'nl', source: 'stream',
  });
  const first = byPath.get('/shop/cart')!;
  t.true((first.timestamp_ms as number) >= started - 1_000 && (first.timestamp_ms as number) <= Date.now());
  t.like(byPath.get('/'), { ip: '2001:db8::5', prefix: '2001:db8::/64', bot_score: null, asn: 0 });
  t.regex(String(byPath.get('/')!.ray_id), /^o[0-9a-f]{12}[0-9a-f]+$/, 'a local RayID without CF-Ray');
  t.like(byPath.get('/direct'), { ip: '198.51.100.1', bot_score: null }, 'from the edge without CF-Connecting-IP: the entry the edge appended');
  t.like(stream.stats(), { queued: 0, dropped: 0, acknowledged: 3 });
});

test('ingest down: requests are still served, drops over the bounded queue are counted, and the queue arrives once ingest is back', async (t) => {
  // Ingest is down, but its port stays held (every connection dropped at once) until ingest comes
  // back on it: a port merely found free could be taken meanwhile by another test on the machine.
  const down = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => down.close(() => resolve())));
  const port = (down.address() as { port: number }).port;
  const { stream, port: originPort } = await origin(t, { url: `ws://127.0.0.1:${port}/stream`, batch_max_events: 2, batch_max_ms: 10, max_queue_events: 5 });
  const statuses = [];
  for (let i = 0; i < 8; i += 1) statuses.push((await get(originPort, { 'cf-connecting-ip': `203.0.113.${100 + i}` }, `/down/${i}`)).status);
  t.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 200]);
  await until(() => stream.stats().queued + stream.stats().dropped === 8);
  t.like(stream.stats(), { connected: false, queued: 5, dropped: 3, acknowledged: 0 });
  t.true(stream.stats().disconnects >= 1, 'connection attempts failed and were retried');
  await new Promise<void>((resolve) => down.close(() => resolve()));
  const ingest = await startIngest({ port });
  t.teardown(() => ingest.close());
  await until(() => stream.stats().acknowledged === 5);
  const events = await ingest.events(5);
  t.deepEqual(events.map((event) => event.path).sort(), ['/down/0', '/down/1', '/down/2', '/down/3', '/down/4']);
  t.like(stream.stats(), { connected: true, queued: 0, dropped: 3 });
});

test('nacks are honoured: a refused batch is sent again, same seq, no sooner than retry_after_ms, and none is lost', async (t) => {
  // Ingest's own server does not nack on demand (the embedded bus confirms at once), so this
  // protocol case runs against a WebSocket server that nacks each batch the first time it arrives.
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const nackedAt = new Map<number, number>();
  const resentAfter: number[] = [];
  const arrivals: number[] = [];
  server.on('connection', (socket, request) => {
    t.is(request.headers.authorization, INGEST_TOKEN);
    socket.on('message', (data) => {
      const { seq, events } = JSON.parse(String(data)) as { seq: number; events: unknown[] };
      arrivals.push(seq);
      const nacked = nackedAt.get(seq);
      if (nacked === undefined) {
        nackedAt.set(seq, Date.now());
        socket.send(JSON.stringify({ nack: seq, retry_after_ms: 300, error: 'ERR_INGEST_OVERLOADED' }));
      } else {
        resentAfter.push(Date.now() - nacked);
        socket.send(JSON.stringify({ ack: seq, accepted: events.length, rejected: 0 }));
      }
    });
  });
  const { port } = server.address() as { port: number };
  const stream = new RequestStream({ url: `ws://127.0.0.1:${port}/stream`, auth: { header: 'authorization', token: INGEST_TOKEN }, backoff: FAST_BACKOFF, batch_max_events: 2, batch_max_ms: 5 }).start();
  t.teardown(() => stream.close(0));
  await until(() => stream.stats().connected);
  for (let i = 0; i < 6; i += 1) stream.push({ RayID: `n${i}`, EdgeStartTimestamp: new Date().toISOString(), ClientIP: '203.0.113.1' } as never);
  await until(() => stream.stats().acknowledged === 6);
  t.deepEqual([...nackedAt.keys()].sort(), [0, 1, 2]);
  t.is(resentAfter.length, 3);
  t.true(resentAfter.every((ms) => ms >= 295), `resent after ${resentAfter.join(', ')} ms`);
  t.deepEqual(arrivals.slice(-3), [0, 1, 2], 'resent in sequence order');
  t.like(stream.stats(), { nacks: 3, queued: 0, dropped: 0, batches_sent: 6 });
});

test('an ingest that stops answering is cut after ack_timeout_ms and the batch is sent again on a new connection', async (t) => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  let connections = 0;
  const received: string[] = [];
  server.on('connection', (socket) => {
    connections += 1;
    const answering = connections > 1;
    socket.on('message', (data) => {
      const { seq } = JSON.parse(String(data)) as { seq: number };
      received.push(`${seq}@${answering ? 'second' : 'first'}`);
      if (answering) socket.send(JSON.stringify({ ack: seq, accepted: 1, rejected: 0 }));
    });
  });
  const { port } = server.address() as { port: number };
  const stream = new RequestStream({ url: `ws://127.0.0.1:${port}/stream`, backoff: FAST_BACKOFF, batch_max_ms: 5, ack_timeout_ms: 200 }).start();
  t.teardown(() => stream.close(0));
  await until(() => stream.stats().connected);
  stream.push({ RayID: 'hung', EdgeStartTimestamp: new Date().toISOString(), ClientIP: '203.0.113.1' } as never);
  await until(() => stream.stats().acknowledged === 1);
  t.deepEqual(received, ['0@first', '0@second']);
  t.like(stream.stats(), { disconnects: 1, queued: 0 });
});

test('a wrong token is refused by ingest: nothing acknowledged, nothing lost from the queue', async (t) => {
  const ingest = await startIngest();
  t.teardown(() => ingest.close());
  const stream = new RequestStream({ url: `ws://127.0.0.1:${ingest.port}/stream`, auth: { header: 'authorization', token: 'Bearer wrong' }, backoff: FAST_BACKOFF, batch_max_ms: 5 }).start();
  t.teardown(() => stream.close(0));
  stream.push({ RayID: 'r1', EdgeStartTimestamp: new Date().toISOString(), ClientIP: '203.0.113.1' } as never);
  await until(() => stream.stats().disconnects >= 2);
  t.like(stream.stats(), { connected: false, acknowledged: 0, queued: 1 });
});

test('close() sends what is left and waits for the acks', async (t) => {
  const ingest = await startIngest();
  t.teardown(() => ingest.close());
  const stream = new RequestStream({ url: `ws://127.0.0.1:${ingest.port}/stream`, auth: { header: 'authorization', token: INGEST_TOKEN }, batch_max_ms: 60_000 }).start();
  await until(() => stream.stats().connected);
  stream.push({ RayID: 'close-1', EdgeStartTimestamp: new Date().toISOString(), ClientIP: '203.0.113.1', ClientRequestURI: '/closing' } as never);
  await stream.close(5_000);
  t.like(stream.stats(), { acknowledged: 1, dropped: 0, queued: 0 });
  stream.push({ RayID: 'late', EdgeStartTimestamp: new Date().toISOString(), ClientIP: '203.0.113.1' } as never);
  t.is(stream.stats().dropped, 1, 'a record after close is dropped and counted');
  t.is((await ingest.events(1))[0]!.ray_id, 'close-1');
});

test('bad options are ERR_ORIGIN_CONFIG', (t) => {
  t.throws(() => new RequestStream({ url: 'http://ingest/stream' }), { code: 'ERR_ORIGIN_CONFIG' });
  t.throws(() => new RequestStream({ url: 'ws://ingest/stream', batch_max_events: 0 }), { code: 'ERR_ORIGIN_CONFIG' });
});
