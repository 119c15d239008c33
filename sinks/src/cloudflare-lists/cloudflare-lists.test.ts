import test from 'ava';
import type { BotsieveError, PartialWriteError, Verdict } from '@botsieve/core';
import { ManualClock } from '@botsieve/runtime';
import { formatMarker } from './marker.js';
import { configFor, LISTS, makeSink, metric, startServer, until, verdict } from './test-support.js';

const NOW = 1_700_000_000_000;

test('block and challenge verdicts on IPv4, IPv6, prefixes and ASNs land in the right lists, in batches', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const { sink } = makeSink(configFor(server));
  await sink.connect();
  await sink.writeBatch([
    verdict('ip:192.0.2.10', 'block'),
    verdict('ip:2001:db8:0:1:aaaa::7', 'block'),
    verdict('prefix:198.51.100.0/24', 'challenge'),
    verdict('ip:203.0.113.9', 'challenge'),
    verdict('asn:64500', 'block'),
    verdict('asn:64501', 'challenge'),
  ]);
  t.deepEqual(server.values(LISTS.block_ip), ['192.0.2.10', '2001:db8:0:1::/64']);
  t.deepEqual(server.values(LISTS.challenge_ip), ['198.51.100.0/24', '203.0.113.9']);
  t.deepEqual(server.values(LISTS.block_asn), ['64500']);
  t.deepEqual(server.values(LISTS.challenge_asn), ['64501']);
  t.regex(server.items(LISTS.block_ip)[0]?.comment ?? '', /^botsieve exp=\d+ s=5 r=0 v=ip:192\.0\.2\.10\/block\/\d+$/);
  const creates = server.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/items'));
  t.is(creates.length, 4, 'one create per list');
  t.is(creates.reduce((sum, request) => sum + request.items, 0), 6);
  t.false(server.requests.some((request) => request.method === 'PUT'), 'never replace-all');
  t.is(server.concurrent_operation_rejections, 0);
  t.deepEqual(sink.presentValues()[LISTS.challenge_asn], ['64501']);
  await sink.close();
});

test('two IPv6 clients of one /64 become one item; writing the same verdicts again sends nothing', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const { sink } = makeSink(configFor(server));
  await sink.connect();
  const batch = [verdict('ip:2001:db8::1', 'block'), verdict('ip:2001:db8::2', 'block')];
  await sink.writeBatch(batch);
  t.deepEqual(server.values(LISTS.block_ip), ['2001:db8::/64']);
  const before = server.requests.length;
  await sink.writeBatch(batch);
  t.is(server.requests.length, before, 'idempotent: no request for what is already there');
  await sink.close();
});

test('an upgrade from challenge to block adds to the block list before removing from the challenge list', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const { sink } = makeSink(configFor(server));
  await sink.connect();
  await sink.writeBatch([verdict('ip:192.0.2.20', 'challenge')]);
  t.deepEqual(server.values(LISTS.challenge_ip), ['192.0.2.20']);
  const mark = server.requests.length;
  await sink.writeBatch([verdict('ip:192.0.2.20', 'block')]);
  t.deepEqual(server.values(LISTS.block_ip), ['192.0.2.20']);
  t.deepEqual(server.values(LISTS.challenge_ip), []);
  const writes = server.requests.slice(mark).filter((request) => request.method !== 'GET');
  t.deepEqual(writes.map((request) => request.method), ['POST', 'DELETE']);
  // A weaker verdict never replaces an active stronger one.
  await sink.writeBatch([verdict('ip:192.0.2.20', 'challenge')]);
  t.deepEqual(server.values(LISTS.challenge_ip), []);
  await sink.close();
});

