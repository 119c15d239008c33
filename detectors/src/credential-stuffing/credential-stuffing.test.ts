import test from 'ava';
import { METRIC, type SubjectKey } from '@botsieve/core';
import { nullTelemetry, type Telemetry } from '@botsieve/runtime';
import type { Signal } from '../engine/signal.js';
import { registerGoldenTests } from '../test-support/detector-golden.js';
import { metricValue } from '../test-support/events.js';
import { createDetector, feedSpecHalves, feedSpecs, sprayBySpecs } from '../test-support/summary-detectors.js';
import { T0, range, type SummarySpec } from '../test-support/summary-specs.js';
import { parseCredentialStuffingConfig } from './config.js';
import { CredentialStuffingDetector, credentialStuffing } from './credential-stuffing.js';

registerGoldenTests(test, 'credential-stuffing', credentialStuffing, 3);

const detector = (raw: unknown = {}, telemetry?: Telemetry) => createDetector<CredentialStuffingDetector>(credentialStuffing, raw, telemetry);

/** One IP: `count` steps `every_ms` apart, each with `logins` attempts of which `failures` fail. */
function* ipLogins(ip: string, count: number, every_ms: number, logins: number, failures: number, start = T0): Generator<SummarySpec> {
  for (let i = 0; i < count; i++) {
    yield { subject: `ip:${ip}` as SubjectKey, step_ms: start + i * every_ms, counters: { requests: logins, logins, login_failures: failures } };
  }
}

/** An aggregate: `count` steps, each with `ipsPerStep` new IPs making one attempt each, `failures` of them failing. */
function* rotating(subject: SubjectKey, count: number, every_ms: number, ipsPerStep: number, failures: (i: number) => number, start = T0): Generator<SummarySpec> {
  for (let i = 0; i < count; i++) {
    const ips = range('198.51.', i * ipsPerStep, ipsPerStep);
    yield { subject, step_ms: start + i * every_ms, counters: { requests: ipsPerStep, logins: ipsPerStep, login_failures: failures(i) }, ips };
  }
}

test('brute force from one IP: log at 5 failures, challenge at 10, block at 30 (defaults)', (t) => {
  // 1 failure every 2 s for 100 s: the block comes 40 s after the challenge, inside the cooldown of neither.
  const signals = feedSpecs(detector(), ipLogins('203.0.113.9', 50, 2_000, 1, 1));
  t.deepEqual(signals.map((s) => s.action), ['log', 'challenge', 'block']);
  t.deepEqual(signals.map((s) => s.evidence.login_failures), [5, 10, 30]);
  t.deepEqual(signals.map((s) => s.score), [49, 29, 10]);
  const block = signals[2]!;
  t.is(block.subject, 'ip:203.0.113.9');
  t.is(block.detector, 'credential-stuffing');
  t.is(block.at, T0 + 29 * 2_000 + 999);
  t.like(block.evidence, { login_attempts: 30, failure_ratio: 1, distinct_ips: 1, attempts_per_ip: 30, window_ms: 58_999, rule_failures: 3 });
});

test('humans: two typos, an office of 40 behind one NAT every morning for a week: nothing', (t) => {
  const d = detector();
  t.deepEqual(feedSpecs(d, ipLogins('192.0.2.1', 3, 20_000, 1, 0)), []);
  t.deepEqual(feedSpecs(d, ipLogins('192.0.2.2', 2, 15_000, 1, 1)), []);
  const office: SummarySpec[] = [];
  for (let day = 0; day < 7; day++) {
    // 40 people log in over ten minutes; 1 in 10 mistypes once.
    for (let i = 0; i < 44; i++) office.push({ subject: 'ip:192.0.2.50', step_ms: T0 + day * 86_400_000 + i * 13_000, counters: { requests: 1, logins: 1, login_failures: i % 11 === 0 ? 1 : 0 } });
  }
  t.deepEqual(feedSpecs(d, office), []);
  t.like(d.evidenceOf('ip', 'ip:192.0.2.50'), { login_attempts: 44, login_failures: 4 });
});

