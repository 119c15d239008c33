import test from 'ava';
import { METRIC, type SubjectKey } from '@botsieve/core';
import { nullTelemetry, type Telemetry } from '@botsieve/runtime';
import type { Summary } from '../engine/summary.js';
import { registerGoldenTests } from '../test-support/detector-golden.js';
import { metricValue } from '../test-support/events.js';
import { createDetector, runSteps, sprayByReuse, sprayIp } from '../test-support/summary-detectors.js';
import { halves, makeSummary, names, STEP_MS, T0, type SummaryFixture } from '../test-support/summary-fixtures.js';
import { parseVolumetricConfig } from './config.js';
import { volumetric, VolumetricDetector, volumetricScore } from './volumetric.js';

registerGoldenTests(test, 'volumetric', volumetric, 3);

const detector = (raw: unknown = {}, telemetry?: Telemetry) => createDetector<VolumetricDetector>(volumetric, raw, telemetry);

/** A scripted client: `requests` pages per step, no assets, one user agent. */
const bot = (requests: number): SummaryFixture => ({ requests, pages: requests, browser_ua: requests, uas: ['curl/8'], top_route: 'shop.example/', top_route_requests: requests });
/** The same from a tool's user agent: what a population (prefix, ASN, JA4) is judged on by volume. */
const tool = (requests: number): SummaryFixture => ({ ...bot(requests), browser_ua: 0, automation_ua: requests });

test('floors per kind: ip 100/300, prefix 400/1200; asn and ja4 off by default', (t) => {
  const d = detector();
  const ip = runSteps(d, T0, 10, (step) => [makeSummary('ip:198.51.100.1', step, bot(30))]);
  t.deepEqual(ip.map((s) => [s.action, s.evidence.requests, s.evidence.threshold]), [['challenge', 120, 100], ['block', 300, 300]]);
  t.deepEqual(ip[1], {
    subject: 'ip:198.51.100.1',
    at: T0 + 9 * STEP_MS + 900,
    detector: 'volumetric',
    score: 10,
    action: 'block',
    evidence: { requests: 300, window_ms: 10_000, rate_per_s: 30, baseline_per_s: 0, threshold: 300, assets_ratio: 0, distinct_uas: 1, distinct_routes: 1, humans_estimate: 1 },
  });
  const prefix = runSteps(detector(), T0, 10, (step) => [makeSummary('prefix:198.51.100.0/24', step, tool(120))]);
  t.deepEqual(prefix.map((s) => [s.action, s.evidence.requests, s.evidence.threshold]), [['challenge', 480, 400], ['block', 1200, 1200]]);
  t.deepEqual(prefix[0]?.evidence.distinct_uas, 0, 'prefix does not track user agents by default');
  const off = detector();
  t.deepEqual(runSteps(off, T0, 10, (step) => [makeSummary('asn:64500', step, tool(100_000)), makeSummary('ja4:t13d1516h2_8daaf6152771_e5627efa2ab1', step, tool(100_000))]), []);
  t.is(off.stateSize().keys, 0);
  const on = detector({ subjects: { asn: { enabled: true } } });
  t.deepEqual(runSteps(on, T0, 10, (step) => [makeSummary('asn:64500', step, tool(6_000))]).map((s) => s.action), ['challenge', 'block']);
});

test('populations naming people\'s clients are not judged by volume: a /24 of browsers may carry people not seen yet; a library\'s TLS under a browser\'s user agent is a tool', (t) => {
  t.deepEqual(runSteps(detector(), T0, 10, (step) => [makeSummary('prefix:198.51.100.0/24', step, bot(200))]), []);
  const mismatched = runSteps(detector(), T0, 10, (step) => [makeSummary('prefix:198.51.100.0/24', step, { ...bot(200), ua_ja4_mismatch: 200 })]);
  t.deepEqual(mismatched.map((s) => s.action), ['challenge', 'block']);
});

test('a carrier NAT exit of app users (two user agents, no pages, a new main route every few seconds) scales with its people; one app-copying client at the same rate does not', (t) => {
  const routes = ['shop.example/api/events', 'shop.example/api/products/:id', 'shop.example/api/recommendations', 'shop.example/api/home', 'shop.example/api/config'];
  const exit = (step: number): SummaryFixture => ({ requests: 60, api: 60, app_ua: 60, uas: ['okhttp/4.12.0', 'okhttp/4.11.0'], top_route: routes[Math.floor(step / 1_000) % routes.length] ?? '', top_route_requests: 20 });
  const scraper: SummaryFixture = { requests: 60, api: 60, app_ua: 60, uas: ['okhttp/4.12.0'], top_route: 'shop.example/api/products/:id', top_route_requests: 60 };
  const signals = runSteps(detector(), T0, 90, (step) => [makeSummary('ip:100.64.1.1', step, exit(step)), makeSummary('ip:198.51.100.30', step, scraper)]);
  t.false(signals.some((s) => s.subject === 'ip:100.64.1.1'), '600 requests a window, 60 people');
  t.deepEqual([...new Set(signals.map((s) => `${s.subject} ${s.action}`))], ['ip:198.51.100.30 challenge', 'ip:198.51.100.30 block']);
  // The same exit failing like a stuffing run (logins failing) is not people.
  const failing = runSteps(detector(), T0, 20, (step) => [makeSummary('ip:100.64.1.2', step, { ...exit(step), logins: 30, login_failures: 30 })]);
  t.true(failing.some((s) => s.action === 'block'));
});

