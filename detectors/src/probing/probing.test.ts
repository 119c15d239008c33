import test from 'ava';
import { METRIC, type SubjectKey } from '@botsieve/core';
import { nullTelemetry, type Telemetry } from '@botsieve/runtime';
import { registerGoldenTests } from '../test-support/detector-golden.js';
import { metricValue } from '../test-support/events.js';
import { createDetector, feedSpecHalves, feedSpecs, sprayBySpecs } from '../test-support/summary-detectors.js';
import { T0, range, type SummarySpec } from '../test-support/summary-specs.js';
import { parseProbingConfig } from './config.js';
import { ProbingDetector, probing } from './probing.js';

registerGoldenTests(test, 'probing', probing, 3);

const detector = (raw: unknown = {}, telemetry?: Telemetry) => createDetector<ProbingDetector>(probing, raw, telemetry);

/** One IP: `count` steps `every_ms` apart with `requests` requests, `probes` probes and `notFound` 404s each. */
function* ipSteps(ip: string, count: number, every_ms: number, requests: number, probes: number, notFound: number, start = T0): Generator<SummarySpec> {
  for (let i = 0; i < count; i++) {
    yield { subject: `ip:${ip}` as SubjectKey, step_ms: start + i * every_ms, counters: { requests, probes, not_found: notFound, client_errors: notFound } };
  }
}

test('a scanner: one probe logs, the third within the window blocks', (t) => {
  const signals = feedSpecs(detector(), ipSteps('203.0.113.5', 3, 240_000, 1, 1, 1));
  // The second probe comes 4 min after the first log: past the cooldown, it is logged again.
  t.deepEqual(signals.map((s) => s.action), ['log', 'log', 'block']);
  t.deepEqual(signals.map((s) => s.score), [49, 39, 10]);
  t.like(signals[2]!.evidence, { probes: 3, not_found: 3, requests: 3, distinct_ips: 1, window_ms: 480_999, rule_probes: 3, rule_not_found: 0 });
});

test('humans: a couple of 404s on a large site, a broken page, one curious /admin: nothing or a log', (t) => {
  const d = detector();
  // 200 requests in 10 minutes, 3 of them broken links.
  const browsing = [...ipSteps('192.0.2.1', 100, 6_000, 2, 0, 0)];
  for (const i of [10, 50, 90]) browsing[i]!.counters!.not_found = 1;
  t.deepEqual(feedSpecs(d, browsing), []);
  // A page whose 15 images are gone: 16 requests, 15 of them 404 (below min_requests).
  t.deepEqual(feedSpecs(d, ipSteps('192.0.2.2', 1, 1_000, 16, 0, 15)), []);
  const curious = feedSpecs(d, ipSteps('192.0.2.3', 1, 1_000, 1, 1, 0));
  t.deepEqual(curious.map((s) => s.action), ['log']);
});

test('404 fuzzing: logged at 10 not-found of ≥ 20 requests, challenged at 100, never blocked', (t) => {
  const signals = feedSpecs(detector(), ipSteps('203.0.113.6', 60, 1_000, 20, 0, 20));
  t.deepEqual(signals.slice(0, 2).map((s) => [s.action, s.evidence.not_found]), [['log', 20], ['challenge', 100]]);
  t.false(signals.some((s) => s.action === 'block'));
  t.like(signals[1]!.evidence, { error_ratio: 1, requests: 100, rule_not_found: 2 });
});

test('probes spread over a prefix: the prefix is challenged, each IP only logged', (t) => {
  const d = detector();
  const steps: SummarySpec[] = [];
  for (let i = 0; i < 30; i++) steps.push({ subject: 'prefix:198.51.100.0/24', step_ms: T0 + i * 10_000, counters: { requests: 3, probes: 1, not_found: 1 }, ips: [`198.51.100.${i}`] });
  const signals = feedSpecs(d, steps);
  // Logged at 5 probes, again each minute while it lasts, challenged at 20; never blocked.
  t.deepEqual(signals.map((s) => [s.action, s.evidence.probes]), [['log', 5], ['log', 11], ['log', 17], ['challenge', 20], ['challenge', 26]]);
  t.like(signals[3]!.evidence, { distinct_ips: 20, probe_ratio: 0.333, rule_probes: 2 });
  t.deepEqual(feedSpecs(d, ipSteps('198.51.100.7', 1, 10_000, 3, 1, 1)).map((s) => s.action), ['log']);
});

