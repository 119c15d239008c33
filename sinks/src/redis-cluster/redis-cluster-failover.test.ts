import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import type { Verdict, VerdictAction } from '@botsieve/core';
import { EmbeddedBus, busConfigSchema } from '@botsieve/bus';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import { keySlot, startRedisCluster, type TestRedisCluster } from '@botsieve/testkit';
import { SinkService, decodeJson } from '../service/sink-service.js';
import type { RedisClusterConfig } from './config.js';
import { RedisClusterVerdictStore } from './redis-cluster.js';
import { Inspector, connectedLookup, connectedStore, testConfig, until, verdict } from './test-support.js';
import { verdictKey } from './verdict-record.js';

let cluster: TestRedisCluster;

test.before(async () => {
  cluster = await startRedisCluster();
});

test.after.always(async () => {
  await cluster?.stop();
});

const SUBJECTS = 2_000;
const ROUNDS = 80;
const ROUND_MS = 50;
const KILL_AT_ROUND = 20;
const ACTIONS: VerdictAction[] = ['log', 'challenge', 'block'];

// Runs first, while every master still has its replica; the kills below come after.
test.serial('after a failover the sink re-reads the slot map, so a retry reaches the new master', async (t) => {
  // No periodic refresh: only the sink's refresh after a failed write can repair the routing.
  const config = testConfig(cluster, { slots_refresh_interval_ms: 3_600_000 });
  const { store } = await connectedStore(t, config);
  const replica = (await cluster.replicas())[0]!;
  const master = (await cluster.topology()).find((node) => node.id === replica.master_id)!;
  // Two subjects in different slots of that master: one auto-pipeline, two different MOVED replies.
  const slotRanges = (await cluster.slotRanges()).filter((range) => range.master.port === master.port);
  const subjects: `asn:${number}`[] = [];
  const slots = new Set<number>();
  for (let asn = 4_200_000_000; subjects.length < 2; asn += 1) {
    const slot = keySlot(verdictKey(config.key_prefix, `asn:${asn}`));
    if (slots.has(slot) || !slotRanges.some((range) => range.from <= slot && slot <= range.to)) continue;
    slots.add(slot);
    subjects.push(`asn:${asn}`);
  }
  const now = Date.now();
  await store.writeBatch(subjects.map((subject) => verdict(subject, 'log', now)));

  await cluster.command(replica, 'CLUSTER', 'FAILOVER');
  await until('the replica to take over', async () => (await cluster.masters()).some((node) => node.port === replica.port));
  await cluster.waitHealthy();

  const stronger = subjects.map((subject) => verdict(subject, 'block', now));
  const first = await t.throwsAsync(store.writeBatch(stronger));
  t.regex(first?.message ?? '', /MOVED/, 'control: ioredis hands back MOVED for a multi-slot auto-pipeline');
  await store.writeBatch(stronger);
  const inspect = await new Inspector(cluster).ready();
  t.teardown(() => inspect.close());
  for (const subject of subjects) t.is((await inspect.stored(config, subject))?.verdict.action, 'block');
});

/**
 * Streams verdicts through SinkService while SIGKILLing a master that has a replica, then checks
 * every subject holds its verdict and that the kill really happened.
 */