test('the window slides: 9 per second never reaches 100 per 10 s', (t) => {
  t.deepEqual(runSteps(detector(), T0, 60, (step) => [makeSummary('ip:198.51.100.2', step, bot(9))]), []);
});

test('additive partial summaries: two halves, in either order, give the same signals as the whole', (t) => {
  const nat: SummaryFixture = { requests: 50, pages: 5, assets: 45, browser_ua: 50, uas: names('ua-', 6), top_route: 'shop.example/' }; // 500 per window < 6 × 100
  const script = (split: 'whole' | 'halves' | 'reversed') => (step: number) => {
    const out: Summary[] = [];
    for (const [subject, fixture] of [['ip:198.51.100.3', bot(60)], ['ip:198.51.100.4', nat]] as [SubjectKey, SummaryFixture][]) {
      if (split === 'whole') out.push(makeSummary(subject, step, fixture));
      else {
        const [a, b] = halves(subject, step, fixture);
        out.push(...(split === 'halves' ? [a, b] : [b, a]));
      }
    }
    return out;
  };
  const whole = runSteps(detector(), T0, 30, script('whole'));
  t.deepEqual(whole.map((s) => [s.subject, s.action]), [['ip:198.51.100.3', 'challenge'], ['ip:198.51.100.3', 'block']]);
  t.deepEqual(runSteps(detector(), T0, 30, script('halves')), whole);
  t.deepEqual(runSteps(detector(), T0, 30, script('reversed')), whole);
});

test('cooldown: challenge, escalation to block, then silence until reemit_ms', (t) => {
  const signals = runSteps(detector(), T0, 150, (step) => [makeSummary('ip:198.51.100.5', step, bot(50))]);
  t.deepEqual(signals.map((s) => [s.action, (s.at - T0 - 900) / STEP_MS]), [['challenge', 1], ['block', 5], ['block', 65], ['block', 125]]);
});

test('bounded state: a spray of 1,000,000 subjects keeps at most the cap, counts evictions, still catches a heavy hitter', async (t) => {
  const telemetry = nullTelemetry();
  const cap = 1_000;
  const d = detector({ subjects: { ip: { max_tracked_subjects: cap } } }, telemetry);
  const spray = makeSummary('ip:10.0.0.0', T0, bot(1));
  const { signals, maxTracked: max, lastStep: step } = sprayByReuse(d, {
    spray: (i) => {
      spray.subject = sprayIp(i);
      return spray;
    },
    attacker: (step_ms) => makeSummary('ip:203.0.113.99', step_ms, bot(10)),
    tracked: () => d.trackedSubjects('ip'),
  });
  t.is(max, cap);
  t.true(d.trackedSubjects('ip') <= cap);
  t.deepEqual([...new Set(signals.map((s) => s.subject))], ['ip:203.0.113.99']);
  t.true(d.stateSize().bytes < 2_000_000, `bytes ${d.stateSize().bytes}`);
  d.flush(step + 1_000_000);
  t.is(d.trackedSubjects('ip'), 0);
  t.true((await metricValue(telemetry, METRIC.discarded, { reason: 'state_evicted' })) > 990_000);
});

test('baseline: a steadily busy site draws no signal once learned; a 30× jump does, and does not poison it', (t) => {
  const d = detector();
  const route = 'api.example/v1/items';
  const busy = (i: number, step: number) => makeSummary(`ip:192.0.2.${i}` as SubjectKey, step, { ...bot(25), top_route: route });
  // 50 clients at 25 requests per second (250 per window: above the ip floors) for 5 minutes.
  const steady = runSteps(d, T0, 300, (step) => names('', 50).map((_, i) => busy(i, step)));
  // Floors alone while the baseline warms up (one window to fill, then 60 steps): a challenge
  // at 100 requests, and again when the cooldown ends at 63 s; none once the baseline is ready.
  t.deepEqual([...new Set(steady.map((s) => `${s.action}@${Math.floor((s.at - T0) / STEP_MS)}`))], ['challenge@3', 'challenge@63']);
  const learned = d.baselineLevel('ip', route);
  t.true(learned >= 240 && learned <= 260, `level ${learned}`);
  // 50 new clients at 30× the normal peak, from one second to the next, for 10 minutes.
  const flood = runSteps(d, T0 + 300_000, 600, (step) => [...names('', 50).map((_, i) => busy(i, step)), ...names('', 50).map((_, i) => makeSummary(`ip:198.18.0.${i}` as SubjectKey, step, { ...bot(750), top_route: route }))]);
  t.false(flood.some((s) => s.subject.startsWith('ip:192.0.2.')), 'the steady clients stay unsignalled');
  const firstBlocks = new Map<string, number>();
  for (const s of flood) if (s.action === 'block' && !firstBlocks.has(s.subject)) firstBlocks.set(s.subject, s.at - (T0 + 300_000));
  t.is(firstBlocks.size, 50);
  t.true([...firstBlocks.values()].every((ms) => ms < 5_000), 'blocked within 5 s of the jump');
  const level = d.baselineLevel('ip', route);
  t.true(level < 1.1 * learned, `level after 10 minutes of flood ${level} (learned ${learned})`);
  t.is(flood.filter((s) => s.subject === 'ip:198.18.0.0' && s.action === 'block').length, 10, 'still blocked at every end of the cooldown');
});

