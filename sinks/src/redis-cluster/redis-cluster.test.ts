import test from 'ava';
import { PartialWriteError, type Verdict, type VerdictAction } from '@botsieve/core';
import { ManualClock, nullTelemetry } from '@botsieve/runtime';
import { keySlot } from '@botsieve/testkit';
import { memoryVerdictStoreConfigSchema } from '../memory-verdict-store/config.js';
import { MemoryVerdictStore } from '../memory-verdict-store/memory-verdict-store.js';
import { RedisClusterVerdictStore } from './redis-cluster.js';
import { connectedStore, testConfig, until, useSharedCluster, verdict } from './test-support.js';
import { verdictKey } from './verdict-record.js';

const redis = useSharedCluster(test);

// Serial tests run before the concurrent ones: these pause masters, which would stall the others.

test.serial('a write that times out on one master fails only the verdicts that master serves, and they can be retried', async (t) => {
  const config = testConfig(redis.cluster, { command_timeout_ms: 300 });
  const { store } = await connectedStore(t, config);
  const now = Date.now();
  const verdicts = Array.from({ length: 60 }, (_, i) => verdict(`ip:198.51.100.${i}`, 'block', now));
  const paused = (await redis.cluster.masters())[0]!;
  const expected: string[] = [];
  for (const item of verdicts) {
    const owner = await redis.cluster.masterOf(verdictKey(config.key_prefix, item.subject));
    if (owner.port === paused.port) expected.push(item.subject);
  }
  t.true(expected.length > 0 && expected.length < verdicts.length, 'control: the batch spans the paused master and others');
  await redis.cluster.command(paused, 'CLIENT', 'PAUSE', 3_000, 'WRITE');
  let error: unknown;
  try {
    await store.writeBatch(verdicts);
  } catch (caught) {
    error = caught;
  } finally {
    await redis.cluster.command(paused, 'CLIENT', 'UNPAUSE');
  }
  t.true(error instanceof PartialWriteError);
  const partial = error as PartialWriteError<Verdict>;
  t.is(partial.code, 'ERR_SINK_PARTIAL');
  t.true(partial.retryable);
  t.deepEqual(partial.rejected, []);
  t.deepEqual(partial.retry.map((item) => item.subject).sort(), expected.sort());
  for (const item of verdicts) if (!expected.includes(item.subject)) t.is((await redis.inspect.stored(config, item.subject))?.verdict.id, item.id);
  await store.writeBatch(partial.retry);
  t.deepEqual((await redis.inspect.subjects(config)).sort(), verdicts.map((item) => item.subject).sort());
});

test.serial('when every write fails the batch fails as a whole, retryable', async (t) => {
  const config = testConfig(redis.cluster, { command_timeout_ms: 300 });
  const { store } = await connectedStore(t, config);
  const masters = await redis.cluster.masters();
  for (const master of masters) await redis.cluster.command(master, 'CLIENT', 'PAUSE', 3_000, 'WRITE');
  try {
    const error = await t.throwsAsync(store.writeBatch([verdict('ip:203.0.113.1', 'block', Date.now()), verdict('ip:203.0.113.2', 'log', Date.now())]));
    t.is(error?.constructor.name, 'BotsieveError');
    t.like(error, { code: 'ERR_SINK_UNAVAILABLE', retryable: true });
  } finally {
    for (const master of masters) await redis.cluster.command(master, 'CLIENT', 'UNPAUSE');
  }
});

test('a stronger verdict replaces a weaker one, never the reverse', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const now = Date.now();
  await store.writeBatch([verdict('ip:192.0.2.1', 'challenge', now)]);
  const block = verdict('ip:192.0.2.1', 'block', now + 100, 60_000);
  await store.writeBatch([block]);
  t.is((await redis.inspect.stored(config, 'ip:192.0.2.1'))?.verdict.id, block.id);
  await store.writeBatch([verdict('ip:192.0.2.1', 'log', now + 200, 3_600_000), verdict('ip:192.0.2.1', 'challenge', now + 200, 3_600_000)]);
  t.is((await redis.inspect.stored(config, 'ip:192.0.2.1'))?.verdict.id, block.id);
  t.is(await redis.inspect.pexpiretime(config, 'ip:192.0.2.1'), block.decided_at + block.ttl_ms, 'a rejected write leaves the expiry alone');
});

