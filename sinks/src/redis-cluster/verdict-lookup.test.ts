import test from 'ava';
import { ManualClock } from '@botsieve/runtime';
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
  t.deepEqual(await lookup.lookup({ ip: '198.51.100.1', asn: 64502 }), { action: 'allow', verdict: null });
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
