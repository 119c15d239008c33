/**
 * The decision service over real sockets, on node:http and (where a build loads) uWebSockets.js.
 */
import { connect } from 'node:net';
import test from 'ava';
import { until } from '@botsieve/testkit';
import { ControlledFeed, StreamReader, startServer, transports, verdict } from './test-support.js';

const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const TOKEN = 'Bearer s3cret';
const auth = { authorization: TOKEN };

for (const transport of await transports()) {
  test(`${transport}: GET /v1/decision blocks a blocked ip, allows a verified crawler in a blocked ASN, and refuses a bad ip with 400`, async (t) => {
    const { server, replica, base } = await startServer(transport);
    t.teardown(() => server.stop());
    await until('ready', () => server.stats().ready, 5_000);
    replica.apply(verdict('ip:203.0.113.9', 'block'));
    replica.apply(verdict('asn:15169', 'block'));

    const blocked = (await (await fetch(`${base}/v1/decision?ip=203.0.113.9`)).json()) as Record<string, unknown>;
    t.like(blocked, { action: 'block', subject: 'ip:203.0.113.9', reasons: ['volumetric'], exemption: null });
    const sameAsn = (await (await fetch(`${base}/v1/decision?ip=198.51.100.1&asn=15169`)).json()) as Record<string, unknown>;
    t.like(sameAsn, { action: 'block', subject: 'asn:15169' }, 'a plain client in the blocked ASN is blocked');
    const crawler = (await (await fetch(`${base}/v1/decision?ip=66.249.66.1&asn=15169&ua=${encodeURIComponent(GOOGLEBOT)}`)).json()) as Record<string, unknown>;
    t.like(crawler, { action: 'allow', subject: null, score: 99 });
    t.like(crawler.exemption as object, { name: 'googlebot' });
    const unknown = (await (await fetch(`${base}/v1/decision?ip=192.0.2.77`)).json()) as Record<string, unknown>;
    t.like(unknown, { action: 'allow', subject: null });

    for (const query of ['', 'ip=', 'ip=not-an-ip', 'ip=1.2.3.4&asn=x', 'ip=1.2.3.4&verified=maybe', 'ip=1.2.3.4&bot_score=300']) {
      const response = await fetch(`${base}/v1/decision?${query}`);
      t.is(response.status, 400, query);
      t.is(((await response.json()) as { error: string }).error, 'ERR_DECIDE_BAD_REQUEST');
    }
    t.is(server.stats().lookups, 4, 'refused requests are not lookups');
    t.regex(await server.metricsText(), /botsieve_decide_decisions_total\{action="block"\} 2/);

    // `ua=` present and empty: the request sent no user agent (the subject `ua:`); no `ua` at all: not known.
    replica.apply(verdict('ua:', 'challenge'));
    t.like((await (await fetch(`${base}/v1/decision?ip=192.0.2.78&ua=`)).json()) as object, { action: 'challenge', subject: 'ua:' });
    t.like((await (await fetch(`${base}/v1/decision?ip=192.0.2.78`)).json()) as object, { action: 'allow', subject: null });
  });

  test(`${transport}: POST /v1/decisions answers one decision per client, in order, and refuses too many or too large with 413 and bad JSON with 400`, async (t) => {
    const { server, replica, base } = await startServer(transport, { max_batch: 3, max_body_bytes: 2_000 });
    t.teardown(() => server.stop());
    await until('ready', () => server.stats().ready, 5_000);
    replica.apply(verdict('prefix:203.0.113.0/24', 'challenge'));
    const post = (body: string) => fetch(`${base}/v1/decisions`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

    const answer = await post(JSON.stringify([{ ip: '203.0.113.50' }, { ip: '192.0.2.1' }, { ip: '66.249.66.1', user_agent: GOOGLEBOT }]));
    t.is(answer.status, 200);
    const decisions = (await answer.json()) as Array<{ action: string; subject: string | null }>;
    t.deepEqual(decisions.map((decision) => decision.action), ['challenge', 'allow', 'allow']);
    t.is(decisions[0]?.subject, 'prefix:203.0.113.0/24');

    const tooMany = await post(JSON.stringify([{ ip: '192.0.2.1' }, { ip: '192.0.2.2' }, { ip: '192.0.2.3' }, { ip: '192.0.2.4' }]));
    t.is(tooMany.status, 413);
    t.is(((await tooMany.json()) as { error: string }).error, 'ERR_DECIDE_TOO_LARGE');
    const tooBig = await post(JSON.stringify([{ ip: '192.0.2.1', user_agent: 'x'.repeat(3_000) }]));
    t.is(tooBig.status, 413);
    for (const body of ['{"ip":"192.0.2.1"}', 'nope', '[{"ip":"192.0.2.1"},{"ip":"300.1.1.1"}]', '[1]']) {
      const response = await post(body);
      t.is(response.status, 400, body);
      t.is(((await response.json()) as { error: string }).error, 'ERR_DECIDE_BAD_REQUEST');
    }
    const bad = (await (await post('[{"ip":"192.0.2.1"},{"ip":"300.1.1.1"}]')).json()) as { message: string };
    t.regex(bad.message, /clients\[1\]/, 'the message names the client');
  });

  test(`${transport}: /v1/* needs the token (401 otherwise), /healthz and /readyz do not; /readyz is 503 until the feed rebuilt the replica and again while draining`, async (t) => {
    const feed = new ControlledFeed([verdict('ip:203.0.113.9')], false);
    const { server, base } = await startServer(transport, { auth: { token: TOKEN } }, feed);
    t.teardown(() => server.stop());
    t.is((await fetch(`${base}/healthz`)).status, 200);
    t.is((await fetch(`${base}/readyz`)).status, 503, 'not rebuilt yet');
    const early = await fetch(`${base}/v1/decision?ip=203.0.113.9`, { headers: auth });
    t.is(early.status, 503, 'no answers from a half-built replica');
    t.truthy(early.headers.get('retry-after'));
    feed.finish();
    await until('ready', async () => (await fetch(`${base}/readyz`)).status === 200, 5_000);

    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: '' }] as Array<Record<string, string>>) {
      for (const [path, init] of [['/v1/decision?ip=203.0.113.9', {}], ['/v1/decisions', { method: 'POST', body: '[]' }], ['/v1/verdicts/stream?follow=0', {}]] as const) {
        const response = await fetch(`${base}${path}`, { ...init, headers });
        t.is(response.status, 401, `${path} ${JSON.stringify(headers)}`);
        t.is(((await response.json()) as { error: string }).error, 'ERR_DECIDE_UNAUTHORIZED');
      }
    }
    const ok = await fetch(`${base}/v1/decision?ip=203.0.113.9`, { headers: auth });
    t.is(ok.status, 200);
    t.is(((await ok.json()) as { action: string }).action, 'block');

    const stream = new StreamReader(`${base}/v1/verdicts/stream`, auth);
    await until('stream open', () => stream.ofType('synced').length === 1, 5_000);
    const stopping = server.stop();
    await until('stream closed by the drain', () => stream.ended || stream.closedEarly, 5_000);
    await stopping;
    t.true(feed.closed);
    t.is(server.stats().ready, false);
    t.is(server.stats().draining, true);
    await t.throwsAsync(fetch(`${base}/healthz`), undefined, 'no longer listening');
  });

  test(`${transport}: the stream sends a snapshot, synced, then changes in version order; resumes from a token; follow=0 ends; actions= filters`, async (t) => {
    const { server, replica, base } = await startServer(transport, { stream: { heartbeat_ms: 100 } });
    t.teardown(() => server.stop());
    await until('ready', () => server.stats().ready, 5_000);
    replica.apply(verdict('ip:203.0.113.1', 'block'));
    replica.apply(verdict('ip:203.0.113.2', 'log'));

    const live = new StreamReader(`${base}/v1/verdicts/stream`);
    const blocks = new StreamReader(`${base}/v1/verdicts/stream?actions=block`);
    await until('both synced', () => live.ofType('synced').length === 1 && blocks.ofType('synced').length === 1, 5_000);
    t.is(live.status, 200);
    t.like(live.lines[0], { type: 'snapshot', epoch: replica.epoch, version: 2, count: 2 });
    t.deepEqual(live.ofType('upsert').map((line) => (line.verdict as { subject: string }).subject).sort(), ['ip:203.0.113.1', 'ip:203.0.113.2']);
    t.like(live.lines[3], { type: 'synced', version: 2 });
    t.like(blocks.lines[0], { type: 'snapshot', count: 1 });
    t.deepEqual(blocks.ofType('upsert').map((line) => (line.verdict as { subject: string }).subject), ['ip:203.0.113.1']);

    replica.apply(verdict('ip:203.0.113.3', 'challenge'));
    replica.apply(verdict('ip:203.0.113.4', 'block'));
    await until('two changes', () => live.ofType('upsert').length === 4, 5_000);
    t.deepEqual(live.lines.slice(4).filter((line) => line.type === 'upsert').map((line) => line.version), [3, 4], 'changes in version order');
    await until('the block change', () => blocks.ofType('upsert').length === 2, 5_000);
    t.deepEqual(blocks.ofType('upsert').map((line) => (line.verdict as { action: string }).action), ['block', 'block'], 'the challenge was filtered out');

    // Heartbeats are periodic: on a loaded machine one may come before the two changes. The one
    // after them carries their version.
    await until('a heartbeat when idle, after the changes', () => live.ofType('heartbeat').some((line) => line.version === 4), 5_000);
    const heartbeat = live.ofType('heartbeat').find((line) => line.version === 4) as { epoch: string; version: number };
    t.is(heartbeat.epoch, replica.epoch);
    t.true(live.ofType('heartbeat').every((line) => (line.version as number) <= 4), 'never ahead of the changes sent');
    live.close();
    blocks.close();

    // Resume from version 3: only what came after, then synced. follow=0 ends the response.
    replica.apply(verdict('ip:203.0.113.5', 'block'));
    const resumed = new StreamReader(`${base}/v1/verdicts/stream?since=${heartbeat.epoch}.3&follow=0`);
    await until('resumed and ended', () => resumed.ended, 5_000);
    t.like(resumed.lines[0], { type: 'resume', version: 3 });
    t.deepEqual(resumed.ofType('upsert').map((line) => line.version), [4, 5]);
    t.like(resumed.lines.at(-1), { type: 'synced', version: 5 });

    // A token from another epoch (a restarted server) or past the log gets a full snapshot.
    const stale = new StreamReader(`${base}/v1/verdicts/stream?since=otherepoch.3&follow=0`);
    await until('snapshot ended', () => stale.ended, 5_000);
    t.like(stale.lines[0], { type: 'snapshot', count: 5, version: 5 });
    t.is(stale.ofType('upsert').length, 5);

    // A snapshot larger than one write (64 kB chunks) arrives whole, in order, then synced.
    const padding = 'p'.repeat(1_000);
    for (let i = 0; i < 600; i++) replica.apply(verdict(`ua:${padding}-${i}`, 'log'));
    const large = new StreamReader(`${base}/v1/verdicts/stream?follow=0`);
    await until('the large snapshot', () => large.ended, 10_000);
    t.like(large.lines[0], { type: 'snapshot', count: 605, version: 605 });
    t.is(large.ofType('upsert').length, 605);
    t.like(large.lines.at(-1), { type: 'synced', version: 605 });
    t.is(large.lines.length, 607);

    const bad = await fetch(`${base}/v1/verdicts/stream?since=nodot`);
    t.is(bad.status, 400);
    t.is((await fetch(`${base}/v1/verdicts/stream?actions=block,allow`)).status, 400);
    await until('clients gone', () => server.stats().stream_clients === 0, 5_000);
  });

  test(`${transport}: a client that never reads is cut once its unsent bytes pass the bound, while a reading client keeps receiving every change`, async (t) => {
    const { server, replica, base } = await startServer(transport, { stream: { max_unsent_bytes: 1_024 * 1_024 } });
    t.teardown(() => server.stop());
    await until('ready', () => server.stats().ready, 5_000);
    const reader = new StreamReader(`${base}/v1/verdicts/stream`);
    // The slow one sends its request and never reads a byte of the answer.
    const slow = connect(server.port as number, '127.0.0.1');
    slow.pause();
    let slowClosed = false;
    slow.on('close', () => {
      slowClosed = true;
    });
    slow.on('error', () => undefined);
    slow.write('GET /v1/verdicts/stream HTTP/1.1\r\nhost: x\r\n\r\n');
    await until('both connected', () => server.stats().stream_clients === 2 && reader.ofType('synced').length === 1, 5_000);

    // Up to ~40 MB of changes (far more than the loopback buffers hold), in bursts of 100 kB paced
    // by the reader: it is never more than ~300 kB behind, well inside the 1 MB bound.
    const padding = 'x'.repeat(2_000);
    let applied = 0;
    for (let burst = 0; burst < 400 && server.stats().stream_clients_cut === 0; burst++) {
      for (let i = 0; i < 50; i++) {
        replica.apply(verdict(`ua:${padding}-${applied}`, 'block'));
        applied += 1;
      }
      await until('the reader keeps up', () => reader.ofType('upsert').length >= applied - 100, 10_000);
    }
    await until('the slow client is cut', () => server.stats().stream_clients_cut === 1, 10_000);
    // A paused socket sees the end only once it reads what the kernel already holds.
    slow.resume();
    await until('its socket closed', () => slowClosed, 10_000);
    await until('the reader has every change', () => reader.ofType('upsert').length === applied, 20_000);
    t.false(reader.ended || reader.closedEarly, 'the reading client is still connected');
    t.is(server.stats().stream_clients, 1);
    t.regex(await server.metricsText(), /botsieve_errors_total\{component="decide",code="ERR_DECIDE_STREAM_CUT"\} 1/);
    t.log(`${applied} changes (${Math.round((applied * 2_150) / 1e6)} MB) before the cut`);
    reader.close();
  });
}

test('node: stream clients over stream.max_clients are answered 503 with Retry-After; a closed client frees its place', async (t) => {
  const { server, base } = await startServer('node', { stream: { max_clients: 1 } });
  t.teardown(() => server.stop());
  await until('ready', () => server.stats().ready, 5_000);
  const first = new StreamReader(`${base}/v1/verdicts/stream`);
  await until('first synced', () => first.ofType('synced').length === 1, 5_000);
  const refused = await fetch(`${base}/v1/verdicts/stream`);
  t.is(refused.status, 503);
  t.is(refused.headers.get('retry-after'), '1');
  t.is(((await refused.json()) as { error: string }).error, 'ERR_DECIDE_TOO_MANY_STREAMS');
  first.close();
  await until('the place freed', () => server.stats().stream_clients === 0, 5_000);
  const second = new StreamReader(`${base}/v1/verdicts/stream?follow=0`);
  await until('second served', () => second.ended, 5_000);
  t.is(second.status, 200);
});
