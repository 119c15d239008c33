/**
 * createOriginProtection against the real peers on loopback: a DecisionServer serving a replica the
 * test fills (its verdict stream feeds the origin's replica) and the real IngestServer (its
 * `/stream` receives the origin's request records), through node:http.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import test from 'ava';
import { DecisionServer, VerdictReplica, decideConfigSchema, type VerdictFeed } from '@botsieve/decisions';
import { Telemetry, systemClock } from '@botsieve/runtime';
import { createOriginProtection, type OriginProtection, type OriginProtectionOptions } from './protect.js';
import { get, verdict } from './middleware/test-support.js';
import { INGEST_TOKEN, freePort, startIngest, until } from './request-stream/test-support.js';

const DECIDE_TOKEN = 'Bearer decide-test-secret';
const FAST_BACKOFF = { base_ms: 20, max_ms: 100, jitter: 'none' } as const;

/** The decision service on a free port, its replica filled by the test (the feed only says "rebuilt"). */
async function startDecisions(t: { teardown(fn: () => Promise<void>): void }) {
  const replica = new VerdictReplica({ clock: systemClock });
  const feed: VerdictFeed = { kind: 'stream', start: async () => undefined, lagMs: () => 0, close: async () => undefined };
  const server = new DecisionServer(decideConfigSchema.parse({ host: '127.0.0.1', port: 0, http_server: 'node', auth: { token: DECIDE_TOKEN } }), { replica, feed, telemetry: new Telemetry({ level: 'silent' }), clock: systemClock });
  await server.start();
  t.teardown(() => server.stop());
  return { replica, url: `http://127.0.0.1:${server.port}` };
}

/** An origin on node:http protected by `protection.node`, answering 200 "ok". */
async function origin(t: { teardown(fn: () => Promise<void>): void }, options: OriginProtectionOptions): Promise<{ protection: OriginProtection; port: number }> {
  // A generous budget (as in middleware.test.ts): on a loaded test machine the default 1 ms fails
  // a decision open now and then, which these tests are not about.
  const protection = createOriginProtection({ budget_ms: 1_000, ...options });
  t.teardown(() => protection.close(1_000));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (protection.node(req, res)) return;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ botsieve: req.botsieve }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { protection, port: (server.address() as AddressInfo).port };
}

const via = (ip: string) => ({ 'x-forwarded-for': ip, 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0' });

test('the decision service’s verdicts are enforced (snapshot and changes), challenges per the option, and every request reaches ingest', async (t) => {
  const decisions = await startDecisions(t);
  decisions.replica.apply(verdict('ip:203.0.113.9', 'block'));
  decisions.replica.apply(verdict('ip:203.0.113.10', 'challenge'));
  const ingest = await startIngest();
  t.teardown(() => ingest.close());
  const { protection, port } = await origin(t, {
    decisions: { url: decisions.url, auth: { header: 'authorization', token: DECIDE_TOKEN }, backoff: FAST_BACKOFF },
    ingest: { url: `ws://127.0.0.1:${ingest.port}/stream`, auth: { header: 'authorization', token: INGEST_TOKEN }, batch_max_ms: 20, backoff: FAST_BACKOFF },
    address: { cloudflare: false, trusted_proxies: ['127.0.0.1'] },
    challenge: 'block',
  });
  await protection.synced;
  t.true(protection.ready());
  t.is(protection.replica.size, 2, 'the snapshot arrived');

  t.is((await get(port, via('203.0.113.9'))).status, 403, 'blocked from the snapshot');
  t.is((await get(port, via('203.0.113.10'))).status, 403, "a challenge is a 403 with challenge: 'block'");
  const person = await get(port, via('198.51.100.20'));
  t.is(person.status, 200);
  t.like(person.botsieve, { ip: '198.51.100.20', address_source: 'x-forwarded-for', action: 'allow', fail_open: null });

  // A verdict decided after the sync travels the stream to the origin.
  decisions.replica.apply(verdict('ip:198.51.100.21', 'block'));
  await until(() => protection.replica.size === 3, 5_000);
  t.is((await get(port, via('198.51.100.21'))).status, 403, 'blocked from a change on the stream');

  // Every request (403s included) reached ingest's events topic as a stream record.
  await until(() => protection.stream!.stats().acknowledged === 4, 5_000);
  const events = await ingest.events(4);
  t.deepEqual(events.map((event) => event.ip).sort(), ['198.51.100.20', '198.51.100.21', '203.0.113.10', '203.0.113.9']);
  t.deepEqual(events.map((event) => event.status).sort(), [200, 403, 403, 403]);
  t.true(events.every((event) => event.source === 'stream'));

  await protection.close();
  t.is(protection.stream!.stats().dropped, 0, 'nothing was left unacknowledged');
  t.is(protection.guard.metrics.snapshot().blocked, 3);
});

test('a decision service that is down: requests fail open as not_ready, nothing throws, close() ends the wait for the sync', async (t) => {
  const { protection, port } = await origin(t, { decisions: { url: `http://127.0.0.1:${await freePort()}`, backoff: FAST_BACKOFF }, ingest: null, address: { cloudflare: false, trusted_proxies: ['127.0.0.1'] } });
  t.false(protection.ready());
  t.is(protection.stream, null);
  const answer = await get(port, via('203.0.113.9'));
  t.is(answer.status, 200);
  t.like(answer.botsieve, { action: 'allow', fail_open: 'not_ready', decision: null });
  await until(() => protection.feed.stats().failures >= 2, 5_000);
  await protection.close();
  await t.throwsAsync(protection.synced, { code: 'ERR_STREAM_FEED_CLOSED' });
  t.is(protection.guard.metrics.snapshot().fail_open.not_ready, 1);
});

test('a bad option throws ERR_ORIGIN_CONFIG before anything is started', (t) => {
  t.throws(() => createOriginProtection({ decisions: { url: 'http://127.0.0.1:1' }, ingest: { url: 'http://not-a-websocket/stream' } }), { code: 'ERR_ORIGIN_CONFIG' });
  t.throws(() => createOriginProtection({ decisions: { url: 'http://127.0.0.1:1' }, ingest: null, budget_ms: 0 }), { code: 'ERR_ORIGIN_CONFIG' });
  for (const url of ['decide.internal:8090', 'ws://127.0.0.1:1', 'not a url']) t.throws(() => createOriginProtection({ decisions: { url }, ingest: null }), { code: 'ERR_ORIGIN_CONFIG' }, url);
});

test('the README documents every option of createOriginProtection', (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const source = readFileSync(new URL('../src/protect.ts', import.meta.url), 'utf8');
  for (const name of ['DecisionsConnection', 'OriginProtectionOptions', 'OriginProtection']) {
    const block = new RegExp(`export interface ${name} [^{]*\\{([\\s\\S]*?)\\n\\}`).exec(source)![1]!;
    const fields = [...block.matchAll(/^ {2}(?:readonly )?(\w+)\??[:(]/gm)].map((match) => match[1]!);
    t.true(fields.length >= 2, name);
    for (const field of fields) t.true(readme.includes(`\`${field}\``), `${name}: ${field}`);
  }
});