test('credential stuffing over rotating IPs: the ASN is challenged, never blocked; each IP alone is not', (t) => {
  // Without the surge rule: the windowed failures log, then challenge.
  const d = detector({ subjects: { asn: { surge_failures: { log: null, challenge: null, block: null } } } });
  // 300 IPs over 5 min, one attempt each, 9 in 10 failing.
  const signals = feedSpecs(d, rotating('asn:64500', 100, 3_000, 3, (i) => (i % 10 === 0 ? 2 : 3)));
  t.deepEqual(signals.slice(0, 2).map((s) => s.action), ['log', 'challenge']);
  // While it lasts, the challenge is repeated once per reemit_ms (60 s), never raised to block.
  t.deepEqual(signals.slice(2).map((s) => s.action), ['challenge', 'challenge', 'challenge', 'challenge']);
  const [log, challenge] = signals as [Signal, Signal];
  t.like(log.evidence, { login_attempts: 21, login_failures: 20, distinct_ips: 21, rule_failures: 1 });
  t.is(challenge.subject, 'asn:64500');
  t.is(challenge.score, 29);
  t.like(challenge.evidence, { login_attempts: 54, login_failures: 52, distinct_ips: 54, attempts_per_ip: 1, failure_ratio: 0.963, rule_failures: 2 });
  t.deepEqual(feedSpecs(d, ipLogins('198.51.0.7', 1, 1_000, 1, 1)), []);
  // With it (the defaults): these failures are the whole login route, far above its baseline share,
  // so the ASN is challenged at its 3rd failure from 3 login-only IPs, within the first second.
  const surge = feedSpecs(detector(), rotating('asn:64500', 100, 3_000, 3, (i) => (i % 10 === 0 ? 2 : 3)));
  t.deepEqual([...new Set(surge.map((s) => s.action))], ['challenge']);
  // The route's excess reaches 8 failures at the 4th step (11 failures of 12 against the 15 % prior).
  t.like(surge[0]!.evidence, { login_failures: 11, login_only_ips: 12, rule_surge_failures: 2, rule_failures: 0, route_failures: 11, route_baseline_share: 0.15 });
  t.is(surge[0]!.at, T0 + 3 * 3_000 + 999);
});

test('aggregates of humans: a mobile ASN and a Chrome JA4 with a 10 % failure ratio, and few IPs failing a lot: nothing', (t) => {
  const d = detector();
  t.deepEqual(feedSpecs(d, rotating('asn:64501', 300, 1_000, 20, (i) => (i % 2 === 0 ? 2 : 2))), []);
  t.deepEqual(feedSpecs(d, rotating('ja4:t13d1516h2_8daaf6152771_e5627efa2ab1', 300, 1_000, 20, () => 2)), []);
  // 5 IPs of one /24 failing every attempt: the prefix rule needs 10 IPs (each IP is the ip: rule's job).
  const few: SummarySpec[] = [];
  for (let i = 0; i < 100; i++) few.push({ subject: 'prefix:192.0.2.0/24', step_ms: T0 + i * 1_000, counters: { logins: 1, login_failures: 1 }, ips: [`192.0.2.${i % 5}`] });
  t.deepEqual(feedSpecs(d, few), []);
  t.like(d.evidenceOf('prefix', 'prefix:192.0.2.0/24'), { login_failures: 100, distinct_ips: 5 });
});

test('additive: every step split into two partial halves, in either order, gives the same signals as the whole', (t) => {
  // The surge rule judges the route at each partial (a half can cross its threshold before the
  // whole step would): signals are compared without it; its state adds up like the rest (below).
  const config = { subjects: { asn: { failures: { log: 20, challenge: 40, block: 80 }, long_failures: { log: null, challenge: null, block: null }, surge_failures: { log: null, challenge: null, block: null } } } };
  const steps = [...rotating('asn:64502', 40, 2_000, 4, () => 4)];
  const whole = detector(config);
  const parts = detector(config);
  const expected = feedSpecs(whole, steps);
  const actual = feedSpecHalves(parts, steps, false);
  t.deepEqual(expected.map((s) => s.action), ['log', 'challenge', 'block']);
  t.deepEqual(actual, expected);
  t.deepEqual(parts.evidenceOf('asn', 'asn:64502'), whole.evidenceOf('asn', 'asn:64502'));
});

test('a late partial of the previous segment still counts; an older one is refused and counted', async (t) => {
  const telemetry = nullTelemetry();
  const d = detector({ window_ms: 60_000 }, telemetry);
  feedSpecs(d, ipLogins('203.0.113.20', 1, 1_000, 2, 0, T0 + 60_000));
  feedSpecs(d, ipLogins('203.0.113.20', 1, 1_000, 2, 0, T0 + 125_000)); // segment 2: the window is segments 1–2
  feedSpecs(d, ipLogins('203.0.113.20', 1, 1_000, 3, 0, T0 + 61_000)); // segment 1, late: adds
  feedSpecs(d, ipLogins('203.0.113.20', 1, 1_000, 5, 0, T0 + 1_000)); // segment 0: refused
  t.like(d.evidenceOf('ip', 'ip:203.0.113.20'), { login_attempts: 7, window_ms: 125_999 - 60_000 });
  d.flush(T0 + 126_000);
  t.is(await metricValue(telemetry, METRIC.discarded, { reason: 'late_summary' }), 1);
});