test('at equal strength the later expiry wins in either order; the same verdict twice changes nothing', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const now = Date.now();
  const later = verdict('ip:192.0.2.2', 'block', now + 5_000);
  const earlier = verdict('ip:192.0.2.2', 'block', now);
  await store.writeBatch([later, earlier]);
  t.is((await redis.inspect.stored(config, 'ip:192.0.2.2'))?.verdict.id, later.id);
  await store.writeBatch([earlier]);
  t.is((await redis.inspect.stored(config, 'ip:192.0.2.2'))?.verdict.id, later.id, 'the earlier one arriving last does not win');
  await store.writeBatch([verdict('ip:192.0.2.3', 'block', now), verdict('ip:192.0.2.3', 'block', now + 5_000)]);
  t.is((await redis.inspect.stored(config, 'ip:192.0.2.3'))?.verdict.id, verdict('ip:192.0.2.3', 'block', now + 5_000).id, 'the later one arriving last wins');
  const sameExpiry = verdict('ip:192.0.2.2', 'block', later.decided_at - 1_000, later.ttl_ms + 1_000);
  await store.writeBatch([sameExpiry]);
  t.is((await redis.inspect.stored(config, 'ip:192.0.2.2'))?.verdict.id, later.id, 'a different verdict expiring at the same time does not replace it');
  const before = await redis.inspect.client.get(verdictKey(config.key_prefix, 'ip:192.0.2.2'));
  await store.writeBatch([later, later]);
  t.is(await redis.inspect.client.get(verdictKey(config.key_prefix, 'ip:192.0.2.2')), before);
  t.is(await redis.inspect.pexpiretime(config, 'ip:192.0.2.2'), later.decided_at + later.ttl_ms);
});

test('expiry is PEXPIREAT decided_at + ttl_ms: absolute, and a redelivery does not extend it', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const item = verdict('ip:192.0.2.9', 'challenge', Date.now() - 10_000, 60_000);
  await store.writeBatch([item]);
  const pttl = await redis.inspect.pttl(config, item.subject);
  t.true(pttl > 0 && pttl <= 50_000, `PTTL ${pttl} should be at most ttl minus the 10 s the verdict is old`);
  t.is(await redis.inspect.pexpiretime(config, item.subject), item.decided_at + item.ttl_ms);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await store.writeBatch([item]);
  t.is(await redis.inspect.pexpiretime(config, item.subject), item.decided_at + item.ttl_ms);
});

test('a verdict already expired on arrival is skipped, counted, and does not disturb the active one', async (t) => {
  const config = testConfig(redis.cluster);
  const { store, telemetry } = await connectedStore(t, config);
  const now = Date.now();
  const active = verdict('ip:192.0.2.10', 'log', now);
  await store.writeBatch([active, verdict('ip:192.0.2.10', 'block', now - 120_000, 60_000), verdict('ip:192.0.2.11', 'block', now - 120_000, 60_000)]);
  t.is((await redis.inspect.stored(config, 'ip:192.0.2.10'))?.verdict.id, active.id);
  t.is(await redis.inspect.stored(config, 'ip:192.0.2.11'), undefined);
  const metrics = await telemetry.exposition();
  t.regex(metrics, /botsieve_discarded_total\{component="sink.redis-cluster",reason="expired"\} 2/);
  t.regex(metrics, /botsieve_sink_redis_nodes\{component="sink.redis-cluster",kind="master"\} 3/);
  t.regex(metrics, /botsieve_sink_redis_nodes\{component="sink.redis-cluster",kind="replica"\} 3/);
});

test('an expired verdict is always replaced: by Redis expiry and by the sink clock', async (t) => {
  const config = testConfig(redis.cluster);
  const clock = new ManualClock(Date.now());
  const { store } = await connectedStore(t, config, clock);
  // Redis expired it (its PEXPIREAT passed).
  await store.writeBatch([verdict('ip:192.0.2.20', 'block', clock.now(), 200)]);
  await until('the block verdict to expire in Redis', async () => (await redis.inspect.pttl(config, 'ip:192.0.2.20')) === -2);
  clock.set(Date.now());
  await store.writeBatch([verdict('ip:192.0.2.20', 'log', clock.now())]);
  t.is((await redis.inspect.stored(config, 'ip:192.0.2.20'))?.verdict.action, 'log');
  // Still in Redis, but past its expiry on the sink's clock (clocks differ).
  const block = verdict('ip:192.0.2.21', 'block', clock.now(), 60_000);
  await store.writeBatch([block, verdict('ip:192.0.2.21', 'log', clock.now())]);
  t.is((await redis.inspect.stored(config, 'ip:192.0.2.21'))?.verdict.id, block.id, 'control: not expired yet, so kept');
  clock.advance(60_000);
  await store.writeBatch([verdict('ip:192.0.2.21', 'log', clock.now())]);
  t.is((await redis.inspect.stored(config, 'ip:192.0.2.21'))?.verdict.action, 'log');
});

