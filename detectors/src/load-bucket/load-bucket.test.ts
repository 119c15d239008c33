import test from 'ava';
import { METRIC, type SubjectKey } from '@botsieve/core';
import { nullTelemetry, type Telemetry } from '@botsieve/runtime';
import { registerGoldenTests } from '../test-support/detector-golden.js';
import { metricValue } from '../test-support/events.js';
import { createDetector, runSteps, sprayByReuse, sprayIp } from '../test-support/summary-detectors.js';
import { halves, makeSummary, STEP_MS, T0, type SummaryFixture } from '../test-support/summary-fixtures.js';
import { parseLoadBucketConfig } from './config.js';
import { loadBucket, LoadBucketDetector, loadBucketScore } from './load-bucket.js';

registerGoldenTests(test, 'load-bucket', loadBucket, 3);

const detector = (raw: unknown = {}, telemetry?: Telemetry) => createDetector<LoadBucketDetector>(loadBucket, raw, telemetry);

/** `n` low-score requests per step, all of them while the origin is `loaded` or not. */
const bots = (n: number, loaded: boolean): SummaryFixture => ({ requests: n, pages: n, scored: n, low_score: n, low_score_under_load: loaded ? n : 0, under_load: loaded ? n : 0 });

test('limits per kind: ip more than 1/s, prefix more than 5/s, over 10 s, while the origin is loaded', (t) => {
  const ip = runSteps(detector(), T0, 20, (step) => [makeSummary('ip:198.51.100.1', step, bots(2, true))]);
  t.deepEqual(ip, [
    {
      subject: 'ip:198.51.100.1',
      at: T0 + 5 * STEP_MS + 900,
      detector: 'load-bucket',
      score: 25,
      action: 'challenge',
      ttl_ms: 30_000,
      evidence: { bucket_requests: 12, window_ms: 10_000, bucket_rate_per_s: 1.2, limit_per_s: 1, under_load_requests: 12, bucket_share: 1, client_share: 0 },
    },
  ]);
  t.deepEqual(runSteps(detector(), T0, 20, (step) => [makeSummary('ip:198.51.100.2', step, bots(1, true))]), [], 'exactly 1/s is within the limit');
  const prefix = runSteps(detector(), T0, 20, (step) => [makeSummary('prefix:198.51.100.0/24', step, bots(6, true)), makeSummary('asn:64500', step, bots(6, true))]);
  t.deepEqual(prefix.map((s) => [s.subject, s.evidence.bucket_requests]), [['prefix:198.51.100.0/24', 54]]);
  const heavy = runSteps(detector(), T0, 20, (step) => [makeSummary('ja4:t13d1516h2_8daaf6152771_e5627efa2ab1', step, bots(150, true))]);
  t.deepEqual(heavy.map((s) => [s.action, s.score, s.evidence.bucket_rate_per_s]), [['challenge', 25, 30]]);
});

test('load on/off: nothing while the origin is healthy (and no state), challenges while loaded, silence once the load is gone', (t) => {
  const d = detector({ reemit_ms: 5_000 });
  const healthy = runSteps(d, T0, 30, (step) => [makeSummary('ip:198.51.100.3', step, bots(20, false))]);
  t.deepEqual(healthy, []);
  t.is(d.stateSize().keys, 0);
  const loaded = runSteps(d, T0 + 30_000, 12, (step) => [makeSummary('ip:198.51.100.3', step, bots(20, true))]);
  t.deepEqual(loaded.map((s) => [(s.at - T0 - 30_900) / STEP_MS, s.score]), [[0, 24], [5, 20], [10, 20]]);
  const after = runSteps(d, T0 + 42_000, 30, (step) => [makeSummary('ip:198.51.100.3', step, bots(20, false))]);
  t.deepEqual(after, []);
  t.is(d.stateSize().keys, 0, 'swept once its window is empty and its cooldown over');
});

test('humans under load are not in the bucket: their requests under load alone never signal', (t) => {
  const humans: SummaryFixture = { requests: 50, pages: 5, assets: 45, under_load: 50, browser_ua: 50 };
  t.deepEqual(runSteps(detector(), T0, 30, (step) => [makeSummary('ip:100.64.0.1', step, humans)]), []);
});

test('additive partial summaries: two halves, in either order, give the same signals as the whole', (t) => {
  const subjects: [SubjectKey, SummaryFixture][] = [
    ['ip:198.51.100.4', bots(4, true)],
    ['prefix:198.51.100.0/24', { ...bots(20, true), under_load: 30 }],
    ['asn:64500', bots(6, true)],
  ];
  const script = (split: 'whole' | 'halves' | 'reversed') => (step: number) =>
    subjects.flatMap(([subject, fixture]) => {
      if (split === 'whole') return [makeSummary(subject, step, fixture)];
      const [a, b] = halves(subject, step, fixture);
      return split === 'halves' ? [a, b] : [b, a];
    });
  const whole = runSteps(detector(), T0, 15, script('whole'));
  t.deepEqual(whole.map((s) => [s.subject, s.evidence.bucket_requests]), [
    ['ip:198.51.100.4', 12],
    ['prefix:198.51.100.0/24', 60],
  ]);
  t.deepEqual(runSteps(detector(), T0, 15, script('halves')), whole);
  t.deepEqual(runSteps(detector(), T0, 15, script('reversed')), whole);
});

