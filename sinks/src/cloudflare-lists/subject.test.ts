import test from 'ava';
import { ManualClock } from '@botsieve/runtime';
import { SlidingWindowBudget } from './budget.js';
import { DesiredState } from './desired-state.js';
import { ja4Rule, parseJa4Rule } from './ja4-rules.js';
import { formatMarker, parseMarker } from './marker.js';
import { canonicalIpValue, SubjectClassifier } from './subject.js';

const classifier = new SubjectClassifier({ cidrs: [], asns: [], ja4s: [] }, true);

test('subjects become canonical list values', (t) => {
  const cases: Array<[string, unknown]> = [
    ['ip:192.0.2.1', { kind: 'ip', value: '192.0.2.1' }],
    ['ip:2001:DB8:0:0:1::1', { kind: 'ip', value: '2001:db8::/64' }],
    ['ip:2001:db8:1:2:3:4:5:6', { kind: 'ip', value: '2001:db8:1:2::/64' }],
    ['ip:2606:4700::6810:85e5', { kind: 'ip', value: '2606:4700::/64' }],
    ['prefix:192.0.2.77/24', { kind: 'ip', value: '192.0.2.0/24' }],
    ['prefix:192.0.2.77/32', { kind: 'ip', value: '192.0.2.77' }],
    ['prefix:2001:db8:aa::/48', { kind: 'ip', value: '2001:db8:aa::/48' }],
    ['prefix:2001:db8:0:1:2::/96', { kind: 'ip', value: '2001:db8:0:1::/64' }],
    ['asn:013335', { kind: 'asn', value: '13335' }],
    ['ja4:t13d1516h2_8daaf6152771_02713d6af862', { kind: 'ja4', value: 't13d1516h2_8daaf6152771_02713d6af862' }],
    ['prefix:192.0.0.0/7', 'not_enforceable'],
    ['ua:curl/8', 'not_enforceable'],
    ['ipua:198.51.100.7 curl/8', 'not_enforceable'],
    ['ipua:198.51.100.7 ', 'not_enforceable'],
    ['ip:192.0.2.1/32', 'invalid_subject'],
    ['ip:300.1.1.1', 'invalid_subject'],
    ['asn:0', 'invalid_subject'],
    ['ja4:bad"quote', 'invalid_subject'],
    ['ip:::ffff:192.0.2.1', 'never_push'],
    ['ip:100.127.255.255', 'never_push'],
    ['ip:100.128.0.1', { kind: 'ip', value: '100.128.0.1' }],
    ['ip:224.0.0.1', 'never_push'],
    ['asn:4200000001', 'never_push'],
  ];
  for (const [subject, expected] of cases) t.deepEqual(classifier.classify(subject as `ip:${string}`), expected, subject);
  t.is(canonicalIpValue('2001:0db8:0000::/64'), '2001:db8::/64');
  t.is(canonicalIpValue('1:0:0:2:0:0:0:3/128'), '1:0:0:2::3/128', 'the longest zero run is compressed');
});

test('JA4 is not enforceable without Bot Management; never_push covers ASNs and JA4s', (t) => {
  const plain = new SubjectClassifier({ cidrs: [], asns: [13335], ja4s: ['t13d_safe'] }, false);
  t.is(plain.classify('ja4:t13d1516h2_8daaf6152771_02713d6af862'), 'not_enforceable');
  t.is(plain.classify('asn:13335'), 'never_push');
  t.is(new SubjectClassifier({ cidrs: [], asns: [], ja4s: ['t13d_safe'] }, true).classify('ja4:t13d_safe'), 'never_push');
  t.throws(() => new SubjectClassifier({ cidrs: ['10.0.0.0/33'], asns: [], ja4s: [] }, false));
});

test('markers and JA4 rules round-trip; comments stay within 500 characters', (t) => {
  const marker = { expires_at: 1_700_000_600_000, score: 7, traffic: 1234, verdict_id: 'v 1' };
  t.deepEqual(parseMarker(formatMarker(marker)), marker);
  t.is(parseMarker('added by hand'), undefined);
  t.is(formatMarker({ ...marker, verdict_id: 'x'.repeat(600) }).length, 500);
  const entry = { kind: 'ja4' as const, value: 'abc_1', action: 'block' as const, score: 3, expires_at: 99, verdict_id: 'v', traffic: 0 };
  const rule = ja4Rule('block', [entry, { ...entry, value: 'abc_0', score: 9, expires_at: 120 }]);
  t.is(rule.expression, '(cf.bot_management.ja4 in {"abc_0" "abc_1"}) and not cf.client.bot');
  t.deepEqual(parseJa4Rule(rule.expression, rule.description), { values: ['abc_0', 'abc_1'], expires_at: 120, score: 3 });
  // A rule written before verified bots were exempted is still ours: adopted, then rewritten.
  t.deepEqual(parseJa4Rule('cf.bot_management.ja4 in {"abc_0"}', rule.description), { values: ['abc_0'], expires_at: 120, score: 3 });
  t.is(parseJa4Rule('(cf.bot_management.ja4 in {"abc_0"}) and cf.client.bot', rule.description), undefined, 'not a form we write');
});

test('JA4s that do not fit the rule expression are left out, lowest priority first', (t) => {
  const desired = new DesiredState();
  for (let i = 0; i < 10; i++) desired.put({ kind: 'ja4', value: `fp_${i}`, action: 'block', score: 10 + i, expires_at: 1_000, verdict_id: `v${i}`, traffic: 0 }, 0);
  // `(cf.bot_management.ja4 in {` (27) + `"fp_0"` (6) + 2 × ` "fp_i"` (7) + `}) and not cf.client.bot` (24) = 71.
  const selection = desired.select(100, 71);
  t.deepEqual(selection.ja4.block.map((entry) => entry.value), ['fp_0', 'fp_1', 'fp_2']);
  t.is(selection.left_out, 7);
});

test('the sliding-window budget refills as spends leave the window', (t) => {
  const clock = new ManualClock(0);
  const budget = new SlidingWindowBudget(10, 1_000, clock);
  budget.spend(6);
  clock.advance(400);
  budget.spend(4);
  t.is(budget.available(), 0);
  t.is(budget.waitFor(5), 600, 'the first spend leaves the window at 1000');
  t.is(budget.waitFor(8), 1_000);
  clock.advance(600);
  t.is(budget.available(), 6);
  t.is(budget.waitFor(6), 0);
});

test('the desired state is bounded: past max_entries the lowest priority entries are forgotten', (t) => {
  let evicted = 0;
  const desired = new DesiredState(10, (count) => (evicted += count));
  for (let i = 0; i < 11; i++) desired.put({ kind: 'ip', value: `192.0.2.${i}`, action: i === 0 ? 'challenge' : 'block', score: 10 + i, expires_at: 1_000, verdict_id: `v${i}`, traffic: 0 }, 0);
  t.is(desired.size, 9);
  t.is(evicted, 2);
  t.is(desired.get('ip', '192.0.2.0'), undefined, 'the challenge goes first');
  t.is(desired.get('ip', '192.0.2.10'), undefined, 'then the highest score');
  t.not(desired.get('ip', '192.0.2.1'), undefined);
});
