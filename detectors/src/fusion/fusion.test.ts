import test from 'ava';
import type { SubjectKey, Verdict, VerdictAction } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import type { Signal } from '../engine/signal.js';
import { Safelist } from '../safelist/index.js';
import { fusionConfigSchema } from './config.js';
import { Fusion } from './fusion.js';

const T0 = 1_700_000_000_000;
const IP = 'ip:203.0.113.5' as SubjectKey;

function fusion(raw: unknown = {}): Fusion {
  return new Fusion(fusionConfigSchema.parse(raw), new Safelist(), nullTelemetry().component('detect').metrics);
}

function signal(detector: string, action: VerdictAction, score: number, at: number, ttl_ms?: number): Signal {
  const s: Signal = { subject: IP, at, detector, score, action, evidence: { n: 1 } };
  if (ttl_ms !== undefined) s.ttl_ms = ttl_ms;
  return s;
}

function fuse(f: Fusion, ...signals: Signal[]): Verdict[] {
  const out: Verdict[] = [];
  f.fuse(signals, out);
  return out;
}

test('without a TTL hint the per-action TTL applies (every existing detector)', (t) => {
  const [verdict] = fuse(fusion(), signal('probing', 'block', 10, T0));
  t.is(verdict?.ttl_ms, 600_000);
});

test('a TTL hint replaces the per-action TTL of the action its signal recommends', (t) => {
  const [verdict] = fuse(fusion(), signal('attack-signatures/sqli', 'block', 4, T0, 300_000));
  t.like(verdict, { action: 'block', ttl_ms: 300_000 });
});

test('repeat offences multiply the hinted TTL: 5, 10, 20 minutes, capped at max_ttl_ms', (t) => {
  const f = fusion({ max_ttl_ms: 1_000_000 });
  const ttls: number[] = [];
  let at = T0;
  for (let i = 0; i < 4; i++) {
    const [verdict] = fuse(f, signal('attack-signatures/traversal', 'block', 2, at, 300_000));
    ttls.push(verdict!.ttl_ms);
    at += verdict!.ttl_ms + 1_000; // the next probe comes after the block expired: a new offence
  }
  t.deepEqual(ttls, [300_000, 600_000, 1_000_000, 1_000_000]);
});

test('a signal of the same action without a hint keeps the per-action TTL; hints of other actions do not count', (t) => {
  // The second signal drops the fused score by more than reemit_score_drop: the verdict is re-issued with both live.
  const mixed = fuse(fusion(), signal('attack-signatures/sqli', 'block', 9, T0, 300_000), signal('heuristics/fake_crawler', 'block', 2, T0 + 1));
  t.deepEqual(mixed.map((v) => v.ttl_ms), [300_000, 600_000], 'an unhinted block keeps the per-action TTL');
  const longer = fuse(fusion(), signal('a/x', 'block', 9, T0, 60_000), signal('b/y', 'block', 2, T0 + 1, 120_000));
  t.deepEqual(longer.map((v) => v.ttl_ms), [60_000, 120_000], 'the longest hint');
  // A hinted challenge beside an unhinted log: the verdict is a challenge, decided by the hinted signal alone.
  const challenge = fuse(fusion(), signal('volumetric', 'log', 45, T0), signal('address-bursts/ua_rotation', 'challenge', 15, T0 + 1, 90_000));
  t.like(challenge.at(-1), { action: 'challenge', ttl_ms: 90_000 });
});