test('cooldown: a sustained attack re-signals its action once per reemit_ms; escalation is immediate', (t) => {
  const d = detector({ reemit_ms: 60_000, subjects: { ip: { failures: { log: null, challenge: 10, block: 1_000 }, long_failures: { log: null, challenge: null, block: null } } } });
  // 1 failure per second for 5 minutes: challenge from the 10th, again every 60 s.
  const signals = feedSpecs(d, ipLogins('203.0.113.30', 300, 1_000, 1, 1));
  t.deepEqual(signals.map((s) => s.action), ['challenge', 'challenge', 'challenge', 'challenge', 'challenge']);
  t.deepEqual(signals.map((s) => (s.at - T0 - 999) / 1_000), [9, 69, 129, 189, 249]);
  // A burst past the block threshold escalates at once.
  const burst = feedSpecs(d, ipLogins('203.0.113.30', 1, 1_000, 800, 800, T0 + 300_000));
  t.deepEqual(burst.map((s) => s.action), ['block']);
});

test('low and slow: a failure every 150 s for hours stays under the short window but the long one logs it', (t) => {
  const d = detector();
  const signals = feedSpecs(d, ipLogins('203.0.113.40', 120, 150_000, 1, 1)); // 5 hours
  t.deepEqual(signals.map((s) => s.action).slice(0, 1), ['log']);
  const first = signals[0]!;
  t.is(first.evidence.rule_failures, 0);
  t.is(first.evidence.rule_long_failures, 1);
  t.true(first.at - T0 > 3_600_000, `first signal after ${(first.at - T0) / 60_000} min`);
  t.true(first.evidence.long_failures! >= 15 && first.evidence.long_failures! < 18);
  // A human failing once an hour for a day: nothing.
  t.deepEqual(feedSpecs(d, ipLogins('192.0.2.60', 24, 3_600_000, 3, 1)), []);
});

test('bounded state: a spray of 1,000,000 distinct IPs never tracks more than the cap; the attacker is still caught', async (t) => {
  const telemetry = nullTelemetry();
  const cap = 1_000;
  const d = detector({ subjects: { ip: { max_tracked_subjects: cap } } }, telemetry);
  const { signals: caught, maxTracked: max } = sprayBySpecs(d, {
    spray: () => ({ counters: { logins: 1, login_failures: 1 } }),
    attacker: (step_ms) => ({ subject: 'ip:203.0.113.99', step_ms, counters: { logins: 1, login_failures: 1 } }),
    attackerEvery: 100,
    tracked: () => d.trackedSubjects('ip'),
  });
  t.true(max <= cap, `tracked ${max}`);
  t.is(d.trackedSubjects('ip'), cap);
  t.deepEqual([...new Set(caught.map((s) => `${s.subject} ${s.action}`))], ['ip:203.0.113.99 log', 'ip:203.0.113.99 challenge', 'ip:203.0.113.99 block']);
  t.true(d.stateSize().bytes < cap * 600, `bytes ${d.stateSize().bytes}`);
  d.flush(T0 + 2_000_000);
  t.true((await metricValue(telemetry, METRIC.discarded, { reason: 'state_evicted' })) > 990_000);
});

test('flush releases a subject once its windows are past, its long history faded and its cooldown over', (t) => {
  const d = detector();
  feedSpecs(d, ipLogins('203.0.113.50', 12, 1_000, 1, 1));
  d.flush(T0 + 600_000);
  t.is(d.trackedSubjects('ip'), 1); // long window (30 min half-life) still remembers 12 failures
  d.flush(T0 + 4 * 3_600_000);
  t.is(d.trackedSubjects('ip'), 0);
  t.deepEqual(d.stateSize(), { keys: 0, bytes: 0 });
});

test('reconfigure swaps thresholds and keeps the counts', (t) => {
  const d = detector();
  t.deepEqual(feedSpecs(d, ipLogins('203.0.113.60', 4, 1_000, 1, 1)), []);
  d.reconfigure(parseCredentialStuffingConfig({ subjects: { ip: { failures: { log: 2, challenge: 3, block: 5 } } } }));
  const signals = feedSpecs(d, ipLogins('203.0.113.60', 1, 1_000, 1, 1, T0 + 4_000));
  t.deepEqual(signals.map((s) => [s.action, s.evidence.login_failures]), [['block', 5]]);
});

test('config: defaults, unknown keys and thresholds that do not rise', (t) => {
  const config = parseCredentialStuffingConfig({});
  t.is(config.window_ms, 300_000);
  t.is(config.long_half_life_ms, 1_800_000);
  t.deepEqual(config.subjects.ip.failures, { log: 5, challenge: 10, block: 30 });
  t.is(config.subjects.ip.min_failure_ratio, 0.5);
  t.deepEqual(config.subjects.asn.failures, { log: 20, challenge: 50, block: null });
  t.is(config.subjects.ja4.min_distinct_ips, 10);
  t.is(credentialStuffing.lookbackMs(config), 3_600_000);
  t.throws(() => parseCredentialStuffingConfig({ windw_ms: 5 }), { code: 'ERR_DETECTOR_CONFIG' });
  const error = t.throws(() => parseCredentialStuffingConfig({ subjects: { ip: { failures: { challenge: 40 } } } }), { code: 'ERR_DETECTOR_CONFIG' });
  t.regex(error?.message ?? '', /subjects\.ip\.failures/);
});