test('shared IPs: a NAT of 40 browsers loading assets is not signalled; one UA, or 40 UAs without assets, at the same rate is blocked', (t) => {
  const d = detector();
  const nat: SummaryFixture = { requests: 80, pages: 8, assets: 72, browser_ua: 80, uas: names('Mozilla/5.0 browser ', 40) };
  const rotating: SummaryFixture = { requests: 80, pages: 80, browser_ua: 80, uas: names('Mozilla/5.0 browser ', 40) };
  const signals = runSteps(d, T0, 30, (step) => [makeSummary('ip:100.64.0.1', step, nat), makeSummary('ip:198.51.100.6', step, bot(80)), makeSummary('ip:198.51.100.7', step, rotating)]);
  t.deepEqual(signals.filter((s) => s.action === 'block').map((s) => [s.subject, s.evidence.requests, s.evidence.distinct_uas, s.evidence.humans_estimate]), [
    ['ip:198.51.100.6', 320, 1, 1],
    ['ip:198.51.100.7', 320, 40, 1],
  ]);
  t.false(signals.some((s) => s.subject === 'ip:100.64.0.1'));
  // The same NAT at 4× the rate (3,200 per window) crosses the scaled challenge threshold (40 × 100).
  const busier = runSteps(detector(), T0, 12, (step) => [makeSummary('ip:100.64.0.1', step, { ...nat, requests: 400, pages: 40, assets: 360, browser_ua: 400 })]);
  t.deepEqual(busier.map((s) => [s.action, s.evidence.threshold, s.evidence.humans_estimate]), [['challenge', 4_000, 40]]);
});

test('reconfigure swaps floors and keeps the windows', (t) => {
  const d = detector();
  t.deepEqual(runSteps(d, T0, 3, (step) => [makeSummary('ip:198.51.100.8', step, bot(20))]), []);
  d.reconfigure(parseVolumetricConfig({ subjects: { ip: { challenge_requests: 70, block_requests: 500 } } }));
  const signals = runSteps(d, T0 + 3 * STEP_MS, 1, (step) => [makeSummary('ip:198.51.100.8', step, bot(20))]);
  t.deepEqual(signals.map((s) => [s.action, s.evidence.requests, s.evidence.threshold]), [['challenge', 80, 70]]);
  d.reconfigure(parseVolumetricConfig({ window_ms: 5_000 }));
  t.is(d.trackedSubjects('ip'), 0, 'a new window length starts afresh');
});

test('late partial summaries older than the window are counted, not added', async (t) => {
  const telemetry = nullTelemetry();
  const d = detector({}, telemetry);
  d.summary(makeSummary('ip:198.51.100.9', T0 + 20_000, bot(50)));
  t.deepEqual(d.summary(makeSummary('ip:198.51.100.9', T0, bot(500))), []);
  d.flush(T0 + 21_000);
  t.is(await metricValue(telemetry, METRIC.discarded, { reason: 'summary_too_late' }), 1);
});

test('score mapping: block 10…1, challenge 29…20', (t) => {
  t.is(volumetricScore(3, 300, 100, 300), 10);
  t.is(volumetricScore(3, 600, 100, 300), 5);
  t.is(volumetricScore(3, 30_000, 100, 300), 1);
  t.is(volumetricScore(2, 100, 100, 300), 29);
  t.is(volumetricScore(2, 299, 100, 300), 21);
});

test('config: defaults, unknown keys and inconsistent values', (t) => {
  const config = parseVolumetricConfig({});
  t.is(config.window_ms, 10_000);
  t.is(config.subjects.ip.challenge_requests, 100);
  t.false(config.subjects.asn.enabled);
  t.is(config.human_assets_ratio, 1);
  t.is(volumetric.lookbackMs(config), 10_000);
  t.throws(() => parseVolumetricConfig({ windw_ms: 5 }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseVolumetricConfig({ subjects: { ip: { challenge_requests: 300, block_requests: 300 } } }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseVolumetricConfig({ baseline: { challenge_factor: 10, block_factor: 3 } }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseVolumetricConfig({ window_ms: 10_000, step_ms: 3_000 }), { code: 'ERR_DETECTOR_CONFIG' });
});