test('expired verdicts are removed by item id at maintain()', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const clock = new ManualClock(NOW);
  const { sink } = makeSink(configFor(server), clock);
  await sink.connect();
  await sink.writeBatch([verdict('ip:192.0.2.30', 'block', { decided_at: NOW, ttl_ms: 60_000 }), verdict('asn:64502', 'block', { decided_at: NOW, ttl_ms: 120_000 })]);
  t.is(server.itemCount(), 2);
  clock.advance(59_000);
  await sink.maintain();
  t.is(server.itemCount(), 2, 'not before expiry');
  clock.advance(1_000);
  await sink.maintain();
  t.deepEqual(server.values(LISTS.block_ip), []);
  t.deepEqual(server.values(LISTS.block_asn), ['64502']);
  const deletes = server.requests.filter((request) => request.method === 'DELETE');
  t.is(deletes.length, 1);
  t.is(deletes[0]?.items, 1);
  // The id of an item we created is unknown until read back: it was looked up with `search`.
  t.true(server.requests.some((request) => request.query.includes('search=192.0.2.30')));
  await sink.close();
});

test('never pushes private ranges, never_push entries, log verdicts or user agents', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const { sink, telemetry } = makeSink(configFor(server, { never_push: { cidrs: ['203.0.113.7', '2001:db8:5::/48'], asns: [64510], ja4s: [] } }));
  await sink.connect();
  await sink.writeBatch([
    verdict('ip:10.1.2.3', 'block'),
    verdict('ip:100.64.1.1', 'block'),
    verdict('ip:127.0.0.1', 'block'),
    verdict('ip:169.254.0.1', 'block'),
    verdict('ip:192.168.1.1', 'block'),
    verdict('ip:::1', 'block'),
    verdict('ip:fe80::1', 'block'),
    verdict('ip:fd00::1', 'block'),
    verdict('prefix:172.0.0.0/8', 'block'), // contains 172.16.0.0/12
    verdict('prefix:203.0.113.0/24', 'block'),
    verdict('ip:2001:db8:5:1::9', 'block'),
    verdict('asn:64510', 'block'),
    verdict('asn:65000', 'block'),
    verdict('ip:192.0.2.40', 'log'),
    verdict('ua:curl/8.0', 'block'),
    verdict('ipua:198.51.100.78 curl/8.0', 'block'), // the address must not be pushed: it would stop everyone behind it
    verdict('ja4:t13d1516h2_8daaf6152771_02713d6af862', 'block'),
    verdict('ip:198.51.100.77', 'block'),
  ]);
  t.deepEqual(server.values(LISTS.block_ip), ['198.51.100.77'], 'only the public, non-safelisted subject');
  t.deepEqual(server.values(LISTS.block_asn), []);
  t.is(await metric(telemetry, 'botsieve_discarded_total', 'reason="never_push"'), 13);
  t.is(await metric(telemetry, 'botsieve_discarded_total', 'reason="not_enforceable"'), 4);
  await sink.close();
});

test('over capacity, block beats challenge, then the lower score, then more traffic; the rest is reported', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  // Items of the account's other lists count against max_items: 5 - 1 leaves room for 4.
  server.createList('someone_elses_list', 'ip');
  server.addForeignItem('someone_elses_list', '192.0.2.251');
  server.addForeignItem(LISTS.block_ip, '192.0.2.250');
  const { sink, telemetry, lines } = makeSink(configFor(server, { max_items: 5 }));
  await sink.connect();
  t.deepEqual(server.values(LISTS.block_ip), [], 'the foreign item in our list was removed at connect');
  await sink.writeBatch([
    verdict('ip:192.0.2.1', 'challenge', { score: 2, requests: 900 }),
    verdict('ip:192.0.2.2', 'block', { score: 30, requests: 10 }),
    verdict('ip:192.0.2.3', 'block', { score: 10, requests: 10 }),
    verdict('ip:192.0.2.4', 'block', { score: 10, requests: 500 }),
    verdict('asn:64497', 'challenge', { score: 2, requests: 800 }),
    verdict('ip:192.0.2.6', 'challenge', { score: 20, requests: 5_000 }),
  ]);
  t.deepEqual(server.values(LISTS.block_ip), ['192.0.2.2', '192.0.2.3', '192.0.2.4']);
  t.deepEqual(server.values(LISTS.challenge_ip), ['192.0.2.1'], 'lowest score and, at equal score, most traffic first');
  t.deepEqual(server.values(LISTS.challenge_asn), []);
  t.is(await metric(telemetry, 'botsieve_cloudflare_left_out'), 2);
  t.is(sink.status().left_out, 2);
  const warnings = lines.filter((line) => line.level === 40 && String(line.message).includes('left out'));
  t.is(warnings.length, 1);
  t.is(warnings[0]?.left_out, 2);
  // Another write at the same capacity does not repeat the warning.
  await sink.writeBatch([verdict('ip:192.0.2.3', 'block', { score: 10, requests: 10 })]);
  t.is(lines.filter((line) => line.level === 40 && String(line.message).includes('left out')).length, 1);
  await sink.close();
});

