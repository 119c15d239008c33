/**
 * The bundled Worker in workerd (Miniflare), against real peers on loopback: an origin recording
 * headers, ingest on the embedded bus, and the real decision service (DecisionServer) over a
 * VerdictReplica the tests write to.
 */
import test from 'ava';
import { CLOUDFLARE_HEADERS, EDGE_HEADERS, EDGE_HEADER_NAMES } from '@botsieve/core';
import { systemClock } from '@botsieve/runtime';
import { VerdictReplica } from '@botsieve/decisions';
import { closedPort, startDecisionService, startHungServer, startIngest, startOrigin, verdict } from './peers.js';
import { eventually, startWorker } from './miniflare.js';

const CLOUDFLARE_SET = new Set<string>([...Object.values(CLOUDFLARE_HEADERS), 'cf-worker']);
const BOT = { score: 7, verifiedBot: false, ja4: 't13d1516h2_8daaf6152771_b186095e22b6', ja3Hash: 'e7d705a3286e19ea42f587b344ee6865', detectionIds: [33554817, 50331651], staticResource: false, jsDetection: { passed: false } };

test('Bot Management fields reach the origin as botsieve-* headers, with the edge token; client-forged copies do not', async (t) => {
  const origin = await startOrigin();
  const worker = await startWorker({ ORIGIN: origin.url, EDGE_TOKEN: 'a-long-shared-secret-0123' });
  t.teardown(async () => {
    await worker.dispose();
    await origin.close();
  });
  const forged: Record<string, string> = { 'X-Real-IP': '192.0.2.250', 'user-agent': 'curl/8.5' };
  for (const name of EDGE_HEADER_NAMES) forged[name] = name === EDGE_HEADERS.bot_score ? '99' : 'forged';
  const answer = await worker.fetch('/cart?item=3', { cf: { asn: 64500, country: 'DE', verifiedBotCategory: '', botManagement: BOT }, headers: forged });
  t.is(answer.status, 200);
  t.is(answer.text, 'hello from the origin');
  const [seen] = origin.requests;
  t.is(seen?.url, '/cart?item=3');
  t.like(seen?.headers, {
    'botsieve-bot-score': '7',
    'botsieve-verified-bot': 'false',
    'botsieve-ja4': BOT.ja4,
    'botsieve-bot-detection-ids': '33554817,50331651',
    'botsieve-bot-static-resource': 'false',
    'botsieve-bot-js-passed': 'false',
    'botsieve-asn': '64500',
    'botsieve-edge-token': 'a-long-shared-secret-0123',
    'user-agent': 'curl/8.5',
    'x-real-ip': '203.0.113.50',
  });
  t.false('botsieve-action' in (seen?.headers ?? {}), 'a client cannot send an action to the origin');
  t.false('botsieve-verified-bot-category' in (seen?.headers ?? {}), 'an empty category is not sent, and the forged one is gone');
  // Only Cloudflare's own cf-* headers (workerd adds cf-worker to subrequests, as Cloudflare does); the country is Cloudflare's cf-ipcountry, not ours.
  t.deepEqual(Object.keys(seen?.headers ?? {}).filter((name) => name.startsWith('cf-') && !CLOUDFLARE_SET.has(name)), []);
  t.false(Object.values(seen?.headers ?? {}).includes('forged'));

  // A verified bot: its category is forwarded.
  await worker.fetch('/robots.txt', { cf: { asn: 15169, verifiedBotCategory: 'Search Engine Crawler', botManagement: { ...BOT, score: 1, verifiedBot: true } } });
  t.like(origin.requests[1]?.headers, { 'botsieve-verified-bot': 'true', 'botsieve-verified-bot-category': 'Search Engine Crawler', 'botsieve-bot-score': '1' });

  // Without Bot Management (botManagement absent): the forged bot headers are stripped, none are set.
  await worker.fetch('/', { cf: { asn: 64501, botManagement: null }, headers: forged });
  const third = origin.requests[2]?.headers ?? {};
  for (const name of EDGE_HEADER_NAMES) {
    if (name !== EDGE_HEADERS.asn && name !== EDGE_HEADERS.edge_token) t.false(name in third, `${name} absent without Bot Management`);
  }
  t.is(third['botsieve-asn'], '64501');
  t.is(third['botsieve-edge-token'], 'a-long-shared-secret-0123', 'the token replaced the forged one');
});