test('a mobile ASN and a Chrome JA4 with a few curious humans among many: nothing', (t) => {
  const d = detector();
  for (const subject of ['asn:64501', 'ja4:t13d1516h2_8daaf6152771_e5627efa2ab1'] as SubjectKey[]) {
    const steps: SummarySpec[] = [];
    // 10 minutes, 1,000 requests per second from 300 IPs; one probe from a new IP every 10 s.
    for (let i = 0; i < 600; i++) {
      steps.push({ subject, step_ms: T0 + i * 1_000, counters: { requests: 1_000, probes: i % 10 === 0 ? 1 : 0, not_found: 5 }, ips: range('100.64.', i * 300, 300) });
    }
    t.deepEqual(feedSpecs(d, steps), []);
    t.like(d.evidenceOf(subject.startsWith('asn') ? 'asn' : 'ja4', subject), { probes: 60, rule_probes: 0, rule_not_found: 0 });
  }
});

test('additive: every step split into two partial halves, in either order, gives the same signals as the whole', (t) => {
  const config = { subjects: { prefix: { probes: { log: 8, challenge: 20, block: 40 }, min_probe_ips: 3 } } };
  const steps: SummarySpec[] = [];
  for (let i = 0; i < 15; i++) steps.push({ subject: 'prefix:198.51.100.0/24', step_ms: T0 + i * 5_000, counters: { requests: 8, probes: 4, not_found: 4, client_errors: 6 }, ips: range('198.51.100.', i * 4, 4) });
  const whole = detector(config);
  const parts = detector(config);
  const expected = feedSpecs(whole, steps);
  const actual = feedSpecHalves(parts, steps, true);
  t.deepEqual(expected.map((s) => s.action), ['log', 'challenge', 'block']);
  t.deepEqual(actual, expected);
  t.deepEqual(parts.evidenceOf('prefix', 'prefix:198.51.100.0/24'), whole.evidenceOf('prefix', 'prefix:198.51.100.0/24'));
});

test('a late partial of the previous segment still counts; an older one is refused and counted', async (t) => {
  const telemetry = nullTelemetry();
  const d = detector({ window_ms: 60_000 }, telemetry);
  feedSpecs(d, ipSteps('203.0.113.20', 1, 1_000, 2, 0, 1, T0 + 60_000));
  feedSpecs(d, ipSteps('203.0.113.20', 1, 1_000, 2, 0, 0, T0 + 125_000));
  feedSpecs(d, ipSteps('203.0.113.20', 1, 1_000, 3, 0, 0, T0 + 61_000));
  feedSpecs(d, ipSteps('203.0.113.20', 1, 1_000, 5, 0, 0, T0 + 1_000));
  t.like(d.evidenceOf('ip', 'ip:203.0.113.20'), { requests: 7, not_found: 1 });
  d.flush(T0 + 126_000);
  t.is(await metricValue(telemetry, METRIC.discarded, { reason: 'late_summary' }), 1);
});

test('cooldown: sustained fuzzing repeats its action once per reemit_ms; escalation is immediate', (t) => {
  const d = detector();
  // 10 not-found per second for 5 minutes.
  const signals = feedSpecs(d, ipSteps('203.0.113.30', 300, 1_000, 10, 0, 10));
  t.deepEqual(signals.map((s) => s.action), ['log', 'challenge', 'challenge', 'challenge', 'challenge', 'challenge']);
  t.deepEqual(signals.map((s) => (s.at - T0 - 999) / 1_000), [1, 9, 69, 129, 189, 249]);
  const probes = feedSpecs(d, ipSteps('203.0.113.30', 1, 1_000, 3, 3, 3, T0 + 300_000));
  t.deepEqual(probes.map((s) => s.action), ['block']);
});