async function streamThroughFailover(t: ExecutionContext, overrides: Partial<RedisClusterConfig>) {
  const config = testConfig(cluster, overrides);
  const telemetry = nullTelemetry();
  const bus = new EmbeddedBus(busConfigSchema.parse({}), telemetry);
  const topic = `verdicts-${randomBytes(4).toString('hex')}`;
  const store = new RedisClusterVerdictStore(config, { telemetry: telemetry.component('sink.redis-cluster'), clock: systemClock });
  const service = new SinkService<Verdict>(bus, store, { group_id: `g-${topic}`, topic, decode: (record) => decodeJson<Verdict>(record), max_batch_records: 100 }, { telemetry, clock: systemClock });
  const producer = bus.producer();
  t.teardown(async () => {
    await service.close();
    await producer.close();
    await bus.close();
  });
  await service.start();
  await producer.connect();

  const topology = await cluster.topology();
  const replicasBefore = await cluster.replicas();
  const victim = (await cluster.masters()).find((master) => replicasBefore.some((replica) => replica.master_id === master.id));
  if (victim === undefined) throw new Error('no master with a live replica left to kill');
  const slotRanges = await cluster.slotRanges();
  const onVictim = (subject: string) => {
    const slot = keySlot(verdictKey(config.key_prefix, subject));
    return slotRanges.some((range) => range.master.port === victim.port && range.from <= slot && slot <= range.to);
  };

  // Subject i gets action i % 3. Every 10th block/challenge subject later also gets a weaker,
  // longer-lived verdict that must not replace it, across the failover and any redelivery.
  const expected = new Map<string, VerdictAction>();
  const now = Date.now();
  const perRound = SUBJECTS / ROUNDS;
  let killing: Promise<unknown> | undefined;
  let producedAtKill = 0;
  let killedAt = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const batch = producer.batch();
    for (let i = round * perRound; i < (round + 1) * perRound; i += 1) {
      const subject = `ip:10.1.${i >> 8}.${i & 255}` as const;
      const action = ACTIONS[i % 3]!;
      expected.set(subject, action);
      batch.send(topic, subject, Buffer.from(JSON.stringify(verdict(subject, action, now + round))));
      const earlier = i - 5 * perRound;
      if (earlier >= 0 && earlier % 10 === 0 && earlier % 3 !== 0) {
        const weaker = `ip:10.1.${earlier >> 8}.${earlier & 255}` as const;
        batch.send(topic, weaker, Buffer.from(JSON.stringify(verdict(weaker, 'log', now + round, 3_600_000))));
      }
    }
    await batch.seal();
    if (round === KILL_AT_ROUND) {
      producedAtKill = expected.size;
      killedAt = Date.now();
      killing = cluster.killMaster(victim);
    }
    await new Promise((resolve) => setTimeout(resolve, ROUND_MS));
  }
  await killing;
  await cluster.waitHealthy(30_000);

  const inspect = await new Inspector(cluster).ready();
  t.teardown(() => inspect.close());
  const subjects = [...expected.keys()];
  const mismatches = async () => {
    const values = await Promise.all(subjects.map((subject) => inspect.stored(config, subject)));
    return subjects.filter((subject, i) => values[i]?.verdict.action !== expected.get(subject));
  };
  await until('every verdict to be stored', async () => (await mismatches()).length === 0, 30_000).catch(() => undefined);
  t.deepEqual(await mismatches(), [], 'every subject holds its verdict');
  t.is(expected.size, SUBJECTS);
  t.log(`all ${SUBJECTS} verdicts stored ${Date.now() - killedAt} ms after the kill`);

  // Controls: the kill happened mid-stream, hit subjects, and the victim's replica took over.
  t.true(producedAtKill > 0 && producedAtKill < SUBJECTS / 2, 'verdicts kept streaming after the kill');
  t.true(subjects.filter(onVictim).length > SUBJECTS / 5, 'the killed master served a share of the subjects');
  t.false(cluster.isAlive(victim));
  const mastersAfter = await cluster.masters();
  t.false(mastersAfter.some((master) => master.port === victim.port), 'the killed node serves no slots');
  const promoted = topology.filter((node) => node.master_id === victim.id).map((node) => node.port);
  t.true(mastersAfter.some((master) => promoted.includes(master.port)), "the victim's replica is now a master");
  t.is(mastersAfter.reduce((sum, master) => sum + master.slots, 0), 16_384);

  await service.close(); // idempotent; closing here settles the error counters read below
  const exposition = await telemetry.exposition();
  const errors = exposition.split('\n').filter((line) => line.startsWith('botsieve_errors_total{component="sink.redis-cluster"'));
  t.log(errors.join('\n') || 'no write errors: the client rode through the failover');
  return { errors: errors.reduce((sum, line) => sum + Number(line.split(' ').pop()), 0) };
}

test.serial('every verdict streamed in while a master is SIGKILLed ends up stored with the right action', async (t) => {
  await streamThroughFailover(t, {});
});

test.serial('when the client gives up during the failover, the runtime redelivers and still nothing is lost', async (t) => {
  // Few redirections and a short command timeout: writes to the dead master fail back to the
  // runtime, which redelivers them after its back-off.
  const { errors } = await streamThroughFailover(t, { max_redirections: 3, command_timeout_ms: 500 });
  t.true(errors > 0, 'control: writes did fail and were redelivered');
});

// Last: it stops the whole cluster.
test.serial('with the whole cluster down, writes and lookups fail within their bounds and close() returns', async (t) => {
  const config = testConfig(cluster, { command_timeout_ms: 300, lookup_timeout_ms: 100 });
  const { store } = await connectedStore(t, config);
  const lookup = await connectedLookup(t, config);
  await store.writeBatch([verdict('ip:192.0.2.77', 'block', Date.now())]);
  t.is((await lookup.lookup({ ip: '192.0.2.77' })).action, 'block', 'control: both work while the cluster is up');
  await cluster.stop();
  // Depending on what the client is doing (noticing, reconnecting), a command fails at once
  // ("Connection is closed.") or is queued without a limit of ioredis's own: then the sink's
  // deadline (2 × command_timeout_ms) and the lookup timeout end it. Both paths, several times.
  const messages = new Set<string>();
  for (let attempt = 0; attempt < 6; attempt += 1) {
    let started = Date.now();
    const error = await t.throwsAsync(store.writeBatch([verdict('ip:192.0.2.78', 'block', Date.now())]));
    t.like(error, { code: 'ERR_SINK_UNAVAILABLE', retryable: true });
    t.true(Date.now() - started < 2_000, `a write failed after ${Date.now() - started} ms`);
    messages.add(error?.message.replace(/[0-9]+ ms/, 'N ms') ?? '');
    started = Date.now();
    const failed = await t.throwsAsync(lookup.lookup({ ip: '192.0.2.77' }), { code: 'ERR_SINK_UNAVAILABLE' });
    t.true(Date.now() - started < 1_000, `a lookup failed after ${Date.now() - started} ms`);
    messages.add(failed?.message.replace(/[0-9]+ ms/, 'N ms') ?? '');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  t.log([...messages].join('\n'));
  t.true([...messages].some((message) => message.includes('all 1 verdict writes failed: no reply within N ms')), 'the write deadline was reached at least once');
  t.true([...messages].some((message) => message.includes('verdict lookup failed: no reply within N ms')), 'the lookup deadline was reached at least once');
  const started = Date.now();
  await store.close();
  t.true(Date.now() - started < 5_000, `close() returned after ${Date.now() - started} ms`);
});