test('without EDGE_TOKEN a client-sent botsieve-edge-token is removed, not passed on', async (t) => {
  const origin = await startOrigin();
  const worker = await startWorker({ ORIGIN: origin.url });
  t.teardown(async () => {
    await worker.dispose();
    await origin.close();
  });
  t.is((await worker.fetch('/', { headers: { 'botsieve-edge-token': 'a-guessed-token-0123456' } })).status, 200);
  t.false('botsieve-edge-token' in (origin.requests[0]?.headers ?? {}));
});

test('request metadata reaches ingest in batches (by size and by time) and lands on the events topic', async (t) => {
  const origin = await startOrigin();
  const ingest = await startIngest();
  const worker = await startWorker({ ORIGIN: origin.url, INGEST_URL: ingest.url, INGEST_TOKEN: ingest.token, BATCH_MAX_RECORDS: '3', BATCH_MAX_WAIT_MS: '300' });
  t.teardown(async () => {
    await worker.dispose();
    await ingest.close();
    await origin.close();
  });
  const before = Date.now();
  const cf = { asn: 64500, country: 'DE', httpProtocol: 'HTTP/2', botManagement: BOT };
  // Three fill a batch, the fourth goes out by the timer.
  for (const [index, ip] of ['198.51.100.7', '2001:DB8:0:0:1::5', '::ffff:192.0.2.33', '198.51.100.8'].entries()) {
    const answer = await worker.fetch(`/p/${index}?q=1`, { ip, cf, headers: { 'user-agent': 'bot/1.0', referer: 'https://ref.example/' } });
    t.is(answer.status, 200);
  }
  const events = await ingest.events(4);
  t.is(events.length, 4, 'each request once');
  const byPath = new Map(events.map((event) => [event.path, event]));
  t.like(byPath.get('/p/0'), {
    ip: '198.51.100.7', prefix: '198.51.100.0/24', asn: 64500, country: 'de', host: 'shop.example.com', method: 'GET', protocol: 'HTTP/2',
    uri: '/p/0?q=1', user_agent: 'bot/1.0', referer: 'https://ref.example/', status: 200, origin_status: 200, content_type: 'text/plain',
    response_bytes: 'hello from the origin'.length, bot_score: 7, ja4: BOT.ja4, ja3_hash: BOT.ja3Hash, bot_score_src: null, source: 'events',
  });
  t.like(byPath.get('/p/1'), { ip: '2001:db8::1:0:0:5', prefix: '2001:db8::/64' }, 'ingest canonicalises what the Worker read from CF-Connecting-IP');
  t.like(byPath.get('/p/2'), { ip: '192.0.2.33', prefix: '192.0.2.0/24' });
  for (const event of events) {
    t.true((event.timestamp_ms as number) >= before - 1_000 && (event.timestamp_ms as number) <= Date.now(), 'EdgeStartTimestamp is the request time');
    t.regex(event.ray_id as string, /^[0-9a-f]{16}$/);
  }
  const stats = await worker.stats();
  t.like(stats.shipper, { shipped: 4, dropped: 0, buffered: 0, failed_batches: 0 });
});