test('slow probing over hours: a probe every 6 min is blocked (three within a window), one every 25 min only logged', (t) => {
  const d = detector();
  const six = feedSpecs(d, ipSteps('203.0.113.40', 30, 360_000, 1, 1, 1));
  t.true(six.some((s) => s.action === 'block'));
  const sparse = feedSpecs(d, ipSteps('203.0.113.41', 12, 1_500_000, 1, 1, 1));
  t.is(sparse.length, 12);
  t.true(sparse.every((s) => s.action === 'log' && s.evidence.probes === 1));
});

test('bounded state: a spray of 1,000,000 distinct IPs never tracks more than the cap; the scanner is still caught', async (t) => {
  const telemetry = nullTelemetry();
  const cap = 1_000;
  const d = detector({ subjects: { ip: { max_tracked_subjects: cap } } }, telemetry);
  const { signals: caught, maxTracked: max } = sprayBySpecs(d, {
    spray: () => ({ counters: { requests: 1, not_found: 1 } }),
    attacker: (step_ms) => ({ subject: 'ip:203.0.113.99', step_ms, counters: { requests: 1, probes: 1 } }),
    attackerEvery: 100_000,
    tracked: () => d.trackedSubjects('ip'),
  });
  t.true(max <= cap, `tracked ${max}`);
  t.is(d.trackedSubjects('ip'), cap);
  t.true(d.stateSize().bytes < cap * 500, `bytes ${d.stateSize().bytes}`);
  d.flush(T0 + 2_000_000);
  t.true((await metricValue(telemetry, METRIC.discarded, { reason: 'state_evicted' })) > 990_000);
  // 100,000 subjects apart, the scanner is evicted between its probes and starts over each time (a
  // cap this small forgets: that is what the state_evicted metric says); nobody else is signalled.
  t.is(caught.length, 10);
  t.true(caught.every((s) => s.subject === 'ip:203.0.113.99' && s.action === 'log'));
});

test('flush releases a subject once its window is past and its cooldown over', (t) => {
  const d = detector();
  feedSpecs(d, ipSteps('203.0.113.50', 3, 1_000, 1, 1, 1));
  d.flush(T0 + 600_000);
  t.is(d.trackedSubjects('ip'), 1);
  d.flush(T0 + 1_200_000);
  t.is(d.trackedSubjects('ip'), 0);
  t.deepEqual(d.stateSize(), { keys: 0, bytes: 0 });
});

test('reconfigure swaps thresholds and keeps the counts', (t) => {
  const d = detector({ subjects: { ip: { probes: { log: null, challenge: null, block: 10 } } } });
  t.deepEqual(feedSpecs(d, ipSteps('203.0.113.60', 3, 1_000, 1, 1, 1)), []);
  d.reconfigure(parseProbingConfig({}));
  t.deepEqual(feedSpecs(d, ipSteps('203.0.113.60', 1, 1_000, 1, 1, 1, T0 + 3_000)).map((s) => [s.action, s.evidence.probes]), [['block', 4]]);
});

test('config: defaults, unknown keys and thresholds that do not rise', (t) => {
  const config = parseProbingConfig({});
  t.is(config.window_ms, 600_000);
  t.deepEqual(config.subjects.ip.probes, { log: 1, challenge: null, block: 3 });
  t.deepEqual(config.subjects.prefix.probes, { log: 5, challenge: 20, block: null });
  t.is(config.subjects.ip.min_requests, 20);
  t.is(config.subjects.ip.min_not_found_ratio, 0.5);
  t.is(probing.lookbackMs(config), 1_200_000);
  t.throws(() => parseProbingConfig({ subjects: { ip: { probe: {} } } }), { code: 'ERR_DETECTOR_CONFIG' });
  const error = t.throws(() => parseProbingConfig({ subjects: { asn: { not_found: { log: 5_000 } } } }), { code: 'ERR_DETECTOR_CONFIG' });
  t.regex(error?.message ?? '', /subjects\.asn\.not_found/);
});
