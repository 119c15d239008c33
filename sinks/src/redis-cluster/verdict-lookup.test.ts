import test from 'ava';
import { ClientExemption, ManualClock, Safelist, safelistConfigSchema } from '@botsieve/runtime';
import { connectedLookup, connectedStore, testConfig, until, useSharedCluster, verdict } from './test-support.js';
import { RedisVerdictLookup } from './verdict-lookup.js';

const redis = useSharedCluster(test);

test('lookup returns the strongest verdict over the client’s ip, prefix and asn; allow when none', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const lookup = await connectedLookup(t, config);
  const now = Date.now();
  await store.writeBatch([verdict('ip:192.0.2.7', 'log', now), verdict('prefix:192.0.2.0/24', 'challenge', now), verdict('asn:64500', 'block', now), verdict('asn:64501', 'log', now)]);
  t.like(await lookup.lookup({ ip: '192.0.2.7', asn: 64500 }), { action: 'block', verdict: { subject: 'asn:64500' } });
  t.like(await lookup.lookup({ ip: '192.0.2.8', asn: 64501 }), { action: 'challenge', verdict: { subject: 'prefix:192.0.2.0/24' } });
  t.like(await lookup.lookup({ ip: '192.0.2.7', asn: 0 }), { action: 'challenge', verdict: { subject: 'prefix:192.0.2.0/24' } });
  t.like(await lookup.lookup({ ip: '192.0.2.7', asn: 64501 }), { action: 'challenge' }, 'the stronger of two subjects wins, whatever their order');
  t.deepEqual(await lookup.lookup({ ip: '198.51.100.1', asn: 64502 }), { action: 'allow', verdict: null, exemption: null });
  t.deepEqual(await lookup.lookupSubjects([]), { action: 'allow', verdict: null });
});

test('IPv6 clients match their canonical /64, in whatever form the origin sees the address', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const lookup = await connectedLookup(t, config);
  const now = Date.now();
  await store.writeBatch([verdict('prefix:2001:db8:0:1::/64', 'challenge', now), verdict('ip:198.51.100.9', 'block', now)]);
  t.like(await lookup.lookup({ ip: '2001:0DB8:0000:0001:0000:0000:0000:0007' }), { action: 'challenge', verdict: { subject: 'prefix:2001:db8:0:1::/64' } });
  t.like(await lookup.lookup({ ip: '2001:db8:0:1:ffff::1' }), { action: 'challenge' });
  t.is((await lookup.lookup({ ip: '2001:db8:0:2::7' })).action, 'allow', 'control: the neighbouring /64 is not covered');
  t.is((await lookup.lookup({ ip: '::ffff:198.51.100.9' })).action, 'block', 'IPv4-mapped becomes IPv4');
  t.is((await lookup.lookup({ ip: 'not an address' })).action, 'allow');
});

