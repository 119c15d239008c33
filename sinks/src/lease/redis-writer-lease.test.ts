import test from 'ava';
import { randomBytes } from 'node:crypto';
import { ManualClock, nullTelemetry, systemClock } from '@botsieve/runtime';
import { Inspector, frozen, replicaPidOf, useSharedCluster } from '../redis-cluster/test-support.js';
import { redisClusterConfigSchema } from '../redis-cluster/config.js';
import { safetyMarginMs } from './config.js';
import { RedisWriterLease } from './redis-writer-lease.js';

const shared = useSharedCluster(test);
const TTL = 10_000;

function lease(key: string, holder: string, clock = systemClock) {
  const config = redisClusterConfigSchema.parse({ nodes: [...shared.cluster.startupNodes], connect_timeout_ms: 10_000, wait_timeout_ms: 300 });
  return new RedisWriterLease(key, holder, { ttl_ms: TTL, margin_ms: safetyMarginMs(TTL) }, clock, config, nullTelemetry().component('test').log);
}

test('SET NX PX acquires once; renew and release are compare-and-sets on the token', async (t) => {
  const key = `t${randomBytes(4).toString('hex')}:lease:cloudflare:acct`;
  const a = lease(key, 'pod-a/1');
  const b = lease(key, 'pod-b/1');
  t.teardown(() => Promise.all([a.close(), b.close()]));
  await Promise.all([a.connect(), b.connect()]);
  const inspect: Inspector = shared.inspect;

  t.true(await a.acquire());
  t.false(await b.acquire());
  t.is(b.status().holder, 'pod-a/1');
  t.is(await inspect.client.get(key), a.token);
  const ttl = await inspect.client.pttl(key);
  t.true(ttl > TTL - 1_000 && ttl <= TTL, `PTTL ${ttl}`);

  // b cannot extend or delete a's key.
  t.false(await b.renew());
  await b.release();
  t.is(await inspect.client.get(key), a.token);

  await inspect.client.pexpire(key, 50);
  t.true(await a.renew(), 'renewing restores the full ttl');
  t.true((await inspect.client.pttl(key)) > TTL - 1_000);

  await a.release();
  t.is(await inspect.client.get(key), null);
  t.true(await b.acquire());
  t.false(await a.renew(), 'a released lease is not renewed back');
  t.is(await inspect.client.get(key), b.token);
});

test('a holder whose own clock ran past its grant stops counting on it while Redis still holds the key', async (t) => {
  const key = `t${randomBytes(4).toString('hex')}:lease:cloudflare:acct`;
  const clock = new ManualClock(Date.now());
  const a = lease(key, 'pod-a/1', clock);
  t.teardown(() => a.close());
  await a.connect();
  t.true(await a.acquire());
  clock.advance(TTL - safetyMarginMs(TTL));
  t.false(a.held());
  t.true((await shared.inspect.client.pttl(key)) > 0, 'still in Redis: the margin is the gap a peer waits out');
});

test.serial('a grant counts only once a replica has it: with the replica frozen, acquire and renew throw and change nothing', async (t) => {
  const key = `t${randomBytes(4).toString('hex')}:lease:cloudflare:acct`;
  const a = lease(key, 'pod-a/1');
  const b = lease(key, 'pod-b/1');
  t.teardown(() => Promise.all([a.close(), b.close()]));
  await Promise.all([a.connect(), b.connect()]);
  const pid = await replicaPidOf(shared.cluster, key);

  const refused = await frozen(pid, () => a.acquire().then(() => undefined, (caught: unknown) => caught));
  t.like(refused, { code: 'ERR_SINK_UNAVAILABLE', retryable: true });
  t.false(a.held(), 'an unconfirmed grant is not counted on');
  t.is(await shared.inspect.client.get(key), a.token, 'though the master has it');
  t.false(await b.acquire(), 'and a peer cannot take it');
  t.true(await a.acquire(), 'once the replica runs again the next attempt extends our own key');
  t.true(a.held());

  const until = a.status().valid_until as number;
  const renewal = await frozen(pid, () => a.renew().then(() => undefined, (caught: unknown) => caught));
  t.like(renewal, { code: 'ERR_SINK_UNAVAILABLE' });
  t.true(a.held(), 'the previous, confirmed grant still holds');
  t.is(a.status().valid_until, until, 'and is not extended');
  t.true(await a.renew());
  t.true((a.status().valid_until as number) > until);
});
