/**
 * A batch is acknowledged only once a replica of each master has it (WAIT): with the replica of
 * the master serving a key frozen (SIGSTOP), the write is on the master but not acknowledged;
 * once the replica runs again it is. Control: with `wait_for_replicas: 0` the same write is
 * acknowledged while the replica is frozen (the failover window the WAIT closes).
 */
import test from 'ava';
import { BotsieveError } from '@botsieve/core';
import { startRedisCluster, type TestRedisCluster } from '@botsieve/testkit';
import { Inspector, connectedStore, frozen, replicaPidOf, testConfig, verdict } from './test-support.js';
import { verdictKey } from './verdict-record.js';

let cluster: TestRedisCluster;
let inspect: Inspector;

test.before(async () => {
  cluster = await startRedisCluster();
  inspect = await new Inspector(cluster).ready();
});

test.after.always(async () => {
  await inspect?.close();
  await cluster?.stop();
});

test.serial('a batch is not acknowledged until a replica has it', async (t) => {
  const config = testConfig(cluster, { wait_for_replicas: 1, wait_timeout_ms: 300 });
  const { store } = await connectedStore(t, config);
  const item = verdict('ip:198.51.100.77', 'block', Date.now());
  const pid = await replicaPidOf(cluster, verdictKey(config.key_prefix, item.subject));
  const error = await frozen(pid, () => store.writeBatch([item]).then(() => undefined, (caught: unknown) => caught));
  t.true(error instanceof BotsieveError, 'not acknowledged while the replica is frozen');
  t.like(error, { code: 'ERR_SINK_UNAVAILABLE', retryable: true });
  t.is((await inspect.stored(config, item.subject))?.verdict.id, item.id, 'the master has it already');
  await store.writeBatch([item]);
  t.pass('acknowledged once the replica confirmed');
});

test.serial('control: without waiting for replicas the same write is acknowledged while the replica is frozen', async (t) => {
  const config = testConfig(cluster, { wait_for_replicas: 0 });
  const { store } = await connectedStore(t, config);
  const item = verdict('ip:198.51.100.78', 'block', Date.now());
  const pid = await replicaPidOf(cluster, verdictKey(config.key_prefix, item.subject));
  await frozen(pid, () => store.writeBatch([item]));
  t.is((await inspect.stored(config, item.subject))?.verdict.id, item.id);
});