test('the Lua rule gives exactly what MemoryVerdictStore gives, over random sequences', async (t) => {
  const config = testConfig(redis.cluster);
  const clock = new ManualClock(Date.now());
  const { store } = await connectedStore(t, config, clock);
  const memory = new MemoryVerdictStore(memoryVerdictStoreConfigSchema.parse({ max_subjects: 1_000, snapshot_path: '' }), clock);
  let seed = 42;
  const random = (n: number) => ((seed = (seed * 16_807) % 2_147_483_647) % n); // Park–Miller: exact in doubles
  const actions: VerdictAction[] = ['log', 'challenge', 'block'];
  const subjects = Array.from({ length: 4 }, (_, i) => `ip:192.0.2.${100 + i}` as const);
  let active = 0;
  for (let round = 0; round < 100; round += 1) {
    // The sink clock never lags real time, so whatever Redis expired the rule sees as expired
    // too; it moves on a 1 s grid so different verdicts often expire at the same instant (ties).
    clock.set(Math.ceil(Math.max(clock.now() + 1_000 * random(2), Date.now()) / 1_000) * 1_000);
    const batch: Verdict[] = [];
    for (let i = random(8); i >= 0; i -= 1) {
      const ttl_ms = [1_000, 3_000, 10_000, 60_000][random(4)]!;
      const decided_at = clock.now() - 1_000 * random(ttl_ms / 1_000); // active on arrival
      batch.push(verdict(subjects[random(subjects.length)]!, actions[random(3)]!, decided_at, ttl_ms));
    }
    await store.writeBatch(batch);
    await memory.writeBatch(batch);
    // Compared after every batch, not only at the end, so no intermediate difference hides.
    for (const subject of subjects) {
      const stored = await redis.inspect.stored(config, subject);
      const inRedis = stored !== undefined && stored.expires_at > clock.now() ? stored.verdict.id : undefined;
      if (inRedis !== memory.get(subject)?.id) {
        t.is(inRedis, memory.get(subject)?.id, `${subject} after round ${round}`);
        return;
      }
      if (inRedis !== undefined) active += 1;
    }
  }
  t.true(active > 100, `control: verdicts were active along the way (${active})`);
});

test('verdicts that can never be stored are rejected alone; the rest of the batch is stored', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const now = Date.now();
  await redis.inspect.client.sadd(verdictKey(config.key_prefix, 'ip:192.0.2.30'), 'not a verdict');
  const foreign = verdict('ip:192.0.2.30', 'block', now);
  const broken = { ...verdict('ip:192.0.2.31', 'block', now), action: 'ban' } as unknown as Verdict;
  const good = verdict('ip:192.0.2.32', 'block', now);
  const error = await t.throwsAsync(store.writeBatch([foreign, broken, good]));
  t.true(error instanceof PartialWriteError);
  const partial = error as PartialWriteError<Verdict>;
  t.false(partial.retryable);
  t.deepEqual(partial.retry, []);
  t.deepEqual(partial.rejected.map(({ item, reason }) => [item.subject, reason]).sort(), [['ip:192.0.2.30', 'wrong_type'], ['ip:192.0.2.31', 'invalid']]);
  t.is((await redis.inspect.stored(config, good.subject))?.verdict.id, good.id);
});

test('healthcheck, close and connect failures', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  t.true(await store.healthcheck());
  await store.close();
  t.false(await store.healthcheck());
  await t.throwsAsync(store.writeBatch([verdict('ip:192.0.2.40', 'log', Date.now())]), { code: 'ERR_SINK_CLOSED' });
  const telemetry = nullTelemetry().component('sink.redis-cluster');
  const nowhere = new RedisClusterVerdictStore({ ...config, nodes: ['127.0.0.1:1'], connect_timeout_ms: 500 }, { telemetry, clock: new ManualClock(0) });
  const started = Date.now();
  await t.throwsAsync(nowhere.connect(), { code: 'ERR_SINK_CONNECT' });
  t.true(Date.now() - started < 5_000, 'bounded by connect_timeout_ms');
  const disabled = new RedisClusterVerdictStore({ ...config, nodes: [] }, { telemetry, clock: new ManualClock(0) });
  await t.throwsAsync(disabled.connect(), { code: 'ERR_SINK_CONFIG' });
});

test('the harness computes hash slots as Redis does', async (t) => {
  const master = (await redis.cluster.masters())[0]!;
  for (const key of ['botsieve:v:{ip:192.0.2.1}', 'plain', '{user1000}.following', 'foo{}{bar}', 'foo{{bar}}zap', 'ua:Mozilla/5.0 (X11) {x}', 'ü']) {
    t.is(keySlot(key), (await redis.cluster.command(master, 'CLUSTER', 'KEYSLOT', key)) as number, key);
  }
});
