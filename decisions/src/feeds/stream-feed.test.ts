import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SubjectKey, Verdict, VerdictAction } from '@botsieve/core';
import { ManualClock, type ComponentTelemetry } from '@botsieve/runtime';
import test from 'ava';
import { VerdictReplica } from '../replica.js';
import { StreamVerdictFeed, type StreamVerdictFeedOptions } from './stream-feed.js';

const T0 = 1_750_000_000_000;

function verdict(subject: string, action: VerdictAction = 'block', decided_at = T0): Verdict {
  return { id: `${subject}@${decided_at}`, subject: subject as SubjectKey, action, score: 5, ttl_ms: 600_000, decided_at, detectors: [{ id: 'volumetric', score: 5, evidence: {} }] };
}

const line = (value: unknown) => `${JSON.stringify(value)}\n`;
const snapshot = (epoch: string, version: number, verdicts: Verdict[]) =>
  line({ type: 'snapshot', epoch, version, count: verdicts.length }) + verdicts.map((v) => line({ type: 'upsert', version, verdict: v })).join('') + line({ type: 'synced', epoch, version });

/** A protocol server: each request is handed to the next handler queued by the test (the last one repeats). */
async function protocolServer(t: { teardown(fn: () => void): void }, ...handlers: ((req: IncomingMessage, res: ServerResponse) => void)[]) {
  const requests: { url: URL; headers: IncomingMessage['headers']; at: number }[] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    requests.push({ url: new URL(req.url ?? '/', 'http://x'), headers: req.headers, at: Date.now() });
    open.add(res);
    res.on('close', () => open.delete(res));
    const handler = handlers[Math.min(requests.length - 1, handlers.length - 1)] as (req: IncomingMessage, res: ServerResponse) => void;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const res of open) res.destroy();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const streaming = (res: ServerResponse, body: string) => {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  res.write(body);
};

