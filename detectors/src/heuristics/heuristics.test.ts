import test from 'ava';
import { METRIC } from '@botsieve/core';
import { ManualClock, nullTelemetry } from '@botsieve/runtime';
import { defaultFeatures } from '../engine/default-features.js';
import type { EventFeatures } from '../engine/features.js';
import type { Signal } from '../engine/signal.js';
import { registerGoldenTests } from '../test-support/detector-golden.js';
import { makeEvent, metricValue } from '../test-support/events.js';
import { goldenCases } from '../test-support/golden.js';
import { heuristicsConfigSchema, parseHeuristicsConfig } from './config.js';
import { heuristics, HeuristicsDetector } from './heuristics.js';

const T0 = 1_700_000_000_000;
const cases = goldenCases('heuristics/testdata');

test('the required golden cases exist', (t) => {
  const names = cases.map((c) => c.name);
  for (const required of ['automation-ua', 'fake-googlebot', 'login-low-score-rule', 'cooldown', 'verified-never']) t.true(names.includes(required), required);
});

registerGoldenTests(test, 'heuristics', heuristics, 5);

function detector(raw: unknown, telemetry = nullTelemetry(), id = 'h'): HeuristicsDetector {
  const component = telemetry.component('detector/test');
  return heuristics.create(heuristics.parseConfig(raw), { clock: new ManualClock(T0), logger: component.log, metrics: component.metrics, id }) as HeuristicsDetector;
}

function hit(d: HeuristicsDetector, ip: string, ts: number, features: Partial<EventFeatures> = {}, path = '/login'): Signal[] {
  const event = makeEvent({ ip, timestamp_ms: ts, path, bot_score: 5 });
  return d.process(event, { ...defaultFeatures(event), ...features });
}

const loginRule = { rules: [{ id: 'login', expression: 'http.request.uri.path eq "/login"', score: 10, action: 'block' }], cooldown_ms: 10_000 };

test('a signal names the rule that fired and carries numbers only, and the client it judged', (t) => {
  const [signal] = hit(detector(loginRule), '192.0.2.1', T0);
  const user_agent = makeEvent().user_agent;
  t.deepEqual(signal, { subject: 'ip:192.0.2.1', at: T0, detector: 'h/login', score: 10, action: 'block', evidence: { matches: 1, rule_index: 0, bot_score: 5 }, user_agent });
  const noScore = detector(loginRule).process(makeEvent({ path: '/login' }), defaultFeatures(makeEvent()));
  t.deepEqual(noScore[0]?.evidence, { matches: 1, rule_index: 0 });
});

test('subjects: prefix, asn and ja4 rules; events without that subject are skipped', (t) => {
  const d = detector({
    rules: [
      { id: 'p', expression: 'http.host eq "example.com"', score: 30, action: 'log', subject: 'prefix' },
      { id: 'a', expression: 'http.host eq "example.com"', score: 30, action: 'log', subject: 'asn' },
      { id: 'j', expression: 'http.host eq "example.com"', score: 30, action: 'log', subject: 'ja4' },
    ],
  });
  const event = makeEvent({ ip: '2001:db8:1:2::9', prefix: '2001:db8:1:2::/64', asn: 0, ja4: 't13d1516h2_8daaf6152771_02713d6af862' });
  t.deepEqual(d.process(event, defaultFeatures(event)).map((s) => s.subject), ['prefix:2001:db8:1:2::/64', 'ja4:t13d1516h2_8daaf6152771_02713d6af862']);
  const later = d.process({ ...event, timestamp_ms: event.timestamp_ms + 600_000 }, defaultFeatures(event));
  t.is(later.length, 2);
  t.true(later.every((s) => s.user_agent === undefined), 'a rule on a population names no client');
});

test('reconfigure swaps rules at runtime and keeps the cooldowns of rules that stay', (t) => {
  const d = detector(loginRule);
  t.is(hit(d, '192.0.2.1', T0).length, 1);
  d.reconfigure(parseHeuristicsConfig({ ...loginRule, rules: [...loginRule.rules, { id: 'any-page', expression: 'http.request.method eq "GET"', score: 40, action: 'log' }] }));
  // `login` is still cooling down for this IP; the new rule signals at once.
  t.deepEqual(hit(d, '192.0.2.1', T0 + 1_000).map((s) => s.detector), ['h/any-page']);
  // A shorter cooldown applies to the state already there.
  d.reconfigure(parseHeuristicsConfig({ ...loginRule, cooldown_ms: 1_000 }));
  t.deepEqual(hit(d, '192.0.2.1', T0 + 2_000).map((s) => s.detector), ['h/login']);
});

test('bounded state: evictions are counted as discarded state_evicted; flush frees cooled-down pairs', async (t) => {
  const telemetry = nullTelemetry();
  const d = detector({ ...loginRule, max_tracked_subjects: 100 }, telemetry);
  for (let i = 0; i < 250; i++) hit(d, `198.51.100.${i}`, T0 + i);
  t.is(d.stateSize().keys, 100);
  d.flush(T0 + 250);
  t.is(await metricValue(telemetry, METRIC.discarded, { reason: 'state_evicted' }), 150);
  d.flush(T0 + 249 + 10_000); // a full cooldown after the last match: everything is freed
  t.deepEqual(d.stateSize(), { keys: 0, bytes: 0 });
});

test('config: defaults, lookback, and every problem listed with rule id and column', (t) => {
  const config = parseHeuristicsConfig(undefined);
  t.deepEqual(config.automation_ua, { enabled: true, score: 35, action: 'log' });
  t.deepEqual(config.fake_crawler, { enabled: true, score: 2, action: 'block', on_user_agent: true });
  t.deepEqual(config.ua_ja4_mismatch, { enabled: true, score: 15, action: 'challenge' });
  t.is(config.cooldown_ms, 60_000);
  t.is(config.max_tracked_subjects, 100_000);
  t.is(heuristics.lookbackMs(config), 60_000);
  const error = t.throws(
    () =>
      parseHeuristicsConfig({
        rules: [
          { id: 'bad-type', expression: 'http.user_agent lt 3', score: 10, action: 'block' },
          { id: 'bad-type', expression: 'http.host eq "x"', score: 10, action: 'block' },
          { id: 'fake_crawler', expression: 'http.host eq "x"', score: 100, action: 'ban' },
        ],
        browser_ja4_a_patterns: ['('],
        extra: 1,
      }),
    { code: 'ERR_DETECTOR_CONFIG' },
  );
  for (const part of ["rules.0.expression: rule error at column 17", "rules.1.id: rule id 'bad-type' is already used by another rule", 'rules.2.id', 'built-in', 'rules.2.score', 'rules.2.action', 'browser_ja4_a_patterns.0', 'extra']) {
    t.true(error?.message.includes(part), `${part} in:\n${error?.message}`);
  }
});

test('every config field is described', (t) => {
  for (const [key, field] of Object.entries(heuristicsConfigSchema.shape)) t.truthy(field.description, key);
});