test('a verified bot is shipped with BotScoreSrc "Verified Bot"; a wrong ingest token drops batches, counted, and never delays requests', async (t) => {
  const origin = await startOrigin();
  const ingest = await startIngest();
  const good = await startWorker({ ORIGIN: origin.url, INGEST_URL: ingest.url, INGEST_TOKEN: ingest.token, BATCH_MAX_RECORDS: '1' });
  const bad = await startWorker({ ORIGIN: origin.url, INGEST_URL: ingest.url, INGEST_TOKEN: 'Bearer wrong', BATCH_MAX_RECORDS: '2', BUFFER_MAX_RECORDS: '2' });
  t.teardown(async () => {
    await good.dispose();
    await bad.dispose();
    await ingest.close();
    await origin.close();
  });
  await good.fetch('/robots.txt', { cf: { asn: 15169, verifiedBotCategory: 'Search Engine Crawler', botManagement: { ...BOT, score: 1, verifiedBot: true } } });
  const [event] = await ingest.events(1);
  t.like(event, { path: '/robots.txt', bot_score: 1, bot_score_src: 'Verified Bot', verified_bot_category: 'Search Engine Crawler', asn: 15169 });

  for (let i = 0; i < 4; i++) t.is((await bad.fetch(`/x${i}`, { cf: { botManagement: BOT } })).status, 200);
  t.true(await eventually(async () => ((await bad.stats()).shipper?.dropped ?? 0) === 4), 'a 401 batch is dropped, not retried');
  t.like((await bad.stats()).shipper, { shipped: 0, failed_batches: 2 });
});

test('enforcement: a block verdict is enforced after a refresh, which no request waits for', async (t) => {
  const origin = await startOrigin();
  const replica = new VerdictReplica({ clock: systemClock });
  const decisions = await startDecisionService(replica);
  const worker = await startWorker({ ORIGIN: origin.url, ENFORCE: 'on', DECISIONS_URL: decisions.url, DECISIONS_TOKEN: decisions.token, REFRESH_S: '1' });
  t.teardown(async () => {
    await worker.dispose();
    await decisions.close();
    await origin.close();
  });
  const cf = { asn: 64500, botManagement: BOT };
  t.is((await worker.fetch('/', { ip: '203.0.113.7', cf })).status, 200, 'nothing held yet');
  t.true(await eventually(async () => ((await worker.stats()).enforcer?.refreshes ?? 0) === 1), 'the first refresh ran in waitUntil');
  t.is(decisions.requests[0]?.get('actions'), 'block,challenge');
  t.is(decisions.requests[0]?.get('since'), null, 'the first refresh asks for a snapshot');

  replica.apply(verdict('ip:203.0.113.7', 'block', 600_000));
  replica.apply(verdict('asn:64999', 'log', 600_000));
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  t.is((await worker.fetch('/', { ip: '203.0.113.7', cf })).status, 200, 'the request that finds a refresh due does not wait for it');
  t.true(await eventually(async () => (await worker.fetch('/', { ip: '203.0.113.7', cf })).status === 403), 'blocked once the refresh applied the verdict');
  const blocked = await worker.fetch('/', { ip: '203.0.113.7', cf });
  t.is(blocked.headers.get('botsieve-action'), 'block');
  t.regex(blocked.text, /Access denied/);
  t.is((await worker.fetch('/', { ip: '203.0.113.8', cf })).status, 200, 'another client passes');
  t.is((await worker.fetch('/', { ip: '203.0.113.9', cf: { asn: 64999, botManagement: BOT } })).status, 200, 'a log verdict is not enforced');
  t.regex(decisions.requests[1]?.get('since') ?? '', new RegExp(`^${replica.epoch}\\.\\d+$`), 'later refreshes resume from the token');
  t.like((await worker.stats()).enforcer, { size: 1, refresh_failures: 0 });
  t.is(origin.requests.filter((request) => request.headers[EDGE_HEADERS.bot_score] === '7').length, origin.requests.length);
});

