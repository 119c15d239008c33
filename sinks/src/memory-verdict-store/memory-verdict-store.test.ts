import test from 'ava';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Verdict, VerdictAction } from '@botsieve/core';
import { ManualClock } from '@botsieve/runtime';
import { MemoryVerdictStore } from './memory-verdict-store.js';

function verdict(subject: `ip:${string}` | `prefix:${string}` | `asn:${string}`, action: VerdictAction, decided_at: number, ttl_ms = 60_000): Verdict {
  return { id: `${subject}/${action}/${decided_at}`, subject, action, score: action === 'block' ? 5 : 25, ttl_ms, decided_at, detectors: [{ id: 'volumetric', score: 5, evidence: { requests: 100 } }] };
}

function makeStore(max_subjects = 100) {
  const clock = new ManualClock(1_000);
  return { clock, store: new MemoryVerdictStore({ max_subjects, snapshot_path: '', snapshot_interval_ms: 1_000 }, clock) };
}

test('a stronger verdict replaces a weaker one, never the reverse', async (t) => {
  const { store } = makeStore();
  await store.writeBatch([verdict('ip:192.0.2.1', 'challenge', 1_000)]);
  await store.writeBatch([verdict('ip:192.0.2.1', 'block', 1_100)]);
  t.is(store.get('ip:192.0.2.1')?.action, 'block');
  await store.writeBatch([verdict('ip:192.0.2.1', 'log', 2_000, 10_000_000)]);
  t.is(store.get('ip:192.0.2.1')?.action, 'block');
});

test('at equal strength the verdict expiring later wins; writing the same verdict twice is harmless', async (t) => {
  const { store } = makeStore();
  const later = verdict('ip:192.0.2.1', 'block', 5_000);
  await store.writeBatch([later, verdict('ip:192.0.2.1', 'block', 1_000)]);
  t.is(store.get('ip:192.0.2.1')?.id, later.id);
  await store.writeBatch([later, later]);
  t.is(store.size(), 1);
});

test('verdicts expire after their ttl and a weaker one may follow', async (t) => {
  const { store, clock } = makeStore();
  await store.writeBatch([verdict('ip:192.0.2.1', 'block', 1_000, 1_000)]);
  clock.set(1_999);
  t.is(store.get('ip:192.0.2.1')?.action, 'block');
  clock.set(2_000);
  t.is(store.get('ip:192.0.2.1'), undefined);
  await store.writeBatch([verdict('ip:192.0.2.1', 'log', 2_000)]);
  t.is(store.get('ip:192.0.2.1')?.action, 'log');
});

test('lookup returns the strongest verdict among a client’s subjects', async (t) => {
  const { store } = makeStore();
  await store.writeBatch([verdict('prefix:192.0.2.0/24', 'challenge', 1_000), verdict('asn:64500', 'block', 1_000)]);
  const result = store.lookup(['ip:192.0.2.1', 'prefix:192.0.2.0/24', 'asn:64500']);
  t.is(result.action, 'block');
  t.is(result.verdict?.subject, 'asn:64500');
  t.deepEqual(store.lookup(['ip:198.51.100.1']), { action: 'allow', verdict: null });
});

test('the store stays bounded, evicting the verdict that expires soonest', async (t) => {
  const { store } = makeStore(3);
  await store.writeBatch([
    verdict('ip:192.0.2.1', 'block', 1_000, 50_000),
    verdict('ip:192.0.2.2', 'block', 1_000, 10_000),
    verdict('ip:192.0.2.3', 'block', 1_000, 90_000),
    verdict('ip:192.0.2.4', 'block', 1_000, 70_000),
  ]);
  t.is(store.size(), 3);
  t.is(store.get('ip:192.0.2.2'), undefined);
  t.truthy(store.get('ip:192.0.2.4'));
});

async function snapshotStore(path: string, clock: ManualClock) {
  const store = new MemoryVerdictStore({ max_subjects: 100, snapshot_path: path, snapshot_interval_ms: 5_000 }, clock);
  await store.connect();
  return store;
}

test('active verdicts survive a restart through the snapshot; expired ones do not come back', async (t) => {
  const path = join(await mkdtemp(join(tmpdir(), 'botsieve-snapshot-')), 'nested', 'verdicts.ndjson');
  const clock = new ManualClock(1_000);
  const first = await snapshotStore(path, clock);
  await first.writeBatch([verdict('ip:192.0.2.1', 'block', 1_000, 60_000), verdict('asn:64500', 'challenge', 1_000, 5_000), verdict('prefix:192.0.2.0/24', 'log', 1_000, 60_000)]);
  await first.close();
  clock.set(10_000);
  const second = await snapshotStore(path, clock);
  t.is(second.get('ip:192.0.2.1')?.action, 'block');
  t.is(second.get('prefix:192.0.2.0/24')?.action, 'log');
  t.is(second.get('asn:64500'), undefined, 'expired at 6,000');
  t.is(second.size(), 2);
});

test('maintain() snapshots only after the interval and only when something changed', async (t) => {
  const path = join(await mkdtemp(join(tmpdir(), 'botsieve-snapshot-')), 'verdicts.ndjson');
  const clock = new ManualClock(10_000);
  const store = await snapshotStore(path, clock);
  await store.writeBatch([verdict('ip:192.0.2.1', 'block', 10_000)]);
  await store.maintain();
  t.is((await readFile(path, 'utf8')).split('\n').filter(Boolean).length, 1, 'first change snapshots at once');
  await store.writeBatch([verdict('ip:192.0.2.2', 'block', 10_000)]);
  clock.set(12_000);
  await store.maintain();
  t.is((await readFile(path, 'utf8')).split('\n').filter(Boolean).length, 1, 'within the interval: not yet');
  clock.set(15_000);
  await store.maintain();
  t.is((await readFile(path, 'utf8')).split('\n').filter(Boolean).length, 2);
  const before = (await stat(path)).mtimeMs;
  clock.set(30_000);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await store.maintain();
  t.is((await stat(path)).mtimeMs, before, 'nothing changed: no rewrite');
});

test('a damaged snapshot line is skipped and the rest restored', async (t) => {
  const path = join(await mkdtemp(join(tmpdir(), 'botsieve-snapshot-')), 'verdicts.ndjson');
  await writeFile(path, `${JSON.stringify(verdict('ip:192.0.2.9', 'block', 1_000))}\n{"truncated\n`);
  const store = await snapshotStore(path, new ManualClock(2_000));
  t.is(store.get('ip:192.0.2.9')?.action, 'block');
  t.is(store.size(), 1);
});
