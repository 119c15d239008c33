import test from 'ava';
import type { Verdict } from '@botsieve/core';
import { ManualClock, nullTelemetry } from '@botsieve/runtime';
import { goldenCases, runGolden } from '../test-support/golden.js';
import { makeEvent, metricValue } from '../test-support/events.js';
import { METRIC } from '@botsieve/core';
import { parseRequestRateConfig, type RequestRateConfig } from './config.js';
import { RequestRateDetector, requestRate, requestRateScore } from './request-rate.js';

const T0 = 1_700_000_000_000;
const cases = goldenCases('request-rate/testdata');

test('the required golden cases exist', (t) => {
  const names = cases.map((c) => c.name);
  for (const required of ['below-threshold', 'burst-one-ip', 'ipv6-prefix', 'late-events']) t.true(names.includes(required), required);
});

for (const { name, dir } of cases) {
  test(`golden: ${name}`, (t) => {
    const { actual, expected } = runGolden(dir);
    t.true(expected.length > 0, 'expected.ndjson missing: run the tests with UPDATE_GOLDEN=1 and review the diff');
    t.deepEqual(actual, expected);
  });
}

function detector(raw: unknown, telemetry = nullTelemetry()): RequestRateDetector {
  const component = telemetry.component('detector/test');
  return requestRate.create(parseRequestRateConfig(raw), { clock: new ManualClock(T0), logger: component.log, metrics: component.metrics }) as RequestRateDetector;
}

const small = { ttl_ms: 60_000, reemit_before_expiry_ms: 10_000, subjects: { ip: { log_requests: 10, challenge_requests: 20, block_requests: 40 }, prefix: { enabled: false } } };

function feed(d: RequestRateDetector, ip: string, count: number, start: number, step_ms: number): Verdict[] {
  const out: Verdict[] = [];
  for (let i = 0; i < count; i++) out.push(...d.process(makeEvent({ ip, timestamp_ms: start + i * step_ms })));
  return out;
}

test('escalates log → challenge → block once each, then stays quiet (cooldown)', (t) => {
  const d = detector(small);
  const verdicts = feed(d, '203.0.113.1', 100, T0, 10);
  t.deepEqual(verdicts.map((v) => v.action), ['log', 'challenge', 'block']);
  t.deepEqual(verdicts.map((v) => v.detectors[0]?.evidence.requests), [10, 20, 40]);
  const block = verdicts[2] as Verdict;
  t.is(block.subject, 'ip:203.0.113.1');
  t.is(block.decided_at, T0 + 39 * 10);
  t.is(block.ttl_ms, 60_000);
  t.deepEqual(block.detectors, [{ id: 'request-rate', score: 10, evidence: { requests: 40, window_ms: 10_000, threshold: 40, rate_per_s: 4 } }]);
});

test('re-emits while the rate persists only when the active verdict is about to expire', (t) => {
  const d = detector(small);
  // 5 requests per second for 70 s: above block (40 per 10 s) the whole time.
  const verdicts = feed(d, '203.0.113.2', 350, T0, 200);
  const blocks = verdicts.filter((v) => v.action === 'block');
  t.is(blocks.length, 2);
  const [first, second] = blocks as [Verdict, Verdict];
  t.true(second.decided_at >= first.decided_at + first.ttl_ms - 10_000);
  t.true(second.decided_at < first.decided_at + first.ttl_ms);
  t.not(first.id, second.id);
});

test('a pause in traffic keeps the cooldown while the verdict is active', (t) => {
  const d = detector(small);
  t.is(feed(d, '203.0.113.3', 40, T0, 10).length, 3);
  d.flush(T0 + 30_000); // window empty, verdict still active: the subject stays
  t.is(d.trackedSubjects('ip'), 1);
  t.deepEqual(feed(d, '203.0.113.3', 40, T0 + 30_000, 10), []);
  d.flush(T0 + 30_000 + 10_000 + 60_000); // window empty and verdict expired: released
  t.is(d.trackedSubjects('ip'), 0);
});

test('verdict ids are deterministic and depend on the decision', (t) => {
  const a = feed(detector(small), '203.0.113.4', 40, T0, 10);
  const b = feed(detector(small), '203.0.113.4', 40, T0, 10);
  t.deepEqual(a, b);
  t.is(new Set(a.map((v) => v.id)).size, 3);
  t.regex(a[0]?.id ?? '', /^[0-9a-f]{32}$/);
});

