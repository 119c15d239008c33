/**
 * The transport contract, checked the same way on both implementations over real sockets
 * (node:http always, uWebSockets.js where a build loads here), then the choice between them.
 */
import test from 'ava';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { loadUws } from '../uws/index.js';
import { createTransport, type HttpServerChoice } from './create-transport.js';
import type { Exchange, HttpHandler, HttpTransport, RequestHead, Routes, StreamHandlers } from './transport.js';

const choices: HttpServerChoice[] = (await loadUws()).uws === null ? ['node'] : ['node', 'uwebsockets'];
const unavailable = (reason: string): Error => Object.assign(new Error(reason), { code: 'ERR_TEST_UNAVAILABLE' });
const JSON_OK = { contentType: 'application/json', retryAfter: null, close: false };

async function serve(choice: HttpServerChoice, routes: Routes<{ name: string }>): Promise<{ transport: HttpTransport; base: string; port: number }> {
  const { transport } = await createTransport(choice, routes, { unavailable });
  const port = await transport.listen('127.0.0.1', 0);
  if (port === null) throw new Error('cannot listen');
  return { transport, base: `http://127.0.0.1:${port}`, port };
}

const notFound: HttpHandler = (head, exchange) => exchange.respond(404, JSON.stringify({ missing: `${head.method} ${head.path}` }), JSON_OK);

/** Writes a raw request and reads until the server closes the connection (or `ms` passed). */
function raw(port: number, request: string, ms = 5_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, ms);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.write(request);
  });
}