async function until(what: string, predicate: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function setup(t: { teardown(fn: () => Promise<void>): void }, url: string, options: Partial<StreamVerdictFeedOptions> = {}) {
  const clock = new ManualClock(T0 + 1_000);
  const replica = new VerdictReplica({ clock });
  const feed = new StreamVerdictFeed({ url, clock, backoff: { base_ms: 10, max_ms: 50, jitter: 'none' }, idle_timeout_ms: 2_000, ...options });
  t.teardown(() => feed.close());
  const start = () => feed.start((v) => replica.apply(v), replica);
  return { clock, replica, feed, start };
}

/** A ComponentTelemetry that records what the feed reports. */
function recordingTelemetry() {
  const seen: string[] = [];
  const ignore = () => undefined;
  const log = { fatal: ignore, error: ignore, warn: (_fields: unknown, message: string) => seen.push(`warn ${message}`), info: ignore, debug: ignore, trace: ignore, child: () => log };
  const telemetry = {
    log,
    metrics: { received: () => seen.push('received'), sent: ignore, error: (code: string) => seen.push(`error ${code}`), discarded: (reason: string) => seen.push(`discarded ${reason}`), corrected: ignore, gauge: ignore, observe: ignore },
    fail: ignore,
  } as unknown as ComponentTelemetry;
  return { telemetry, seen };
}

const action = (replica: VerdictReplica, ip: string) => replica.decide({ ip, user_agent: 'test' }).action;

test('snapshot, synced, then changes as they come: start resolves at synced; upserts and removes are applied; auth and filters are sent', async (t) => {
  let live: ServerResponse | undefined;
  const server = await protocolServer(t, (_req, res) => {
    live = res;
    streaming(res, snapshot('e1', 4, [verdict('ip:192.0.2.1'), verdict('ip:192.0.2.2', 'challenge')]));
  });
  const { replica, feed, start } = setup(t, server.url, { auth_header: 'X-Token', token: 's3cret', actions: ['block', 'challenge'] });
  await start();
  t.is(action(replica, '192.0.2.1'), 'block');
  t.is(action(replica, '192.0.2.2'), 'challenge');
  t.is(feed.resumeToken(), 'e1.4');
  t.is(server.requests[0]?.headers['x-token'], 's3cret');
  t.is(server.requests[0]?.url.pathname, '/v1/verdicts/stream');
  t.is(server.requests[0]?.url.searchParams.get('actions'), 'block,challenge');
  t.is(server.requests[0]?.url.searchParams.get('since'), null, 'no token yet: a full snapshot');
  t.is(feed.lagMs(), 1_000, 'now minus the newest decided_at');
  live?.write(line({ type: 'upsert', version: 5, verdict: verdict('ip:192.0.2.3', 'block', T0 + 500) }) + line({ type: 'remove', version: 6, subject: 'ip:192.0.2.1' }));
  await until('the changes', () => action(replica, '192.0.2.1') === 'allow');
  t.is(action(replica, '192.0.2.3'), 'block');
  t.is(feed.resumeToken(), 'e1.6');
  t.is(feed.lagMs(), 500);
  t.like(feed.stats(), { connections: 1, snapshots: 1, changes: 4, bad_lines: 0 });
});

test('a dropped connection resumes from the last token, after the back-off', async (t) => {
  const server = await protocolServer(
    t,
    (_req, res) => {
      streaming(res, snapshot('e1', 5, [verdict('ip:192.0.2.1')]) + line({ type: 'upsert', version: 6, verdict: verdict('ip:192.0.2.2') }));
      setTimeout(() => res.destroy(), 20);
    },
    (_req, res) => streaming(res, line({ type: 'resume', epoch: 'e1', version: 6 }) + line({ type: 'upsert', version: 7, verdict: verdict('ip:192.0.2.3') }) + line({ type: 'synced', epoch: 'e1', version: 7 })),
  );
  const { replica, feed, start } = setup(t, server.url);
  await start();
  await until('the resumed change', () => action(replica, '192.0.2.3') === 'block');
  t.is(server.requests[1]?.url.searchParams.get('since'), 'e1.6');
  t.is(action(replica, '192.0.2.1'), 'block');
  t.is(action(replica, '192.0.2.2'), 'block');
  t.is(feed.resumeToken(), 'e1.7');
  t.like(feed.stats(), { connections: 2, snapshots: 1, resumes: 1, failures: 1 });
});

test('a fresh snapshot on reconnect replaces what the replica held, in one step', async (t) => {
  let seenHalf = false;
  const server = await protocolServer(
    t,
    (_req, res) => {
      streaming(res, snapshot('e1', 3, [verdict('ip:192.0.2.1'), verdict('ip:192.0.2.2')]));
      setTimeout(() => res.destroy(), 20);
    },
    (_req, res) => {
      res.writeHead(200);
      // The snapshot in two writes: nothing of it may show before its synced line.
      res.write(line({ type: 'snapshot', epoch: 'e2', version: 9, count: 2 }) + line({ type: 'upsert', version: 9, verdict: verdict('ip:192.0.2.2') }));
      setTimeout(() => res.write(line({ type: 'upsert', version: 9, verdict: verdict('ip:192.0.2.9') }) + line({ type: 'synced', epoch: 'e2', version: 9 })), 50);
    },
  );
  const { replica, feed, start } = setup(t, server.url);
  await start();
  const timer = setInterval(() => {
    if (server.requests.length === 2 && action(replica, '192.0.2.1') === 'allow' && action(replica, '192.0.2.9') === 'allow') seenHalf = true;
  }, 2);
  await until('the second snapshot', () => feed.resumeToken() === 'e2.9');
  clearInterval(timer);
  t.is(server.requests[1]?.url.searchParams.get('since'), 'e1.3');
  t.is(action(replica, '192.0.2.1'), 'allow', 'the server no longer holds it');
  t.is(action(replica, '192.0.2.2'), 'block');
  t.is(action(replica, '192.0.2.9'), 'block');
  t.false(seenHalf, 'never a replica with the old verdict gone and the new one missing');
});

test('a connection cut inside a snapshot does not move the token, even past a heartbeat', async (t) => {
  const server = await protocolServer(
    t,
    (_req, res) => {
      streaming(res, line({ type: 'snapshot', epoch: 'e1', version: 3, count: 2 }) + line({ type: 'upsert', version: 3, verdict: verdict('ip:192.0.2.1') }) + line({ type: 'heartbeat', epoch: 'e1', version: 3 }));
      setTimeout(() => res.destroy(), 20);
    },
    (_req, res) => streaming(res, snapshot('e1', 4, [verdict('ip:192.0.2.2')])),
  );
  const { replica, feed, start } = setup(t, server.url);
  await start();
  t.is(server.requests[1]?.url.searchParams.get('since'), null);
  t.is(action(replica, '192.0.2.1'), 'allow', 'the cut snapshot was never applied');
  t.is(action(replica, '192.0.2.2'), 'block');
  t.is(feed.resumeToken(), 'e1.4');
});

test('silence longer than idle_timeout_ms reconnects; heartbeats keep a connection', async (t) => {
  const quiet = await protocolServer(t, (_req, res) => streaming(res, snapshot('e1', 1, [])));
  const recorded = recordingTelemetry();
  const a = setup(t, quiet.url, { idle_timeout_ms: 100, telemetry: recorded.telemetry });
  await a.start();
  await until('a reconnect', () => quiet.requests.length >= 2);
  t.is(a.feed.stats().timeouts, 1);
  t.deepEqual(recorded.seen.slice(0, 2), ['error ERR_STREAM_FEED_TIMEOUT', 'warn verdict stream lost; reconnecting']);
  t.is(quiet.requests[1]?.url.searchParams.get('since'), 'e1.1');

  const beating = await protocolServer(t, (_req, res) => {
    streaming(res, snapshot('e1', 1, []));
    let version = 1;
    const timer = setInterval(() => res.write(line({ type: 'heartbeat', epoch: 'e1', version: ++version })), 30);
    res.on('close', () => clearInterval(timer));
  });
  const b = setup(t, beating.url, { idle_timeout_ms: 100 });
  await b.start();
  await new Promise((resolve) => setTimeout(resolve, 400));
  t.is(beating.requests.length, 1);
  t.like(b.feed.stats(), { timeouts: 0, failures: 0 });
  t.regex(b.feed.resumeToken() ?? '', /^e1\.\d+$/);
  t.not(b.feed.resumeToken(), 'e1.1', 'heartbeats move the token');
});

test('bad lines are counted and skipped, a too-long one too, and the stream goes on', async (t) => {
  let live: ServerResponse | undefined;
  const server = await protocolServer(t, (_req, res) => {
    live = res;
    res.writeHead(200);
    res.write(line({ type: 'snapshot', epoch: 'e1', version: 1, count: 1 }) + 'not json\n' + line({ type: 'mystery', version: 1 }) + line({ type: 'upsert', version: 1, verdict: { id: 'x' } }));
    res.write(line({ type: 'upsert', version: 1, verdict: verdict('ip:192.0.2.1') }) + line({ type: 'synced', epoch: 'e1', version: 1 }));
  });
  const recorded = recordingTelemetry();
  const { replica, feed, start } = setup(t, server.url, { max_line_bytes: 400, telemetry: recorded.telemetry });
  await start();
  t.is(feed.stats().bad_lines, 3);
  const long = line({ type: 'upsert', version: 2, verdict: { ...verdict('ip:192.0.2.2'), detectors: [{ id: 'x'.repeat(600), score: 1, evidence: {} }] } });
  // The long line in pieces, the next good line starting in the same write as its end.
  live?.write(long.slice(0, 150));
  await new Promise((resolve) => setTimeout(resolve, 20));
  live?.write(long.slice(150, 500));
  await new Promise((resolve) => setTimeout(resolve, 20));
  live?.write(long.slice(500) + line({ type: 'upsert', version: 3, verdict: verdict('ip:192.0.2.3') }).slice(0, 40));
  await new Promise((resolve) => setTimeout(resolve, 20));
  live?.write(line({ type: 'upsert', version: 3, verdict: verdict('ip:192.0.2.3') }).slice(40));
  await until('the line after the long one', () => action(replica, '192.0.2.3') === 'block');
  t.is(action(replica, '192.0.2.2'), 'allow');
  t.like(feed.stats(), { bad_lines: 4, connections: 1 });
  t.deepEqual(recorded.seen, ['discarded bad_line', 'discarded bad_line', 'discarded bad_line', 'received', 'discarded line_too_long', 'received']);
});

test('a refused request is retried with back-off; close before synced rejects start', async (t) => {
  const server = await protocolServer(
    t,
    (_req, res) => res.writeHead(401).end(),
    (_req, res) => res.writeHead(503).end(),
    (_req, res) => streaming(res, snapshot('e1', 1, [verdict('ip:192.0.2.1')])),
  );
  const { replica, feed, start } = setup(t, server.url, { backoff: { base_ms: 100, max_ms: 1_000, jitter: 'none' } });
  await start();
  const at = server.requests.map((request) => request.at);
  t.is(action(replica, '192.0.2.1'), 'block');
  t.like(feed.stats(), { connections: 3, failures: 2 });
  t.true((at[1] as number) - (at[0] as number) >= 95, `first retry after ${(at[1] as number) - (at[0] as number)} ms, base_ms 100`);
  t.true((at[2] as number) - (at[1] as number) >= 195, `second retry after ${(at[2] as number) - (at[1] as number)} ms: doubled`);

  const silent = await protocolServer(t, (_req, res) => res.writeHead(200));
  const other = setup(t, silent.url);
  const pending = other.start();
  await until('the request', () => silent.requests.length === 1);
  await other.feed.close();
  await t.throwsAsync(pending, { code: 'ERR_STREAM_FEED_CLOSED' });
});