test('enforcement: a verified bot in a blocked ASN passes; population verdicts need Bot Management; canonical IPv6 prefixes match', async (t) => {
  const origin = await startOrigin();
  const replica = new VerdictReplica({ clock: systemClock });
  replica.apply(verdict('asn:64500', 'block', 600_000));
  replica.apply(verdict('ip:198.51.100.2', 'block', 600_000));
  replica.apply(verdict('prefix:2001:db8:1::/64', 'challenge', 600_000));
  replica.apply(verdict('ipua:198.51.100.4 curl/8.5.0', 'block', 600_000));
  const decisions = await startDecisionService(replica);
  const worker = await startWorker({ ORIGIN: origin.url, ENFORCE: 'on', DECISIONS_URL: decisions.url, DECISIONS_TOKEN: decisions.token, WAIT_FOR_FIRST_REFRESH: 'on', REFRESH_S: '3600' });
  t.teardown(async () => {
    await worker.dispose();
    await decisions.close();
    await origin.close();
  });
  t.is((await worker.fetch('/', { ip: '198.51.100.1', cf: { asn: 64500, botManagement: BOT } })).status, 403, 'the first request waited for the first refresh (WAIT_FOR_FIRST_REFRESH=on)');
  t.is((await worker.fetch('/', { ip: '198.51.100.2', cf: { asn: 64500, botManagement: { ...BOT, score: 1, verifiedBot: true } } })).status, 200, 'a verified crawler inside the blocked ASN passes, even from an address holding its own block verdict');
  t.is((await worker.fetch('/', { ip: '198.51.100.2', cf: { asn: 64501, botManagement: BOT } })).status, 403, 'that address is blocked when the request is not a verified bot');
  t.is((await worker.fetch('/', { ip: '198.51.100.3', cf: { asn: 64500, botManagement: null } })).status, 200, 'without Bot Management, an asn: verdict is not enforced');

  // One user agent on a shared address: that client is stopped, not the others behind the address.
  const curl = { 'user-agent': 'curl/8.5.0' };
  t.is((await worker.fetch('/', { ip: '198.51.100.4', headers: curl, cf: { asn: 64502, botManagement: BOT } })).status, 403, 'the user agent on the address');
  t.is((await worker.fetch('/', { ip: '198.51.100.4', headers: curl, cf: { asn: 64502, botManagement: null } })).status, 403, 'a client, not a population: enforced without Bot Management too, like ip:');
  t.is((await worker.fetch('/', { ip: '198.51.100.4', headers: { 'user-agent': 'Mozilla/5.0 (iPhone)' }, cf: { asn: 64502, botManagement: BOT } })).status, 200, 'another user agent on the same address passes');
  t.is((await worker.fetch('/', { ip: '198.51.100.5', headers: curl, cf: { asn: 64502, botManagement: BOT } })).status, 200, 'the same user agent on another address passes');
  t.is((await worker.fetch('/', { ip: '198.51.100.4', headers: curl, cf: { asn: 64502, botManagement: { ...BOT, score: 1, verifiedBot: true } } })).status, 200, 'a verified bot is never enforced on');

  // Challenge in CHALLENGE_MODE=forward (default): the origin decides, told by botsieve-action.
  const challenged = await worker.fetch('/login', { ip: '2001:DB8:1:0:0:0:0:AB', cf: { asn: 64777, botManagement: BOT } });
  t.is(challenged.status, 200);
  t.is(origin.requests.at(-1)?.headers['botsieve-action'], 'challenge', 'the non-canonical IPv6 address fell under the canonical /64 verdict');
  t.is(decisions.requests.length, 1, 'one refresh within REFRESH_S');
});

