import test, { type ExecutionContext } from 'ava';
import { connect } from 'node:net';
import type { Bus } from '@botsieve/core';
import { Telemetry, systemClock } from '@botsieve/runtime';
import { MemoryVerdictStore, type SinkSetStatus } from '@botsieve/sinks';
import { AdminServer, isLoopback } from './admin-server.js';
import { loadConfig } from './config.js';

const TOKEN = 'Bearer s3cret';
const GUARDED = ['/metrics', '/verdicts', '/sinks'];
const PROBES = ['/healthz', '/readyz'];

/** The admin section as `botsieve start` would load it, on a free port; `admin` overrides it. */
function adminConfig(admin: Record<string, unknown> = {}) {
  return loadConfig({ flags: { admin: { port: 0, ...admin } } }).admin;
}

async function start(t: ExecutionContext, admin: Record<string, unknown> = {}): Promise<{ server: AdminServer; base: string; port: number }> {
  const config = adminConfig(admin);
  const server = new AdminServer(config, {
    // No process metrics: they change between two scrapes, and the HEAD test compares lengths.
    telemetry: new Telemetry({ level: 'silent', processMetrics: false }),
    bus: { healthcheck: async () => true } as unknown as Bus,
    store: new MemoryVerdictStore({ max_subjects: 10, snapshot_path: '', snapshot_interval_ms: 10_000 }, systemClock),
    sinks: () => ({}) as unknown as SinkSetStatus,
    isDraining: () => false,
  });
  const port = await server.listen();
  t.teardown(() => server.close());
  return { server, base: `http://127.0.0.1:${port}`, port };
}

/** One request on a raw socket, so the test sees exactly what went over the wire (HEAD included). */
function raw(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Map<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const response = Buffer.concat(chunks).toString('utf8');
      const split = response.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = response.slice(0, split).split('\r\n');
      const parsed = new Map<string, string>();
      for (const line of lines) {
        const colon = line.indexOf(':');
        parsed.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers: parsed, body: response.slice(split + 4) });
    });
    const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.end(`${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n${extra}\r\n`);
  });
}

test('the default configuration binds the admin server to loopback, and it can be changed', async (t) => {
  const config = adminConfig();
  t.deepEqual(config.auth, { header: 'authorization', token: null });
  // Tests bind loopback only: stop here if the default ever regresses to a wider address.
  if (!t.is(config.host, '127.0.0.1')) return;
  const { server } = await start(t);
  t.is(server.address().address, '127.0.0.1');
  const configured = loadConfig({ env: { BOTSIEVE_ADMIN__HOST: '0.0.0.0', BOTSIEVE_ADMIN__AUTH__HEADER: 'X-Admin-Token', BOTSIEVE_ADMIN__AUTH__TOKEN: 'abc' } }).admin;
  t.like(configured, { host: '0.0.0.0', auth: { header: 'x-admin-token', token: 'abc' } });
});

test('with a token, /metrics, /verdicts and /sinks answer 401 without it or with a wrong one, 200 with it; the probes stay open', async (t) => {
  const { base } = await start(t, { auth: { token: TOKEN } });
  for (const path of GUARDED) {
    const refused = await fetch(`${base}${path}`);
    t.is(refused.status, 401, path);
    const body = await refused.text();
    t.regex(body, /ERR_ADMIN_UNAUTHORIZED/);
    t.false(body.includes('s3cret'), 'the token is never echoed');
    t.is((await fetch(`${base}${path}`, { headers: { authorization: 'Bearer wrong' } })).status, 401, path);
    t.is((await fetch(`${base}${path}`, { headers: { authorization: `${TOKEN}!` } })).status, 401, path);
    t.is((await fetch(`${base}${path}`, { headers: { authorization: TOKEN } })).status, 200, path);
  }
  for (const path of PROBES) t.is((await fetch(`${base}${path}`)).status, 200, path);
  const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: TOKEN } })).text();
  t.regex(metrics, /botsieve_errors_total\{component="admin",code="ERR_ADMIN_UNAUTHORIZED"\} 9/);
});

test('the token header name is configurable and matched case-insensitively', async (t) => {
  const { base } = await start(t, { auth: { header: 'X-Admin-Token', token: 'abc' } });
  t.is((await fetch(`${base}/verdicts`, { headers: { authorization: 'abc' } })).status, 401);
  t.is((await fetch(`${base}/verdicts`, { headers: { 'x-admin-token': 'abc' } })).status, 200);
});

test('POST, PUT and DELETE on admin routes answer 405 with Allow: GET, HEAD; unknown routes stay 404', async (t) => {
  const { base } = await start(t);
  for (const path of [...PROBES, ...GUARDED]) {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const response = await fetch(`${base}${path}`, { method });
      t.is(response.status, 405, `${method} ${path}`);
      t.is(response.headers.get('allow'), 'GET, HEAD', `${method} ${path}`);
    }
  }
  t.is((await fetch(`${base}/nothing-here`)).status, 404);
  t.is((await fetch(`${base}/nothing-here`, { method: 'POST' })).status, 404);
});

test('HEAD answers with the status and headers of GET and no body', async (t) => {
  const { port } = await start(t, { auth: { token: TOKEN } });
  for (const [path, headers] of [['/healthz', {}], ['/readyz', {}], ['/metrics', { authorization: TOKEN }], ['/verdicts', { authorization: TOKEN }], ['/metrics', {}]] as const) {
    const get = await raw(port, 'GET', path, headers);
    const head = await raw(port, 'HEAD', path, headers);
    t.is(head.status, get.status, path);
    t.is(head.headers.get('content-type'), get.headers.get('content-type'), path);
    t.true(get.body.length > 0, path);
    t.is(get.headers.get('content-length'), String(Buffer.byteLength(get.body)), path);
    t.is(head.headers.get('content-length'), get.headers.get('content-length'), path);
    t.is(head.body, '', `${path}: no body after the headers`);
  }
});

test('loopback means 127.0.0.0/8 and ::1, never a wildcard (the start-up warning depends on it)', (t) => {
  for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) t.true(isLoopback(address), address);
  for (const address of ['0.0.0.0', '::', '10.0.0.1', '192.0.2.1', '2001:db8::1']) t.false(isLoopback(address), address);
});
