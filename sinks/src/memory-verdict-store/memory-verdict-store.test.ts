import test from 'ava';
import type { Verdict, VerdictAction } from '@botsieve/core';
import { ManualClock } from '@botsieve/runtime';
import { MemoryVerdictStore } from './memory-verdict-store.js';

function verdict(subject: `ip:${string}` | `prefix:${string}` | `asn:${string}`, action: VerdictAction, decided_at: number, ttl_ms = 60_000): Verdict {
  return { id: `${subject}/${action}/${decided_at}`, subject, action, score: action === 'block' ? 5 : 25, ttl_ms, decided_at, detectors: [{ id: 'request-rate', score: 5, evidence: { requests: 100 } }] };
}

function makeStore(max_subjects = 100) {
  const clock = new ManualClock(1_000);
  return { clock, store: new MemoryVerdictStore({ max_subjects }, clock) };
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
