import test, { type ExecutionContext } from 'ava';
import type { Clock, SubjectKey, Verdict } from '@botsieve/core';
import { ManualClock } from '@botsieve/runtime';
import type { RedisClusterConfig } from './config.js';
import { connectedStore, testConfig, until, useSharedCluster, verdict } from './test-support.js';
import { RedisVerdictFeed } from './verdict-feed.js';
import { verdictKey } from './verdict-record.js';

const redis = useSharedCluster(test);

/** What a replica is told: the held verdict per subject, and every call in order. */
class Recorder {
  readonly held = new Map<string, Verdict>();
  readonly calls: string[] = [];
  apply = (verdict: Verdict): void => {
    this.calls.push(`apply ${verdict.subject} ${verdict.action}`);
    this.held.set(verdict.subject, verdict);
  };
  remove(subject: SubjectKey): boolean {
    this.calls.push(`remove ${subject}`);
    return this.held.delete(subject);
  }
  replace(verdicts: readonly Verdict[]): void {
    this.calls.push(`replace ${verdicts.length}`);
    this.held.clear();
    for (const verdict of verdicts) this.held.set(verdict.subject, verdict);
  }
}

async function startedFeed(t: ExecutionContext, config: RedisClusterConfig, poll_interval_ms = 50, clock?: Clock) {
  const feed = new RedisVerdictFeed(config, { poll_interval_ms, scan_count: 100, ...(clock === undefined ? {} : { clock }) });
  t.teardown(() => feed.close());
  const recorder = new Recorder();
  await feed.start(recorder.apply, recorder);
  return { feed, recorder };
}

test('start rebuilds from every master in one replace; later writes arrive within a poll', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const now = Date.now();
  const initial = Array.from({ length: 256 }, (_, i) => verdict(`ip:198.51.100.${i}` as SubjectKey, 'challenge', now, 600_000 + i));
  await store.writeBatch([...initial, verdict('asn:64500', 'block', now)]);
  const other = testConfig(redis.cluster);
  await (await connectedStore(t, other)).store.writeBatch([verdict('ip:203.0.113.1', 'block', now)]);

  const { feed, recorder } = await startedFeed(t, config);
  t.deepEqual(recorder.calls, ['replace 257'], 'one hand-over, and nothing under another key prefix');
  t.is(recorder.held.get('asn:64500')?.action, 'block');
  t.false(recorder.held.has('ip:203.0.113.1'));
  t.true(feed.lagMs() >= 0);

  const written = Date.now();
  await store.writeBatch([verdict('ip:198.51.100.7', 'block', now), verdict('ja4:t13d1516h2_8daaf6152771_e5627efa2ab1', 'log', now)]);
  await until('the changes', () => recorder.held.get('ip:198.51.100.7')?.action === 'block' && recorder.held.has('ja4:t13d1516h2_8daaf6152771_e5627efa2ab1'), 5_000);
  t.log(`written → applied: ${Date.now() - written} ms with poll_interval_ms 50`);
  const passes = feed.stats().passes;
  await until('another pass', () => feed.stats().passes >= passes + 2, 5_000);
  t.is(recorder.calls.filter((c) => c.startsWith('apply')).length, 2, 'unchanged values are not read again');
  t.like(feed.stats(), { applied: 259, removed: 0, bad_values: 0 });
});

test('a key gone from Redis is removed after a complete pass; a damaged value is counted, not applied', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const now = Date.now();
  await store.writeBatch([verdict('ip:192.0.2.1', 'block', now), verdict('ip:192.0.2.2', 'block', now)]);
  const { feed, recorder } = await startedFeed(t, config);
  t.is(recorder.held.size, 2);
  await redis.inspect.client.del(verdictKey(config.key_prefix, 'ip:192.0.2.1'));
  await redis.inspect.client.set(verdictKey(config.key_prefix, 'ip:192.0.2.3'), '3|not a value');
  await until('the removal', () => !recorder.held.has('ip:192.0.2.1'), 5_000);
  t.true(recorder.calls.includes('remove ip:192.0.2.1'));
  t.true(recorder.held.has('ip:192.0.2.2'));
  await until('the damaged value seen', () => feed.stats().bad_values > 0, 5_000);
  t.false(recorder.held.has('ip:192.0.2.3'));
});

test('a value already expired on the feed’s clock is not applied (Redis has not dropped it yet)', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const now = Date.now();
  await store.writeBatch([verdict('ip:192.0.2.1', 'block', now, 60_000), verdict('ip:192.0.2.2', 'block', now, 600_000)]);
  const { recorder } = await startedFeed(t, config, 50, new ManualClock(now + 60_000));
  t.deepEqual([...recorder.held.keys()], ['ip:192.0.2.2']);
});

test('a pass over 20,000 keys: its duration, to size poll_interval_ms', async (t) => {
  const config = testConfig(redis.cluster);
  const { store } = await connectedStore(t, config);
  const now = Date.now();
  for (let batch = 0; batch < 20; batch++) {
    await store.writeBatch(Array.from({ length: 1_000 }, (_, i) => verdict(`ip:10.${batch}.${i >> 8}.${i & 255}` as SubjectKey, 'block', now)));
  }
  const started = Date.now();
  const { feed, recorder } = await startedFeed(t, config, 200);
  t.log(`rebuild of 20,000: ${Date.now() - started} ms (connect included)`);
  t.is(recorder.held.size, 20_000);
  await until('a follow pass', () => feed.stats().passes >= 2, 20_000);
  t.log(`follow pass over 20,000 unchanged keys: ${feed.stats().last_pass_ms} ms`);
  t.is(recorder.calls.length, 1, 'nothing changed, nothing re-applied');
});
