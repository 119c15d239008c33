import test from 'ava';
import { METRIC, type SubjectKey } from '@botsieve/core';
import { nullTelemetry, type Telemetry } from '@botsieve/runtime';
import type { Signal } from '../engine/signal.js';
import { registerGoldenTests } from '../test-support/detector-golden.js';
import { metricValue } from '../test-support/events.js';
import { createDetector, runSteps, sprayByReuse, sprayIp } from '../test-support/summary-detectors.js';
import { halves, makeSummary, names, STEP_MS, T0, type SummaryFixture } from '../test-support/summary-fixtures.js';
import { parseL7FloodConfig } from './config.js';
import { l7Flood, L7FloodDetector, l7FloodScore } from './l7-flood.js';

registerGoldenTests(test, 'l7-flood', l7Flood, 3);

const detector = (raw: unknown = {}, telemetry?: Telemetry) => createDetector<L7FloodDetector>(l7Flood, raw, telemetry);

const ROUTE = 'shop.example/search';
/** A flooder: `n` requests per step to the spiking route, no assets, `busting` of them cache-busting. */
const flooder = (n: number, busting = n, extra: SummaryFixture = {}): SummaryFixture => ({ requests: n, spiking_route: n, pages: n, cache_busting: busting, top_route: ROUTE, top_route_requests: n, ...extra });
/** A human on the spiking route: one page to it and its assets, plus another page. */
const human: SummaryFixture = { requests: 14, spiking_route: 2, pages: 3, assets: 11, top_route: ROUTE, top_route_requests: 2 };

test('the flood population is blocked within 3 s of the start; humans on the same spiking route are not', (t) => {
  const d = detector();
  // 50 flooders at 10 requests per second; the engine flags the route only from the second step
  // on, so over the full 5 s window their spiking share would stay below 0.8 until ~3 s in.
  const signals = runSteps(d, T0, 20, (step, i) => [
    ...names('', 50).map((_, n) => makeSummary(`ip:198.18.0.${n}` as SubjectKey, step, flooder(10, 10, { spiking_route: i === 0 ? 0 : 10 }))),
    ...names('', 200).map((_, n) => makeSummary(`ip:192.0.2.${n}` as SubjectKey, step, i === 0 ? { ...human, spiking_route: 0 } : human)),
  ]);
  t.is(signals.length, 50);
  t.true(signals.every((s) => s.subject.startsWith('ip:198.18.0.') && s.action === 'block'));
  t.true(signals.every((s) => s.at - T0 < 3_000), 'first mitigation within 3 s of the flood start');
  t.deepEqual(signals[0], {
    subject: 'ip:198.18.0.0',
    at: T0 + 2 * STEP_MS + 900,
    detector: 'l7-flood',
    score: 5,
    action: 'block',
    evidence: { spiking_requests: 20, window_ms: 2_000, spiking_share: 1, assets_ratio: 0, cache_busting_ratio: 1 },
  });
});

test('thresholds per kind: ip 20 spiking requests per window, prefix 60 and concentrated', (t) => {
  t.deepEqual(runSteps(detector(), T0, 10, (step) => [makeSummary('ip:198.51.100.1', step, flooder(3, 0))]), [], '15 per 5 s');
  t.deepEqual(runSteps(detector(), T0, 10, (step) => [makeSummary('ip:198.51.100.1', step, flooder(4, 0))]).map((s) => [s.action, s.evidence.spiking_requests, s.evidence.window_ms]), [['block', 20, 5_000]]);
  // A /24 with 5 IPs at 13 per step: 65 in 5 steps, 65 / 5 IPs per window ≥ 10.
  const prefix = runSteps(detector(), T0, 10, (step) => [makeSummary('prefix:198.51.100.0/24', step, flooder(13, 13, { ips: names('198.51.100.', 5) }))]);
  t.deepEqual(prefix.map((s) => [s.action, s.evidence.spiking_requests, s.evidence.requests_per_ip, s.evidence.heavy_hitter_rank]), [['block', 65, 13, 1]]);
  // Not concentrated (200 IPs, 0.4 per IP per window) and not a heavy hitter (others send 20× more): not flagged.
  const spread = runSteps(detector(), T0, 10, (step) => [
    makeSummary('prefix:203.0.113.0/24', step, flooder(16, 16, { ips: names('203.0.113.', 200) })),
    ...names('', 10).map((_, n) => makeSummary(`prefix:10.${n}.0.0/24` as SubjectKey, step, flooder(40, 40, { ips: names(`10.${n}.0.`, 200) }))),
  ]);
  t.false(spread.some((s) => s.subject === 'prefix:203.0.113.0/24'));
});