test('a restarted sink adopts its active items and removes expired and foreign ones', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const clock = new ManualClock(NOW);
  const first = makeSink(configFor(server), clock);
  await first.sink.connect();
  await first.sink.writeBatch([verdict('ip:192.0.2.50', 'block', { decided_at: NOW, ttl_ms: 600_000 }), verdict('asn:64498', 'challenge', { decided_at: NOW, ttl_ms: 600_000 })]);
  await first.sink.close();
  server.addForeignItem(LISTS.block_ip, '192.0.2.51', 'added by hand');
  server.addForeignItem(LISTS.challenge_ip, '192.0.2.52', formatMarker({ expires_at: NOW + 10_000, score: 5, traffic: 0, verdict_id: 'old' }));
  clock.advance(20_000);
  const count = (method: string) => server.requests.filter((request) => request.method === method).length;
  const [deletesBefore, createsBefore] = [count('DELETE'), count('POST')];
  const second = makeSink(configFor(server), clock);
  await second.sink.connect();
  t.deepEqual(server.values(LISTS.block_ip), ['192.0.2.50']);
  t.deepEqual(server.values(LISTS.challenge_asn), ['64498']);
  t.deepEqual(server.values(LISTS.challenge_ip), []);
  t.is(count('DELETE') - deletesBefore, 2, 'one delete for the foreign item, one for the expired one');
  t.is(count('POST'), createsBefore, 'nothing re-created: adoption kept the active items');
  // The adopted items still expire on time.
  clock.advance(580_000);
  await second.sink.maintain();
  t.is(server.itemCount(), 0);
  await second.sink.close();
});

test('reconcile repairs a manual delete and a manual add', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const clock = new ManualClock(NOW);
  const { sink } = makeSink(configFor(server, { reconcile_interval_ms: 60_000 }), clock);
  await sink.connect();
  await sink.writeBatch([verdict('ip:192.0.2.60', 'block', { decided_at: NOW }), verdict('ip:192.0.2.61', 'block', { decided_at: NOW })]);
  t.true(server.deleteItemDirectly(LISTS.block_ip, '192.0.2.60'));
  server.addForeignItem(LISTS.block_ip, '192.0.2.62');
  await sink.maintain();
  t.deepEqual(server.values(LISTS.block_ip), ['192.0.2.61', '192.0.2.62'], 'before the reconcile interval nothing is re-read');
  clock.advance(60_000);
  await sink.maintain();
  t.deepEqual(server.values(LISTS.block_ip), ['192.0.2.60', '192.0.2.61']);
  await sink.close();
});