test('score mapping: block ≤ 10, challenge 20–29, log 30–40, falling with the excess', (t) => {
  const th = { log: 10, challenge: 20, block: 40 };
  t.is(requestRateScore(3, 40, th), 10);
  t.is(requestRateScore(3, 80, th), 5);
  t.is(requestRateScore(3, 10_000, th), 1);
  t.is(requestRateScore(2, 20, th), 29);
  t.is(requestRateScore(2, 39, th), 20);
  t.is(requestRateScore(1, 10, th), 40);
  t.is(requestRateScore(1, 19, th), 31);
  for (let n = 10; n < 20; n++) t.true(requestRateScore(1, n, th) >= 30 && requestRateScore(1, n, th) <= 40);
  for (let n = 20; n < 40; n++) t.true(requestRateScore(2, n, th) >= 20 && requestRateScore(2, n, th) <= 29);
});

test('the window slides: requests older than window_ms stop counting', (t) => {
  const d = detector({ ...small, subjects: { ...small.subjects, ip: { log_requests: null, challenge_requests: 20, block_requests: 40 } } });
  // 19 requests per 10 s, forever: never 20 in one window.
  t.deepEqual(feed(d, '203.0.113.5', 200, T0, 530), []);
  // 20 within one window.
  t.is(feed(d, '203.0.113.6', 20, T0, 400).length, 1);
});

test('asn 0 is never tracked; ja4 only when present and enabled', (t) => {
  const d = detector({ subjects: { ip: { enabled: false }, prefix: { enabled: false }, asn: { enabled: true, log_requests: null, challenge_requests: 5, block_requests: 10 }, ja4: { enabled: true, log_requests: null, challenge_requests: 5, block_requests: 10 } } });
  const out: Verdict[] = [];
  for (let i = 0; i < 6; i++) out.push(...d.process(makeEvent({ asn: 0, ja4: null, timestamp_ms: T0 + i })));
  t.deepEqual(out, []);
  t.is(d.stateSize().keys, 0);
  for (let i = 0; i < 6; i++) out.push(...d.process(makeEvent({ asn: 64_500, ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1', timestamp_ms: T0 + i })));
  t.deepEqual(out.map((v) => v.subject).sort(), ['asn:64500', 'ja4:t13d1516h2_8daaf6152771_e5627efa2ab1']);
});

test('bounded state: a spray of 200k distinct IPs never tracks more than the cap', async (t) => {
  const telemetry = nullTelemetry();
  const cap = 1_000;
  const d = detector({ ...small, subjects: { ...small.subjects, ip: { ...small.subjects.ip, max_tracked_subjects: cap } } }, telemetry);
  let max = 0;
  const verdicts: Verdict[] = [];
  for (let i = 0; i < 200_000; i++) {
    const ts = T0 + Math.floor(i / 20); // 20k events per second of event time
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    verdicts.push(...d.process(makeEvent({ ip, timestamp_ms: ts })));
    // A heavy hitter inside the spray stays tracked (recently seen) and is still caught.
    if (i % 50 === 0) verdicts.push(...d.process(makeEvent({ ip: '203.0.113.99', timestamp_ms: ts })));
    if (i % 1_000 === 0) d.flush(ts - 5_000);
    max = Math.max(max, d.trackedSubjects('ip'));
  }
  t.true(max <= cap, `tracked ${max}`);
  t.is(max, cap);
  t.deepEqual([...new Set(verdicts.map((v) => v.subject))], ['ip:203.0.113.99']);
  t.true(d.stateSize().bytes < 200_000, `bytes ${d.stateSize().bytes}`);
  d.flush(T0 + 1_000_000);
  t.true(await metricValue(telemetry, METRIC.discarded, { reason: 'state_evicted' }) > 190_000);
});

test('config: defaults, unknown keys and inconsistent thresholds', (t) => {
  const config: RequestRateConfig = parseRequestRateConfig({});
  t.is(config.window_ms, 10_000);
  t.is(config.bucket_ms, 1_000);
  t.is(config.ttl_ms, 600_000);
  t.true(config.subjects.ip.enabled);
  t.false(config.subjects.asn.enabled);
  t.throws(() => parseRequestRateConfig({ windw_ms: 5 }), { code: 'ERR_DETECTOR_CONFIG' });
  const error = t.throws(() => parseRequestRateConfig({ subjects: { ip: { challenge_requests: 50, block_requests: 50 } } }), { code: 'ERR_DETECTOR_CONFIG' });
  t.regex(error?.message ?? '', /subjects\.ip\.challenge_requests/);
  t.throws(() => parseRequestRateConfig({ window_ms: 10_000, bucket_ms: 3_000 }), { code: 'ERR_DETECTOR_CONFIG' });
});
