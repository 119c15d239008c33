import test from 'ava';
import type { Verdict } from '../verdict.js';
import { decodeVerdict, encodeVerdict, verdictJson, verdictProblem } from './verdict.js';

const VERDICT: Verdict = {
  id: '0f3c9a1e5b7d2c4e6a8b0d1f3e5a7c9b',
  subject: 'ip:192.0.2.1',
  action: 'block',
  score: 3,
  ttl_ms: 600_000,
  decided_at: 1_767_225_600_000,
  detectors: [{ id: 'request-velocity', score: 3, evidence: { rate_per_s: 12.5 } }, { id: 'fusion', score: 3, evidence: {} }],
};

test('a verdict round-trips through its wire bytes and its JSON text', (t) => {
  const bytes = encodeVerdict(VERDICT);
  t.is(bytes.toString('utf8'), JSON.stringify(VERDICT), 'the wire form is the JSON');
  t.is(verdictJson(VERDICT), JSON.stringify(VERDICT));
  t.deepEqual(decodeVerdict(bytes), { ok: true, verdict: VERDICT });
  t.deepEqual(decodeVerdict(verdictJson(VERDICT)), { ok: true, verdict: VERDICT });
});

test('the edges of every field that is accepted', (t) => {
  for (const change of [{ score: 1 }, { score: 99 }, { ttl_ms: 1 }, { decided_at: 0 }, { detectors: [] }, { action: 'log' }, { action: 'challenge' }, { subject: 'ua:curl/8.5.0 (x:y)' }, { detectors: [{ id: 'x', score: 20.4, evidence: { v: null } }] }]) {
    t.is(verdictProblem({ ...VERDICT, ...change }), undefined, JSON.stringify(change));
  }
});

test('what is not a verdict, and why', (t) => {
  const cases: Array<[unknown, string]> = [
    [null, 'not an object'],
    [[VERDICT], 'not an object'],
    [{ ...VERDICT, id: '' }, 'id is not a non-empty string'],
    [{ ...VERDICT, id: 7 }, 'id is not a non-empty string'],
    [{ ...VERDICT, subject: 'nokind' }, 'subject is not <kind>:<value> with a known kind'],
    [{ ...VERDICT, subject: 'host:example.com' }, 'subject is not <kind>:<value> with a known kind'],
    [{ ...VERDICT, subject: 'ip:' }, 'subject is not <kind>:<value> with a known kind'],
    [{ ...VERDICT, action: 'allow' }, 'unknown action allow'],
    [{ ...VERDICT, score: 0 }, 'score is not an integer from 1 to 99'],
    [{ ...VERDICT, score: 100 }, 'score is not an integer from 1 to 99'],
    [{ ...VERDICT, score: 5.5 }, 'score is not an integer from 1 to 99'],
    [{ ...VERDICT, score: '5' }, 'score is not an integer from 1 to 99'],
    [{ ...VERDICT, ttl_ms: 0 }, 'ttl_ms is not a positive integer (ms)'],
    [{ ...VERDICT, ttl_ms: Number.NaN }, 'ttl_ms is not a positive integer (ms)'],
    [{ ...VERDICT, ttl_ms: 1.5 }, 'ttl_ms is not a positive integer (ms)'],
    [{ ...VERDICT, decided_at: -1 }, 'decided_at is not a non-negative integer (ms)'],
    [{ ...VERDICT, decided_at: 2 ** 53 }, 'decided_at is not a non-negative integer (ms)'],
    [{ ...VERDICT, detectors: {} }, 'detectors is not an array'],
    [{ ...VERDICT, detectors: [null] }, 'detectors[0] is not an object'],
    [{ ...VERDICT, detectors: [{ score: 1, evidence: {} }] }, 'detectors[0].id is not a string'],
    [{ ...VERDICT, detectors: [{ id: 'x', score: null, evidence: {} }] }, 'detectors[0].score is not a number'],
    [{ ...VERDICT, detectors: [{ id: 'x', score: 1, evidence: [] }] }, 'detectors[0].evidence is not an object'],
  ];
  for (const [value, reason] of cases) {
    t.is(verdictProblem(value), reason, JSON.stringify(value));
    t.deepEqual(decodeVerdict(Buffer.from(JSON.stringify(value))), { ok: false, reason }, JSON.stringify(value));
  }
});

test('bytes that are not JSON are an answer, not an exception', (t) => {
  for (const text of ['', 'not json', '{"id":', '\u0000']) t.deepEqual(decodeVerdict(Buffer.from(text)), { ok: false, reason: 'not JSON' }, text);
});