test('with its request budget spent, the sink throws ERR_SINK_RATE_LIMITED instead of sending', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const clock = new ManualClock(NOW);
  // Connect: 1 list-lists + 4 list reads = 5 requests; a write: 1 create + 2 polls = 3.
  const { sink } = makeSink(configFor(server, { max_requests_per_window: 8, window_ms: 60_000 }), clock);
  await sink.connect();
  await sink.writeBatch([verdict('ip:192.0.2.70', 'block', { decided_at: NOW })]);
  const sent = server.requests.length;
  t.is(sent, 8);
  const error = (await t.throwsAsync(sink.writeBatch([verdict('ip:192.0.2.71', 'block', { decided_at: NOW })]), { code: 'ERR_SINK_RATE_LIMITED' })) as BotsieveError | undefined;
  t.true((error?.retry_after_ms ?? 0) > 0 && (error?.retry_after_ms ?? 0) <= 60_000);
  t.is(server.requests.length, sent, 'nothing sent');
  clock.advance(60_000);
  await sink.writeBatch([verdict('ip:192.0.2.71', 'block', { decided_at: NOW })]);
  t.deepEqual(server.values(LISTS.block_ip), ['192.0.2.70', '192.0.2.71']);
  await sink.close();
});

test('the item-change budget shrinks operations to what is left, then throws ERR_SINK_RATE_LIMITED', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const clock = new ManualClock(NOW);
  const { sink } = makeSink(configFor(server, { max_item_changes_per_window: 3, window_ms: 60_000 }), clock);
  await sink.connect();
  const batch = [1, 2, 3, 4, 5].map((i) => verdict(`ip:192.0.2.${80 + i}`, 'block', { decided_at: NOW }));
  const error = (await t.throwsAsync(sink.writeBatch(batch), { code: 'ERR_SINK_RATE_LIMITED' })) as BotsieveError | undefined;
  t.true((error?.retry_after_ms ?? 0) > 0);
  t.is(server.itemCount(), 3, 'three items went in before the budget ran out');
  clock.advance(60_000);
  await sink.writeBatch(batch);
  t.is(server.itemCount(), 5);
  await sink.close();
});

test('a failed bulk operation throws ERR_SINK_OPERATION_FAILED and the next call converges', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const { sink } = makeSink(configFor(server));
  await sink.connect();
  server.failNextOperation();
  const batch = [verdict('ip:192.0.2.90', 'block')];
  await t.throwsAsync(sink.writeBatch(batch), { code: 'ERR_SINK_OPERATION_FAILED' });
  t.deepEqual(server.values(LISTS.block_ip), []);
  await sink.writeBatch(batch);
  t.deepEqual(server.values(LISTS.block_ip), ['192.0.2.90']);
  await sink.close();
});

test('JA4 verdicts rewrite the managed rules when bot_management is on', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const { ruleset_id, rule_ids } = server.addRuleset('zone1', [
    { action: 'block', expression: 'cf.bot_management.ja4 in {""}', enabled: false },
    { action: 'managed_challenge', expression: 'cf.bot_management.ja4 in {""}', enabled: false },
  ]);
  const [block_rule, challenge_rule] = rule_ids as [string, string];
  const config = configFor(server, { bot_management: true, zone_id: 'zone1', ruleset_id, ja4_block_rule_id: block_rule, ja4_challenge_rule_id: challenge_rule });
  const { sink } = makeSink(config);
  await sink.connect();
  t.is(server.rule_edits, 0, 'empty and disabled already: nothing to write');
  await sink.writeBatch([verdict('ja4:t13d1516h2_8daaf6152771_02713d6af862', 'block'), verdict('ja4:t13d1517h2_aaaaaaaaaaaa_bbbbbbbbbbbb', 'block'), verdict('ja4:q13d0310h3_55b375c5d22e_cd85d2d88918', 'challenge')]);
  t.is(server.rule(ruleset_id, block_rule)?.expression, '(cf.bot_management.ja4 in {"t13d1516h2_8daaf6152771_02713d6af862" "t13d1517h2_aaaaaaaaaaaa_bbbbbbbbbbbb"}) and not cf.client.bot');
  t.true(server.rule(ruleset_id, block_rule)?.enabled);
  t.is(server.rule(ruleset_id, block_rule)?.action, 'block');
  t.is(server.rule(ruleset_id, challenge_rule)?.expression, '(cf.bot_management.ja4 in {"q13d0310h3_55b375c5d22e_cd85d2d88918"}) and not cf.client.bot');
  t.is(server.rule(ruleset_id, challenge_rule)?.action, 'managed_challenge');
  t.regex(server.rule(ruleset_id, block_rule)?.description ?? '', /^botsieve exp=\d+ s=5/);
  const edits = server.rule_edits;
  await sink.close();
  // A restarted sink adopts the fingerprints from the rule: nothing to rewrite.
  const again = makeSink(config);
  await again.sink.connect();
  await again.sink.writeBatch([verdict('ja4:t13d1516h2_8daaf6152771_02713d6af862', 'block')]);
  t.is(server.rule_edits, edits);
  await again.sink.close();
});