test('aggregates: a human-dominated JA4 is left alone, a mixed carrier ASN is challenged, a near-pure flood is blocked', (t) => {
  const d = detector();
  const signals = runSteps(d, T0, 10, (step) => [
    // Every Chrome: 1,000 humans, 2,000 spiking-route requests among 12,000 mostly assets.
    makeSummary('ja4:t13d1516h2_8daaf6152771_e5627efa2ab1', step, { requests: 12_000, spiking_route: 2_000, pages: 2_000, assets: 10_000, top_route: ROUTE, ips: names('172.16.', 1_000) }),
    // A carrier: 10,000 flood requests from its NAT pools plus humans (250 assets).
    makeSummary('asn:64501', step, { requests: 10_300, spiking_route: 10_050, pages: 10_050, assets: 250, cache_busting: 10_000, top_route: ROUTE, ips: names('100.64.', 2_000) }),
    // One hosting /24 sending nothing but cache-busting requests to the route.
    makeSummary('asn:64502', step, flooder(4_000, 4_000, { ips: names('198.18.', 40) })),
  ]);
  t.deepEqual(signals.map((s) => [s.subject, s.action]), [
    ['asn:64501', 'challenge'],
    ['asn:64502', 'block'],
  ]);
  const carrier = signals[0] as Signal;
  t.true(carrier.evidence.requests_per_ip! < 10, 'flagged as a heavy hitter, not by requests per IP');
  t.is(carrier.evidence.heavy_hitter_rank, 1);
  t.true(carrier.score >= 20 && carrier.score <= 29);
});

test('additive partial summaries: two halves, in either order, give the same signals as the whole', (t) => {
  const subjects: [SubjectKey, SummaryFixture][] = [
    ['ip:198.51.100.2', flooder(24, 12)],
    ['prefix:198.51.100.0/24', flooder(80, 80, { ips: names('198.51.100.', 6) })],
    ['ja4:t13d1516h2_8daaf6152771_e5627efa2ab1', flooder(300, 0, { ips: names('ip-', 20) })],
    ['ip:192.0.2.1', human],
  ];
  const script = (split: 'whole' | 'halves' | 'reversed') => (step: number) =>
    subjects.flatMap(([subject, fixture]) => {
      if (split === 'whole') return [makeSummary(subject, step, fixture)];
      const [a, b] = halves(subject, step, fixture);
      return split === 'halves' ? [a, b] : [b, a];
    });
  const whole = runSteps(detector(), T0, 12, script('whole'));
  t.deepEqual(whole.map((s) => [s.subject, s.action]), [
    ['ip:198.51.100.2', 'block'],
    ['prefix:198.51.100.0/24', 'block'],
    ['ja4:t13d1516h2_8daaf6152771_e5627efa2ab1', 'challenge'],
  ]);
  t.deepEqual(runSteps(detector(), T0, 12, script('halves')), whole);
  t.deepEqual(runSteps(detector(), T0, 12, script('reversed')), whole);
});

test('cooldown: a prefix challenged, escalated to block when its flood turns pure, then renewed every half of prefix_ttl_ms while it lasts', (t) => {
  const signals = runSteps(detector(), T0, 50, (step, i) => [makeSummary('prefix:10.1.0.0/24', step, flooder(500, i < 10 ? 0 : 500, { ips: names('10.1.0.', 10) }))]);
  t.deepEqual(signals.map((s) => [s.action, (s.at - T0 - 900) / STEP_MS, s.ttl_ms]), [
    ['challenge', 0, 30_000],
    ['block', 10, 30_000],
    ['block', 25, 30_000],
    ['block', 40, 30_000],
  ]);
  // An ASN's people show within seconds (the guard caps it): fusion's population TTL, renewed after reemit_ms.
  const asn = runSteps(detector(), T0, 130, (step) => [makeSummary('asn:64503', step, flooder(500, 500, { ips: names('10.1.', 10) }))]);
  t.deepEqual(asn.map((s) => [s.action, (s.at - T0 - 900) / STEP_MS, s.ttl_ms]), [
    ['block', 0, undefined],
    ['block', 60, undefined],
    ['block', 120, undefined],
  ]);
  // An address is renewed only after reemit_ms (its verdict is its own: no population TTL hint).
  const ip = runSteps(detector(), T0, 130, (step) => [makeSummary('ip:198.18.0.1', step, flooder(50))]);
  t.deepEqual(ip.map((s) => [s.action, (s.at - T0 - 900) / STEP_MS, s.ttl_ms]), [
    ['block', 0, undefined],
    ['block', 60, undefined],
    ['block', 120, undefined],
  ]);
});