test('enforcement: an expired verdict stops being enforced without a refresh; CHALLENGE_MODE=block answers 403', async (t) => {
  const origin = await startOrigin();
  const replica = new VerdictReplica({ clock: systemClock });
  replica.apply(verdict(`ja4:${BOT.ja4}`, 'challenge', 600_000));
  const decisions = await startDecisionService(replica);
  const worker = await startWorker({ ORIGIN: origin.url, ENFORCE: 'on', DECISIONS_URL: decisions.url, DECISIONS_TOKEN: decisions.token, WAIT_FOR_FIRST_REFRESH: 'on', REFRESH_S: '3600', CHALLENGE_MODE: 'block' });
  t.teardown(async () => {
    await worker.dispose();
    await decisions.close();
    await origin.close();
  });
  // Decided once workerd runs, so its 3 s are not spent starting it; the first request fetches it.
  const shortLived = verdict('ip:192.0.2.44', 'block', 3_000);
  replica.apply(shortLived);
  const other = { ...BOT, ja4: 't13d0000h2_000000000000_000000000000' };
  t.is((await worker.fetch('/', { ip: '192.0.2.44', cf: { botManagement: other } })).status, 403);
  const challenged = await worker.fetch('/', { ip: '192.0.2.45', cf: { botManagement: BOT } });
  t.is(challenged.status, 403, 'a challenge verdict refused at the edge in block mode');
  t.is(challenged.headers.get('botsieve-action'), 'challenge');
  await new Promise((resolve) => setTimeout(resolve, shortLived.decided_at + shortLived.ttl_ms - Date.now() + 100));
  t.is((await worker.fetch('/', { ip: '192.0.2.44', cf: { botManagement: other } })).status, 200, 'expired at decided_at + ttl_ms');
  t.is(decisions.requests.length, 1, 'expiry needed no refresh');
  t.like((await worker.stats()).enforcer, { size: 1 });
});

test('enforcement fails open: an unreachable decision service enforces nothing and costs requests no error', async (t) => {
  const origin = await startOrigin();
  const worker = await startWorker({ ORIGIN: origin.url, ENFORCE: 'on', DECISIONS_URL: `http://127.0.0.1:${await closedPort()}`, WAIT_FOR_FIRST_REFRESH: 'on', REFRESH_S: '1' });
  t.teardown(async () => {
    await worker.dispose();
    await origin.close();
  });
  t.is((await worker.fetch('/', { cf: { botManagement: BOT } })).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  t.is((await worker.fetch('/', { cf: { botManagement: BOT } })).status, 200);
  t.true(await eventually(async () => ((await worker.stats()).enforcer?.refresh_failures ?? 0) === 2));
  t.like((await worker.stats()).enforcer, { refreshes: 0, size: 0, token: null });
});

test('hung peers cost requests nothing: ingest that never answers, and a first refresh bounded by REFRESH_TIMEOUT_MS', async (t) => {
  const origin = await startOrigin();
  const hung = await startHungServer();
  const worker = await startWorker({
    ORIGIN: origin.url, INGEST_URL: `${hung.url}/events`, BATCH_MAX_RECORDS: '1',
    ENFORCE: 'on', DECISIONS_URL: hung.url, WAIT_FOR_FIRST_REFRESH: 'on', REFRESH_TIMEOUT_MS: '500', REFRESH_S: '3600',
  });
  t.teardown(async () => {
    await worker.dispose();
    await hung.close();
    await origin.close();
  });
  let started = Date.now();
  t.is((await worker.fetch('/', { cf: { botManagement: BOT } })).status, 200);
  const first = Date.now() - started;
  t.true(first >= 400 && first < 3_000, `the first request waited for the refresh until its timeout only (${first} ms)`);
  started = Date.now();
  for (let i = 0; i < 3; i++) t.is((await worker.fetch(`/${i}`, { cf: { botManagement: BOT } })).status, 200);
  const three = Date.now() - started;
  t.true(three < 1_500, `three requests while every ingest send hangs took ${three} ms`);
  t.true(await eventually(async () => hung.received() >= 3), 'the refresh and two sends reached the hung server (two sends in flight at most)');
  const stats = await worker.stats();
  t.like(stats.enforcer, { refresh_failures: 1, refreshes: 0 });
  t.like(stats.shipper, { shipped: 0 });
});

test('a bad configuration answers 500 ERR_EDGE_CONFIG on every request instead of running half-configured', async (t) => {
  const worker = await startWorker({ ENFORCE: 'yes' });
  t.teardown(() => worker.dispose());
  const answer = await worker.fetch('/');
  t.is(answer.status, 500);
  t.like(JSON.parse(answer.text), { error: 'ERR_EDGE_CONFIG' });
});