test('ja4 and user-agent subjects are looked up when given', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const lookup = await connectedLookup(t, config);
  const now = Date.now();
  await store.writeBatch([verdict('ja4:t13d1516h2_8daaf6152771_e5627efa2ab1', 'challenge', now), verdict('ua:python-requests/2.31.0', 'block', now)]);
  t.is((await lookup.lookup({ ip: '203.0.113.5', ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1' })).action, 'challenge');
  t.is((await lookup.lookup({ ip: '203.0.113.5', ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1', user_agent: 'python-requests/2.31.0' })).action, 'block');
  t.is((await lookup.lookup({ ip: '203.0.113.5', ja4: null, user_agent: 'Mozilla/5.0' })).action, 'allow');
});

test('an ipua: verdict stops that user agent on that address: not another user agent there, nor the same one elsewhere', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const lookup = await connectedLookup(t, config);
  const now = Date.now();
  const scraper = 'python-requests/2.31.0';
  const braces = 'odd}{agent {x}'; // braces in the key's hash tag: writer and reader route it alike
  await store.writeBatch([verdict(`ipua:198.51.100.40 ${scraper}`, 'block', now), verdict('ipua:2001:db8::40 ', 'challenge', now), verdict(`ipua:198.51.100.42 ${braces}`, 'block', now)]);
  t.like(await lookup.lookup({ ip: '198.51.100.40', user_agent: scraper }), { action: 'block', verdict: { subject: `ipua:198.51.100.40 ${scraper}` } });
  t.is((await lookup.lookup({ ip: '::ffff:198.51.100.40', user_agent: scraper })).action, 'block', 'IPv4-mapped becomes IPv4');
  t.is((await lookup.lookup({ ip: '198.51.100.40', user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X)' })).action, 'allow', 'another user agent behind the same address');
  t.is((await lookup.lookup({ ip: '198.51.100.40' })).action, 'allow', 'an unknown user agent');
  t.is((await lookup.lookup({ ip: '198.51.100.41', user_agent: scraper })).action, 'allow', 'the same user agent on another address');
  t.is((await lookup.lookup({ ip: '2001:DB8:0::40', user_agent: '' })).action, 'challenge', 'no user agent; IPv6 in any text form');
  t.is((await lookup.lookup({ ip: '198.51.100.42', user_agent: braces })).action, 'block');
});

test('a value past its expiry on the reader’s clock is ignored before Redis drops it', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const clock = new ManualClock(Date.now());
  const lookup = await connectedLookup(t, config, clock);
  await store.writeBatch([verdict('ip:192.0.2.50', 'block', clock.now(), 60_000)]);
  t.is((await lookup.lookup({ ip: '192.0.2.50' })).action, 'block', 'control: active on the reader’s clock');
  clock.advance(60_000);
  t.is((await lookup.lookup({ ip: '192.0.2.50' })).action, 'allow');
});

test('lookups can read from replicas', async (t) => {
  const config = testConfig(redis.cluster, { read_from_replicas: true });
  const { store } = await connectedStore(t, config);
  const lookup = await connectedLookup(t, config);
  const replicaReads = async () => {
    let total = 0;
    for (const replica of await redis.cluster.replicas()) {
      const stats = String(await redis.cluster.command(replica, 'INFO', 'commandstats'));
      total += Number(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    }
    return total;
  };
  const before = await replicaReads();
  await store.writeBatch([verdict('ip:192.0.2.60', 'challenge', Date.now())]);
  // Replication is asynchronous: the verdict shows on the replica a moment later.
  await until('the verdict to reach the replica', async () => (await lookup.lookup({ ip: '192.0.2.60' })).action === 'challenge');
  t.true((await replicaReads()) > before, 'GETs were served by replicas');
});

test('a lookup that is not connected, or cannot reach the cluster, fails with a typed error', async (t) => {
  const config = testConfig(redis.cluster);
  const lookup = new RedisVerdictLookup(config, { clock: new ManualClock(0) });
  await t.throwsAsync(lookup.lookup({ ip: '192.0.2.1' }), { code: 'ERR_SINK_CLOSED' });
  await t.throwsAsync(new RedisVerdictLookup({ ...config, nodes: ['127.0.0.1:1'], connect_timeout_ms: 300 }, { clock: new ManualClock(0) }).connect(), { code: 'ERR_SINK_CONNECT' });
  await lookup.connect();
  t.true(await lookup.healthcheck());
  await lookup.close();
  t.false(await lookup.healthcheck());
});

// A scraper fleet and a verified crawler in one cloud network (AS8075 hosts Bingbot and rented
// VMs): verdicts on the network, the fleet's user agent and fingerprint, even on the crawler's own
// prefix and address, block the fleet and never the crawler.
const BINGBOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)';
const UPTIMEROBOT = 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)';
const FLEET_UA = 'python-requests/2.31.0';
const FLEET_JA4 = 't13d1516h2_8daaf6152771_e5627efa2ab1';

test('an exempt client gets allow with the reason, whatever its ip, prefix, asn, ja4 and ua keys hold', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const lookup = await connectedLookup(t, config);
  const now = Date.now();
  await store.writeBatch([
    verdict('asn:8075', 'block', now),
    verdict(`ua:${FLEET_UA}`, 'block', now),
    verdict(`ua:${BINGBOT}`, 'challenge', now),
    verdict(`ja4:${FLEET_JA4}`, 'challenge', now),
    verdict('prefix:157.55.39.0/24', 'challenge', now),
    verdict('ip:157.55.39.200', 'block', now),
    verdict('asn:46475', 'block', now),
  ]);
  // The fleet, and a fake Bingbot on the fleet's VMs: blocked.
  t.like(await lookup.lookup({ ip: '20.42.7.9', asn: 8075, ja4: FLEET_JA4, user_agent: FLEET_UA }), { action: 'block', exemption: null });
  t.like(await lookup.lookup({ ip: '20.42.7.10', asn: 8075, user_agent: BINGBOT }), { action: 'block', verdict: { subject: 'asn:8075' }, exemption: null });
  // Bingbot from Bing's published range (the origin has no Bot Management fields): allowed, and why.
  t.deepEqual(await lookup.lookup({ ip: '157.55.39.200', asn: 8075, ja4: FLEET_JA4, user_agent: BINGBOT }), {
    action: 'allow',
    verdict: null,
    exemption: { reason: 'verified_bot', source: 'published_ranges', name: 'bingbot', kind: 'crawler' },
  });
  // The edge said so (cf.client.bot), or Bot Management did: allowed from any address.
  t.like(await lookup.lookup({ ip: '20.42.7.11', asn: 8075, user_agent: BINGBOT, verified: true }), { action: 'allow', exemption: { reason: 'verified_bot', source: 'edge', name: 'bingbot' } });
  t.like(await lookup.lookup({ ip: '20.42.7.12', asn: 8075, user_agent: BINGBOT, bot_score: 1, bot_score_src: 'Verified Bot', verified_bot_category: 'Search Engine Crawler' }), { action: 'allow', exemption: { source: 'bot_management' } });
  // Bot Management scored it and did not verify it: our ranges are not trusted over it.
  t.like(await lookup.lookup({ ip: '157.55.39.200', asn: 8075, user_agent: BINGBOT, bot_score: 2, bot_score_src: 'Heuristics' }), { action: 'block', exemption: null });
  // A monitor from its operator's published address, in a blocked network.
  t.like(await lookup.lookup({ ip: '69.162.124.230', asn: 46475, user_agent: UPTIMEROBOT }), { action: 'allow', exemption: { reason: 'verified_bot', name: 'uptimerobot', kind: 'monitor' } });
  // An internal health check sending the fleet's user agent: private range.
  t.like(await lookup.lookup({ ip: '10.0.3.4', user_agent: FLEET_UA }), { action: 'allow', exemption: { reason: 'private_range' } });
});

test('the origin’s own safelist: the office inside a blocked network is allowed', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const exemption = new ClientExemption({ safelist: new Safelist(safelistConfigSchema.parse({ cidrs: ['20.42.99.0/24'], asns: [64_520] })) });
  const lookup = new RedisVerdictLookup(config, { clock: new ManualClock(Date.now()), exemption });
  t.teardown(() => lookup.close());
  await lookup.connect();
  await store.writeBatch([verdict('asn:8075', 'block', Date.now()), verdict('asn:64520', 'block', Date.now())]);
  t.like(await lookup.lookup({ ip: '20.42.99.5', asn: 8075, user_agent: FLEET_UA }), { action: 'allow', exemption: { reason: 'safelisted_cidr', source: 'safelist' } });
  t.like(await lookup.lookup({ ip: '198.51.100.5', asn: 64_520 }), { action: 'allow', exemption: { reason: 'safelisted_asn' } });
  t.like(await lookup.lookup({ ip: '20.42.98.5', asn: 8075, user_agent: FLEET_UA }), { action: 'block' });
});