test('calm traffic holds no state; spiking subjects are tracked and expire', (t) => {
  const d = detector();
  runSteps(d, T0, 10, (step) => names('', 100).map((_, n) => makeSummary(`ip:192.0.2.${n}` as SubjectKey, step, { ...human, spiking_route: 0 })));
  t.is(d.stateSize().keys, 0);
  runSteps(d, T0 + 10_000, 1, (step) => [makeSummary('ip:192.0.2.1', step, human)]);
  t.is(d.trackedSubjects('ip'), 1);
  d.flush(T0 + 20_000);
  t.is(d.trackedSubjects('ip'), 0);
});

test('bounded state: a spray of 1,000,000 subjects keeps at most the cap, counts evictions, still catches a heavy hitter', async (t) => {
  const telemetry = nullTelemetry();
  const cap = 1_000;
  const d = detector({ subjects: { ip: { max_tracked_subjects: cap }, prefix: { max_tracked_subjects: cap } } }, telemetry);
  const spray = makeSummary('ip:10.0.0.0', T0, flooder(1));
  const prefixSpray = makeSummary('prefix:10.0.0.0/24', T0, flooder(1, 1, { ips: ['10.0.0.1'] }));
  const { signals, maxTracked: max, lastStep: step } = sprayByReuse(d, {
    spray: (i) => {
      const summary = i % 2 === 0 ? spray : prefixSpray;
      summary.subject = i % 2 === 0 ? sprayIp(i) : `prefix:p${i}`;
      return summary;
    },
    attacker: (step_ms) => makeSummary('ip:203.0.113.99', step_ms, flooder(10)),
    tracked: () => Math.max(d.trackedSubjects('ip'), d.trackedSubjects('prefix')),
  });
  t.is(max, cap);
  t.deepEqual([...new Set(signals.map((s) => s.subject))], ['ip:203.0.113.99']);
  t.true(d.stateSize().keys <= 2 * cap + 256, `keys ${d.stateSize().keys}`);
  t.true(d.stateSize().bytes < 4_000_000, `bytes ${d.stateSize().bytes}`);
  d.flush(step + 1_000_000);
  t.true((await metricValue(telemetry, METRIC.discarded, { reason: 'state_evicted' })) > 990_000);
});

test('score mapping: block 10…1, challenge 29…20, lower with cache busting and volume', (t) => {
  t.is(l7FloodScore(3, 0), 10);
  t.is(l7FloodScore(3, 1), 1);
  t.is(l7FloodScore(2, 0), 29);
  t.is(l7FloodScore(2, 1), 20);
  t.is(l7FloodScore(3, 2), 1);
});

test('config: defaults, unknown keys and inconsistent values', (t) => {
  const config = parseL7FloodConfig({});
  t.is(config.window_ms, 5_000);
  t.is(config.subjects.ip.min_requests, 20);
  t.is(config.min_spiking_share, 0.8);
  t.is(l7Flood.lookbackMs(config), 60_000, 'arrivals are followed for a minute');
  t.is(l7Flood.lookbackMs(parseL7FloodConfig({ arrivals: { enabled: false } })), 5_000);
  t.throws(() => parseL7FloodConfig({ arrivals: { min_requests: 4, block_min_requests: 3 } }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseL7FloodConfig({ window: 5 }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseL7FloodConfig({ block_min_spiking_share: 0.5 }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseL7FloodConfig({ window_ms: 5_000, step_ms: 2_000 }), { code: 'ERR_DETECTOR_CONFIG' });
});