// A scraper fleet and a verified crawler in one network: the edge blocks the fleet's network and
// fingerprint; every expression that enforces them exempts cf.client.bot, so the crawler (and a
// monitor sharing the fleet's TLS stack) passes.
test('a fleet and a verified crawler in one network: the rule enforcing the fleet exempts cf.client.bot', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const fleetJa4 = 't13d1516h2_8daaf6152771_e5627efa2ab1';
  const future = Date.now() + 3_600_000;
  const { ruleset_id, rule_ids } = server.addRuleset('zone1', [
    // Written by a sink from before the exemption, still active: adopted, then rewritten.
    { action: 'block', expression: 'cf.bot_management.ja4 in {"t13d1517h2_aaaaaaaaaaaa_bbbbbbbbbbbb"}', description: `botsieve exp=${future} s=4 (JA4 block verdicts, managed by botsieve)`, enabled: true },
    { action: 'managed_challenge', expression: 'cf.bot_management.ja4 in {""}', enabled: false },
  ]);
  const [block_rule, challenge_rule] = rule_ids as [string, string];
  const { sink } = makeSink(configFor(server, { bot_management: true, zone_id: 'zone1', ruleset_id, ja4_block_rule_id: block_rule, ja4_challenge_rule_id: challenge_rule }));
  await sink.connect();
  await sink.writeBatch([verdict('asn:8075', 'block'), verdict(`ja4:${fleetJa4}`, 'block'), verdict('ja4:q13d0310h3_55b375c5d22e_cd85d2d88918', 'challenge')]);
  t.deepEqual(server.values(LISTS.block_asn), ['8075'], 'the network goes to the list its Terraform rule reads with `and not cf.client.bot`');
  const block = server.rule(ruleset_id, block_rule);
  t.is(block?.expression, `(cf.bot_management.ja4 in {"${fleetJa4}" "t13d1517h2_aaaaaaaaaaaa_bbbbbbbbbbbb"}) and not cf.client.bot`);
  t.is(block?.action, 'block');
  t.true(block?.enabled);
  t.is(server.rule(ruleset_id, challenge_rule)?.expression, '(cf.bot_management.ja4 in {"q13d0310h3_55b375c5d22e_cd85d2d88918"}) and not cf.client.bot');
  await sink.close();
});

test('dry-run sends nothing and logs what it would change', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const { sink, lines } = makeSink(configFor(server, { api_token: '' }));
  t.true(sink.dry_run);
  await sink.connect();
  await sink.writeBatch([verdict('ip:192.0.2.100', 'block'), verdict('asn:64499', 'challenge'), verdict('ip:192.0.2.101', 'block')]);
  await sink.maintain();
  t.is(server.requests.length, 0);
  const logged = lines.filter((line) => String(line.message).startsWith('dry-run'));
  t.is(logged.length, 1, 'one aggregated line per pass with changes, none for a pass without');
  t.is(logged[0]?.would_create, 3);
  t.deepEqual((logged[0]?.examples as { create: string[] }).create, ['botsieve_block_ip: 192.0.2.100', 'botsieve_block_ip: 192.0.2.101', 'botsieve_challenge_asn: 64499']);
  t.deepEqual(sink.presentValues()[LISTS.block_ip], ['192.0.2.100', '192.0.2.101']);
  await sink.close();
});