test('cooldown: one challenge per reemit_ms (20 s) while the load and the excess persist, each with a 30 s TTL hint', (t) => {
  const signals = runSteps(detector(), T0, 70, (step) => [makeSummary('ip:198.51.100.5', step, bots(3, true))]);
  t.deepEqual(signals.map((s) => (s.at - T0 - 900) / STEP_MS), [3, 23, 43, 63]);
  t.true(signals.every((s) => s.ttl_ms === 30_000));
});

test('people are not the bucket: a NAT exit of app users Bot Management scores low, and a misjudged browser loading a page, are never limited', (t) => {
  // 40 % of a NAT exit's app users scored under 30: 6 of 15 requests a second in the bucket.
  const natExit: SummaryFixture = { requests: 15, api: 15, app_ua: 15, scored: 15, low_score: 6, low_score_under_load: 6, under_load: 15, uas: ['okhttp/4.12.0', 'okhttp/4.11.0'] };
  t.deepEqual(runSteps(detector({ min_bucket_share: 0.3 }), T0, 30, (step) => [makeSummary('ip:100.64.9.1', step, natExit)]), []);
  // One person with a low score: a page and its 11 assets in a second, then the next page 3 s later.
  const page: SummaryFixture = { requests: 12, pages: 1, assets: 11, browser_ua: 12, scored: 12, low_score: 12, low_score_under_load: 12, under_load: 12 };
  t.deepEqual(runSteps(detector(), T0, 30, (step) => (step % 3 === 0 ? [makeSummary('ip:198.51.100.20', step, page)] : [])), []);
  // The same rate from a tool (no browser, nothing rendered) is limited.
  t.is(runSteps(detector(), T0, 30, (step) => (step % 3 === 0 ? [makeSummary('ip:198.51.100.21', step, bots(12, true))] : [])).length, 2);
});

test('populations naming people\'s clients are not limited: a carrier /24 may carry people not seen yet', (t) => {
  const browsers: SummaryFixture = { ...bots(20, true), browser_ua: 20 };
  t.deepEqual(runSteps(detector(), T0, 20, (step) => [makeSummary('prefix:198.51.100.0/24', step, browsers)]), []);
  const mismatched: SummaryFixture = { ...browsers, ua_ja4_mismatch: 20 };
  t.is(runSteps(detector(), T0, 20, (step) => [makeSummary('prefix:198.51.100.0/24', step, mismatched)]).length, 1, 'a browser user agent over a library\'s TLS is a tool');
});

test('bounded state: a spray of 1,000,000 subjects keeps at most the cap, counts evictions, still catches a heavy hitter', async (t) => {
  const telemetry = nullTelemetry();
  const cap = 1_000;
  const d = detector({ subjects: { ip: { max_tracked_subjects: cap } } }, telemetry);
  const spray = makeSummary('ip:10.0.0.0', T0, bots(1, true));
  const { signals, maxTracked: max, lastStep: step } = sprayByReuse(d, {
    spray: (i) => {
      spray.subject = sprayIp(i);
      return spray;
    },
    attacker: (step_ms) => makeSummary('ip:203.0.113.99', step_ms, bots(1, true)),
    tracked: () => d.trackedSubjects('ip'),
  });
  t.is(max, cap);
  t.deepEqual([...new Set(signals.map((s) => s.subject))], ['ip:203.0.113.99']);
  // ip: 7 counters × 10 steps, the other kinds 4 (their tables start at 1,024 slots each).
  t.true(d.stateSize().bytes < 2_000_000, `bytes ${d.stateSize().bytes}`);
  d.flush(step + 1_000_000);
  t.is(d.stateSize().keys, 0);
  t.true((await metricValue(telemetry, METRIC.discarded, { reason: 'state_evicted' })) > 990_000);
});

test('reconfigure swaps limits and keeps the windows', (t) => {
  const d = detector();
  t.deepEqual(runSteps(d, T0, 4, (step) => [makeSummary('ip:198.51.100.6', step, bots(2, true))]), []);
  d.reconfigure(parseLoadBucketConfig({ subjects: { ip: { max_bucket_rate_per_s: 0.5 } } }));
  const signals = runSteps(d, T0 + 4 * STEP_MS, 1, (step) => [makeSummary('ip:198.51.100.6', step, bots(2, true))]);
  t.deepEqual(signals.map((s) => [s.evidence.bucket_requests, s.evidence.limit_per_s]), [[10, 0.5]]);
});

test('score mapping: 25 just above the limit, 20 from 6× on', (t) => {
  t.is(loadBucketScore(1.1, 1), 25);
  t.is(loadBucketScore(2, 1), 24);
  t.is(loadBucketScore(6, 1), 20);
  t.is(loadBucketScore(600, 1), 20);
});

test('config: defaults, unknown keys and inconsistent values', (t) => {
  const config = parseLoadBucketConfig({});
  t.is(config.window_ms, 10_000);
  t.deepEqual([config.subjects.ip.max_bucket_rate_per_s, config.subjects.prefix.max_bucket_rate_per_s, config.subjects.asn.max_bucket_rate_per_s, config.subjects.ja4.max_bucket_rate_per_s], [1, 5, 20, 20]);
  t.is(loadBucket.lookbackMs(config), 10_000);
  t.throws(() => parseLoadBucketConfig({ subjects: { ip: { max_rate: 1 } } }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseLoadBucketConfig({ window_ms: 10_000, step_ms: 3_000 }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseLoadBucketConfig({ subjects: { ip: { max_bucket_rate_per_s: 0 } } }), { code: 'ERR_DETECTOR_CONFIG' });
});
