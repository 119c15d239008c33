import test from 'ava';
import type { Verdict } from '@botsieve/core';
import { tableValidator } from './schema.js';
import { topDetector, verdictRow } from './verdict-row.js';
import { T0 } from './test-support.js';

const validate = tableValidator('verdicts');

const fused: Verdict = {
  id: 'v-1',
  subject: 'prefix:192.0.2.0/24',
  action: 'challenge',
  score: 12,
  ttl_ms: 600_000,
  decided_at: T0 + 1_234,
  detectors: [
    { id: 'fusion', score: 3, evidence: { signals: 2 } },
    { id: 'request-velocity', score: 20.4, evidence: { rate_per_s: 12.5, requests: 400 } },
    { id: 'heuristics', score: 8, evidence: { rule: 1 } },
  ],
};

test('a verdict maps to its row: ids, ISO times, ttl in seconds, region, evidence as name/value pairs', (t) => {
  const row = verdictRow(fused, 'europe-west1', T0 + 5_000);
  t.deepEqual(row, {
    verdict_id: 'v-1',
    decided_at: '2024-05-01T12:00:01.234Z',
    expires_at: '2024-05-01T12:10:01.234Z',
    subject: 'prefix:192.0.2.0/24',
    subject_kind: 'prefix',
    action: 'challenge',
    score: 12,
    ttl_seconds: 600,
    top_detector: 'heuristics',
    region: 'europe-west1',
    detectors: [
      { id: 'fusion', score: 3, evidence: [{ name: 'signals', value: 2 }] },
      { id: 'request-velocity', score: 20, evidence: [{ name: 'rate_per_s', value: 12.5 }, { name: 'requests', value: 400 }] },
      { id: 'heuristics', score: 8, evidence: [{ name: 'rule', value: 1 }] },
    ],
    inserted_at: '2024-05-01T12:00:05.000Z',
  });
  t.is(validate(row), undefined);
});

test('top detector: the lowest score other than fusion; null when only fusion contributed', (t) => {
  t.is(topDetector(fused), 'heuristics');
  t.is(topDetector({ detectors: [{ id: 'fusion', score: 1, evidence: {} }] }), null);
  t.is(topDetector({ detectors: [] }), null);
  t.is(topDetector({ detectors: [{ id: 'a', score: 5, evidence: {} }, { id: 'b', score: 5, evidence: {} }] }), 'a', 'ties go to the first listed');
});

test('subject_kind is the kind of the key, ipua (one user agent on one address) included', (t) => {
  const row = verdictRow({ ...fused, subject: 'ipua:192.0.2.1 Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X)' }, 'europe-west1', T0);
  t.like(row, { subject: 'ipua:192.0.2.1 Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X)', subject_kind: 'ipua' });
  t.is(verdictRow({ ...fused, subject: 'ua:curl/8' }, '', T0).subject_kind, 'ua');
  t.is(validate(row), undefined);
});

test('an empty region is written as null; the row stays valid', (t) => {
  const row = verdictRow({ ...fused, detectors: [] }, '', T0);
  t.is(row.region, null);
  t.is(row.top_detector, null);
  t.is(validate(row), undefined);
});

test('a verdict that cannot be mapped yields a row the validator rejects with a path, not an exception', (t) => {
  t.is(validate(verdictRow({ ...fused, decided_at: Number.NaN }, '', T0)), 'decided_at: required');
  t.is(validate(verdictRow({ ...fused, detectors: [{ id: 'x', score: 5, evidence: { bad: Number.POSITIVE_INFINITY } }] }, '', T0)), 'detectors[0].evidence[0].value: expected FLOAT');
});