test('missing lists fail connect with ERR_SINK_CONFIG unless create_missing_lists is on', async (t) => {
  const server = await startServer({ without_lists: true });
  t.teardown(() => server.close());
  const missing = makeSink(configFor(server));
  const error = await t.throwsAsync(missing.sink.connect(), { code: 'ERR_SINK_CONFIG' });
  t.regex(error?.message ?? '', /botsieve_block_ip, botsieve_challenge_ip, botsieve_block_asn, botsieve_challenge_asn/);
  const creating = makeSink(configFor(server, { create_missing_lists: true }));
  await creating.sink.connect();
  t.deepEqual(server.listNames().sort(), Object.values(LISTS).sort());
  await creating.sink.writeBatch([verdict('asn:64496', 'block')]);
  t.deepEqual(server.values(LISTS.block_asn), ['64496']);
  await creating.sink.close();
});

test('a wrong token is a configuration error, not retried', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const { sink } = makeSink(configFor(server, { api_token: 'wrong' }));
  const error = await t.throwsAsync(sink.connect(), { code: 'ERR_SINK_CONFIG' });
  t.false((error as { retryable?: boolean } | undefined)?.retryable);
});

test('an item Cloudflare refuses is isolated by halving its chunk; only its verdict is rejected', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  server.refuseValues(['192.0.2.113']);
  const { sink, telemetry } = makeSink(configFor(server));
  await sink.connect();
  const bad = verdict('ip:192.0.2.113', 'block');
  const batch = [110, 111, 112, 113, 114, 115].map((i) => (i === 113 ? bad : verdict(`ip:192.0.2.${i}`, 'block')));
  const error = (await t.throwsAsync(sink.writeBatch(batch), { code: 'ERR_SINK_PARTIAL' })) as PartialWriteError<Verdict> | undefined;
  t.deepEqual(error?.retry, []);
  t.deepEqual(error?.rejected.map((rejected) => rejected.item), [bad]);
  t.deepEqual(server.values(LISTS.block_ip), ['192.0.2.110', '192.0.2.111', '192.0.2.112', '192.0.2.114', '192.0.2.115']);
  t.is(await metric(telemetry, 'botsieve_discarded_total', 'reason="rejected"'), 1);
  // The refused value left the desired state: the next write does not trip over it again.
  await sink.writeBatch([verdict('ip:192.0.2.116', 'block')]);
  t.is(server.values(LISTS.block_ip).length, 6);
  await sink.close();
});

test('concurrent writes share passes and never overlap bulk operations', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const { sink } = makeSink(configFor(server));
  await sink.connect();
  const writes = [0, 1, 2, 3, 4].map((batch) => sink.writeBatch([1, 2, 3].map((i) => verdict(`ip:203.0.113.${batch * 10 + i}`, batch % 2 === 0 ? 'block' : 'challenge'))));
  await Promise.all(writes);
  t.is(server.values(LISTS.block_ip).length + server.values(LISTS.challenge_ip).length, 15);
  t.is(server.concurrent_operation_rejections, 0);
  // The first write ran alone; the other four joined one pass after it: two creates each at most.
  t.true(server.requests.filter((request) => request.method === 'POST').length <= 3);
  await sink.close();
});

test('a request that times out marks its list for re-reading, and the sink converges', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const { sink } = makeSink(configFor(server, { request_timeout_ms: 1_000 }));
  await sink.connect();
  server.delay_ms = 2_500;
  const batch = [verdict('ip:192.0.2.120', 'block')];
  await t.throwsAsync(sink.writeBatch(batch), { code: 'ERR_SINK_UNAVAILABLE' });
  server.delay_ms = 0;
  await until('convergence through retries', async () => sink.writeBatch(batch).then(() => true, () => false));
  t.deepEqual(server.values(LISTS.block_ip), ['192.0.2.120']);
  const reads = server.requests.filter((request) => request.method === 'GET' && request.path.endsWith('/items') && request.query.includes('per_page=500'));
  t.true(reads.length > 4, 'the list was read again after the timeout, beyond the four reads at connect');
  t.true(await sink.healthcheck());
  await sink.close();
});