for (const choice of choices) {
  test(`${choice}: routes by method and exact path with the head read in the handler; anything else goes to notFound`, async (t) => {
    const seen: Array<{ method: string; path: string; query: string; token: string; absent: string }> = [];
    const record = (head: RequestHead): void => {
      seen.push({ method: head.method, path: head.path, query: head.query, token: head.header('x-token'), absent: head.header('x-absent') });
    };
    const { transport, base } = await serve(choice, {
      http: [
        { method: 'GET', path: '/a', handle: (head, exchange) => (record(head), exchange.respond(200, 'a', { contentType: 'text/plain', retryAfter: null, close: false })) },
        { method: 'POST', path: '/a', handle: (head, exchange) => (record(head), exchange.respond(503, 'busy', { contentType: 'text/plain', retryAfter: '7', close: false })) },
      ],
      notFound,
    });
    t.teardown(() => transport.closeConnections());
    const get = await fetch(`${base}/a?x=1&y=%20`, { headers: { 'x-token': 'secret' } });
    t.is(get.status, 200);
    t.is(get.headers.get('content-type'), 'text/plain');
    t.is(await get.text(), 'a');
    const post = await fetch(`${base}/a`, { method: 'POST', body: '' });
    t.is(post.status, 503);
    t.is(post.headers.get('retry-after'), '7');
    t.is(await post.text(), 'busy');
    t.deepEqual(seen, [
      { method: 'GET', path: '/a', query: 'x=1&y=%20', token: 'secret', absent: '' },
      { method: 'POST', path: '/a', query: '', token: '', absent: '' },
    ]);
    const missing = await fetch(`${base}/b/c?q`, { method: 'DELETE' });
    t.is(missing.status, 404);
    t.deepEqual(await missing.json(), { missing: 'DELETE /b/c' });
    t.is((await fetch(`${base}/a/`)).status, 404);
    t.is(transport.implementation, choice === 'node' ? 'node:http' : 'uwebsockets.js');
  });

  test(`${choice}: readBody collects the body up to its bound; past it, an answer with close ends the connection`, async (t) => {
    const { transport, base, port } = await serve(choice, {
      http: [
        {
          method: 'POST',
          path: '/body',
          handle: (_head, exchange) =>
            exchange.readBody(1_000, (body) => {
              if (body === null) exchange.respond(413, 'too large', { contentType: 'text/plain', retryAfter: null, close: true });
              else exchange.respond(200, `${body.length}:${body.subarray(0, 5).toString()}`, { contentType: 'text/plain', retryAfter: null, close: false });
            }),
        },
      ],
      notFound,
    });
    t.teardown(() => transport.closeConnections());
    const small = await fetch(`${base}/body`, { method: 'POST', body: 'hello'.repeat(200) });
    t.is(await small.text(), '1000:hello');
    const large = await raw(port, `POST /body HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n${'x'.repeat(20_000)}`);
    t.regex(large.text, /^HTTP\/1\.1 413 /);
    t.regex(large.text, /too large$/);
    t.true(large.closed, 'the connection was ended with the answer');
  });

  test(`${choice}: onData streams the body in views, pause stops it and resume goes on; the last call says so`, async (t) => {
    let pauses = 0;
    const { transport, base } = await serve(choice, {
      http: [
        {
          method: 'POST',
          path: '/stream',
          handle: (_head, exchange) => {
            let bytes = 0;
            let sum = 0;
            exchange.onAborted(() => t.fail('aborted'));
            exchange.onData((chunk, isLast) => {
              bytes += chunk.byteLength;
              for (let i = 0; i < chunk.byteLength; i += 997) sum += chunk[i] as number;
              if (isLast) {
                exchange.respond(200, String(bytes), JSON_OK);
                return;
              }
              if (pauses < 3) {
                pauses++;
                exchange.pause();
                setTimeout(() => exchange.cork(() => exchange.resume()), 30);
              }
            });
          },
        },
      ],
      notFound,
    });
    t.teardown(() => transport.closeConnections());
    const body = Buffer.alloc(4 * 1024 * 1024, 7);
    const answer = await fetch(`${base}/stream`, { method: 'POST', body });
    t.is(await answer.text(), String(body.length));
    t.true(pauses >= 1);
  });

  test(`${choice}: a streamed answer waits for onWritable when write says false, and ends; a client that goes away is seen by onAborted`, async (t) => {
    const CHUNK = 'y'.repeat(64 * 1_024);
    const TOTAL = 16 * 1_024 * 1_024;
    let refusals = 0;
    let aborted = 0;
    const streamed = (exchange: Exchange, total: number): void => {
      let sent = 0;
      const pump = (): void => {
        exchange.cork(() => {
          while (sent < total) {
            sent += CHUNK.length;
            if (!exchange.write(CHUNK)) {
              refusals++;
              return;
            }
          }
          exchange.end();
        });
      };
      exchange.onWritable(pump);
      exchange.begin(200, 'application/x-ndjson');
      pump();
    };
    const { transport, port } = await serve(choice, {
      http: [
        { method: 'GET', path: '/bytes', handle: (_head, exchange) => streamed(exchange, TOTAL) },
        {
          method: 'GET',
          path: '/forever',
          handle: (_head, exchange) => {
            exchange.onAborted(() => aborted++);
            exchange.begin(200, 'text/plain');
            exchange.write('first\n');
          },
        },
      ],
      notFound,
    });
    t.teardown(() => transport.closeConnections());
    // A client that reads nothing for a while, then everything.
    const slow: Socket = connect(port, '127.0.0.1');
    let received = 0;
    let head = '';
    const done = new Promise<void>((resolve) => {
      slow.on('data', (chunk: Buffer) => {
        if (head === '') head = chunk.subarray(0, 200).toString('latin1');
        received += chunk.length;
        if (chunk.subarray(-5).toString('latin1') === '0\r\n\r\n') resolve();
      });
    });
    slow.pause();
    slow.write('GET /bytes HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    slow.resume();
    await done;
    slow.destroy();
    t.regex(head, /^HTTP\/1\.1 200 /);
    t.regex(head, /cache-control: no-store/i);
    t.regex(head, /transfer-encoding: chunked/i);
    t.true(received > TOTAL, `${received} bytes`);
    t.true(refusals > 0, 'write refused at least once');
    // onAborted: the client leaves mid-answer.
    const gone = connect(port, '127.0.0.1');
    gone.write('GET /forever HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise<void>((resolve) => gone.once('data', () => resolve()));
    gone.destroy();
    for (let i = 0; i < 50 && aborted === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    t.is(aborted, 1);
  });

  test(`${choice}: close cuts the connection without onAborted; after it every method is a no-op`, async (t) => {
    let aborted = 0;
    const { transport, port } = await serve(choice, {
      http: [
        {
          method: 'GET',
          path: '/cut',
          handle: (_head, exchange) => {
            exchange.onAborted(() => aborted++);
            exchange.begin(200, 'text/plain');
            exchange.cork(() => exchange.write('partial\n'));
            setTimeout(() => {
              exchange.close();
              t.true(exchange.aborted);
              t.true(exchange.write('more'));
              exchange.end();
              exchange.respond(200, 'late', JSON_OK);
            }, 50);
          },
        },
      ],
      notFound,
    });
    t.teardown(() => transport.closeConnections());
    const answer = await raw(port, 'GET /cut HTTP/1.1\r\nhost: x\r\n\r\n');
    t.true(answer.closed);
    t.regex(answer.text, /partial/);
    t.notRegex(answer.text, /late|more/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    t.is(aborted, 0);
  });

  test(`${choice}: WebSocket routes upgrade, open, message, send, end; a refusal is answered over HTTP and closed, an unknown path by the HTTP routes`, async (t) => {
    const events: string[] = [];
    const handlers: StreamHandlers<{ name: string }> = {
      upgrade: (head) => {
        const name = head.header('x-name');
        if (name === '') return { refuse: { status: 503, body: '{"error":"busy"}', contentType: 'application/json', retryAfter: '3' } };
        return { accept: { name } };
      },
      open: (connection) => events.push(`open ${connection.data.name}`),
      message: (connection, message) => {
        const text = Buffer.from(message).toString();
        events.push(`message ${text}`);
        if (text === 'bye') return connection.end(4000, 'bye to you');
        connection.cork(() => {
          t.true(connection.send(`${connection.data.name}:${text}`));
          t.is(typeof connection.bufferedAmount(), 'number');
        });
      },
      close: (connection) => events.push(`close ${connection.data.name}`),
    };
    const { transport, port } = await serve(choice, {
      http: [],
      notFound,
      websockets: [{ path: '/ws', handlers, options: { max_message_bytes: 1_024, max_backpressure_bytes: 64 * 1_024, idle_timeout_s: 0 } }],
    });
    t.teardown(() => transport.closeConnections());
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { 'x-name': 'ann' } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send('hi');
    const reply = await new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
    t.is(reply, 'ann:hi');
    ws.send('bye');
    const [code, reason] = await new Promise<[number, string]>((resolve) => ws.once('close', (c: number, r: Buffer) => resolve([c, r.toString()])));
    t.deepEqual([code, reason], [4000, 'bye to you']);
    for (let i = 0; i < 50 && !events.includes('close ann'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    t.deepEqual(events, ['open ann', 'message hi', 'message bye', 'close ann']);

    const upgrade = (path: string, headers = ''): string => `GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n${headers}\r\n`;
    const refused = await raw(port, upgrade('/ws'));
    t.regex(refused.text, /^HTTP\/1\.1 503 /);
    t.regex(refused.text, /retry-after: 3/i);
    t.regex(refused.text, /\{"error":"busy"\}$/);
    t.true(refused.closed);
    // (node:http closes that connection after the answer: it handed the socket over for the upgrade.)
    const unknown = await raw(port, upgrade('/elsewhere', 'x-name: bob\r\n'), 500);
    t.regex(unknown.text, /^HTTP\/1\.1 404 /);
    t.regex(unknown.text, /\{"missing":"GET \/elsewhere"\}$/);
    const plain = await fetch(`http://127.0.0.1:${port}/ws`);
    t.is(plain.status, 404);
  });

  test(`${choice}: stopListening keeps open connections; closeConnections closes them`, async (t) => {
    const { transport, base, port } = await serve(choice, {
      http: [{ method: 'GET', path: '/', handle: (_head, exchange) => exchange.respond(200, 'ok', JSON_OK) }],
      notFound,
    });
    const socket = connect(port, '127.0.0.1');
    const answers: string[] = [];
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => answers.push(chunk));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    for (let i = 0; i < 50 && answers.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    transport.stopListening();
    await t.throwsAsync(fetch(base));
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    for (let i = 0; i < 50 && answers.join('').split('HTTP/1.1 200').length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    t.is(answers.join('').split('HTTP/1.1 200').length, 3, 'the open connection is still served');
    transport.closeConnections();
    await closed;
    t.pass();
  });
}

const routes: Routes<object> = { http: [], notFound };
const nothingLoads = async () => ({ uws: null, source: null, failures: ["uws-pack: Cannot find module './bin/uws_linux_x64_137.node'"] });

test('auto falls back to node:http when no uWebSockets.js build loads, and says why', async (t) => {
  const chosen = await createTransport('auto', routes, { unavailable, load: nothingLoads });
  t.is(chosen.transport.implementation, 'node:http');
  t.regex(chosen.fallback ?? '', /no uWebSockets\.js build loads on Node .*uws_linux_x64_137/);
  t.is(chosen.source, null);
});

test("uwebsockets refuses to start without a build, with the server's own error; node never tries one", async (t) => {
  await t.throwsAsync(createTransport('uwebsockets', routes, { unavailable, load: nothingLoads }), { code: 'ERR_TEST_UNAVAILABLE', message: /uws_linux_x64_137/ });
  const node = await createTransport('node', routes, { unavailable, load: () => Promise.reject(new Error('must not be called')) });
  t.is(node.transport.implementation, 'node:http');
  t.is(node.fallback, null);
});

test("auto picks uWebSockets.js wherever runtime's loader finds a build", async (t) => {
  const loaded = await loadUws();
  const chosen = await createTransport('auto', routes, { unavailable });
  t.is(chosen.transport.implementation, loaded.uws === null ? 'node:http' : 'uwebsockets.js');
  t.is(chosen.source, loaded.source);
  t.is(chosen.fallback === null, loaded.uws !== null);
});
