import test from 'ava';
import type { SubjectKey, Verdict, VerdictAction } from '@botsieve/core';
import { makeEvent } from '../test-support/events.js';
import { Annotator } from './annotate.js';

const T0 = 1_700_000_000_000;

function verdict(subject: SubjectKey, action: VerdictAction, decided_at: number, options: { ttl_ms?: number; score?: number; id?: string } = {}): Verdict {
  const score = options.score ?? (action === 'block' ? 5 : action === 'challenge' ? 25 : 35);
  return { id: options.id ?? `${subject}/${action}/${decided_at}/${score}`, subject, action, score, ttl_ms: options.ttl_ms ?? 60_000, decided_at, detectors: [{ id: 'request-rate', score, evidence: { requests: 1 } }] };
}

test('causal: the triggering event is not affected, the next one is, and the verdict expires after ttl', (t) => {
  const annotator = new Annotator();
  const trigger = makeEvent({ ray_id: 'trigger', ip: '192.0.2.1', timestamp_ms: T0 });
  t.deepEqual(annotator.annotate(trigger), { RayID: 'trigger', action: 'allow', score: null, subject: null, reasons: [] });
  annotator.apply([verdict('ip:192.0.2.1', 'challenge', T0, { ttl_ms: 1_000, score: 27 })]);
  t.deepEqual(annotator.annotate(makeEvent({ ray_id: 'same-ms', ip: '192.0.2.1', timestamp_ms: T0 })), {
    RayID: 'same-ms', action: 'challenge', score: 27, subject: 'ip:192.0.2.1', reasons: ['request-rate'],
  });
  t.is(annotator.annotate(makeEvent({ ip: '192.0.2.2', timestamp_ms: T0 + 1 })).action, 'allow', 'another ip');
  t.is(annotator.annotate(makeEvent({ ip: '192.0.2.1', timestamp_ms: T0 + 999 })).action, 'challenge');
  t.is(annotator.annotate(makeEvent({ ip: '192.0.2.1', timestamp_ms: T0 + 1_000 })).action, 'allow', 'expired at decided_at + ttl_ms');
});

test('an event before the decision is not covered, even when it arrives after it', (t) => {
  const annotator = new Annotator({ retain_ms: 5_000 });
  annotator.annotate(makeEvent({ timestamp_ms: T0 + 2_000 }));
  annotator.apply([verdict('ip:192.0.2.1', 'block', T0 + 2_000)]);
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 1_500 })).action, 'allow');
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 2_500 })).action, 'block');
});

test('strongest action over all subjects; equal actions → lowest score', (t) => {
  const annotator = new Annotator();
  const event = makeEvent({ ip: '2001:db8::7', prefix: '2001:db8::/64', asn: 64_500, ja4: 't13d_abc', timestamp_ms: T0 + 10 });
  annotator.apply([
    verdict('ip:2001:db8::7', 'log', T0),
    verdict('prefix:2001:db8::/64', 'challenge', T0, { score: 28 }),
    verdict('asn:64500', 'challenge', T0, { score: 21 }),
  ]);
  t.like(annotator.annotate(event), { action: 'challenge', score: 21, subject: 'asn:64500' });
  annotator.apply([verdict('ja4:t13d_abc', 'block', T0 + 5, { score: 9 })]);
  t.like(annotator.annotate(event), { action: 'block', score: 9, subject: 'ja4:t13d_abc' });
  t.is(annotator.annotate({ ...event, asn: 0, ja4: null }).subject, 'prefix:2001:db8::/64');
});

test('a weaker verdict does not hide a stronger one still active', (t) => {
  const annotator = new Annotator();
  annotator.apply([verdict('ip:192.0.2.1', 'block', T0, { ttl_ms: 10_000 })]);
  annotator.apply([verdict('ip:192.0.2.1', 'log', T0 + 1_000, { ttl_ms: 60_000 })]);
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 5_000 })).action, 'block');
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 20_000 })).action, 'log', 'after the block expired the log still applies');
});

test('bounded state: expired verdicts are dropped; redelivered duplicates are ignored', (t) => {
  const annotator = new Annotator({ retain_ms: 1_000 });
  for (let i = 0; i < 10_000; i++) annotator.apply([verdict(`ip:10.0.${i >> 8}.${i & 255}`, 'block', T0 + i, { ttl_ms: 1_000 })]);
  t.is(annotator.size, 10_000);
  const duplicate = verdict('ip:10.0.0.1', 'block', T0 + 1, { ttl_ms: 1_000 });
  annotator.apply([duplicate, duplicate]);
  t.is(annotator.size, 10_000);
  annotator.annotate(makeEvent({ ip: '192.0.2.1', timestamp_ms: T0 + 6_000 }));
  t.is(annotator.size, 10_000 - 4_001, 'expired at least retain_ms ago (expires_at ≤ 5000): gone');
  annotator.annotate(makeEvent({ ip: '192.0.2.1', timestamp_ms: T0 + 100_000 }));
  t.is(annotator.size, 0);
  annotator.apply([verdict('ip:192.0.2.1', 'block', T0, { ttl_ms: 1_000 })]);
  t.is(annotator.size, 0, 'a verdict already expired is not held');
});

test('re-emitted verdicts replace the ones they cover', (t) => {
  const annotator = new Annotator();
  for (let i = 0; i < 100; i++) annotator.apply([verdict('ip:192.0.2.1', 'block', T0, { ttl_ms: 60_000 + i, id: `v${i}` })]);
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 1 })).action, 'block');
  // Only the longest survives in the subject's list; the heap drops the rest lazily.
  t.is(annotator.size, 100);
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 60_098 })).action, 'block');
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 60_099 })).action, 'allow');
  t.is(annotator.size, 0);
});
