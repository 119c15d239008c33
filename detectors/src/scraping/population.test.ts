/**
 * `scraping`'s population rules (aggregates: ASN, JA4, user agent, prefix): api_fleet, and what
 * every population rule waits for: no human seen in the subject (presence) and the detector
 * having watched long enough (min_watched_ms). The distributed rule's thresholds are in
 * scraping.test.ts.
 */
import test from 'ava';
import type { SubjectKey } from '@botsieve/core';
import type { Signal } from '../engine/signal.js';
import { createDetector, feedSpecs } from '../test-support/summary-detectors.js';
import type { SummaryCounter } from '../engine/summary.js';
import { T0, range, type SummarySpec } from '../test-support/summary-specs.js';
import { ScrapingDetector, scraping } from './scraping.js';

const detector = (raw: unknown = {}) => createDetector<ScrapingDetector>(scraping, raw);

const PYTHON = 'ua:python-requests/2.31.0' as SubjectKey;
const FLEET_JA4 = 'ja4:t13d190900_9dc949149365_97f8aa674fd9' as SubjectKey;

/** `count` fresh addresses, one a second from `start`, each making one API call (no Referer, new to the client memory). */
function apiCalls(subject: SubjectKey, count: number, start = T0, extra: Partial<Record<SummaryCounter, number>> = {}): SummarySpec[] {
  const out: SummarySpec[] = [];
  for (let i = 0; i < count; i++) out.push({ subject, step_ms: start + i * 1_000, counters: { requests: 1, api: 1, new_clients: 1, ...extra }, ips: [`198.18.${i >> 8}.${i & 255}`] });
  return out;
}

/** A rotating fleet: `seconds` steps from `start`, 2 pages a second from 2 addresses used once, no assets, no Referer. */
function pageFleet(subject: SubjectKey, seconds: number, start = T0): SummarySpec[] {
  const out: SummarySpec[] = [];
  for (let i = 0; i < seconds; i++) out.push({ subject, step_ms: start + i * 1_000, counters: { requests: 2, pages: 2 }, urls: range('/p/', 2 * i, 2), ips: range('100.64.', 2 * i, 2) });
  return out;
}

/** Human evidence on `subject` at `at`: a page reached by a link (with its 8 assets), or an add-to-cart. */
const navigation = (subject: SubjectKey, at = T0): SummarySpec => ({ subject, step_ms: at, counters: { requests: 9, pages: 1, assets: 8, referers: 9 }, urls: ['/product/1'], ips: ['192.0.2.50'] });
const cart = (subject: SubjectKey, at = T0): SummarySpec => ({ subject, step_ms: at, counters: { requests: 1, cart: 1 }, ips: ['192.0.2.51'] });

/** First signal of each action, in order. */
function firsts(signals: Signal[]): Signal[] {
  return signals.filter((s, i) => signals.findIndex((o) => o.action === s.action) === i);
}

test('api_fleet: sessionless API calls from fresh addresses on an uninhabited user agent are logged at 5 calls, challenged at 10, blocked at 30', (t) => {
  // min_distinct_ips 5 to show the log level: with the default 10 a pure API fleet (one call per
  // address) has ≥ 10 calls by the time it has 10 addresses, so it starts at challenge.
  const signals = feedSpecs(detector({ subjects: { ua: { min_watched_ms: 0, min_distinct_ips: 5 } } }), apiCalls(PYTHON, 40));
  t.deepEqual(firsts(signals).map((s) => s.action), ['log', 'challenge', 'block']);
  const [log, challenge, block] = firsts(signals) as [Signal, Signal, Signal];
  t.like(log.evidence, { other_requests: 5, distinct_ips: 5, requests_per_ip: 1, referers: 0, session_requests: 0, human_presence: 0, rule_api_fleet: 1 });
  t.like(challenge.evidence, { other_requests: 10, distinct_ips: 10, rule_api_fleet: 2 });
  t.like(block.evidence, { other_requests: 30, distinct_ips: 30, rule_api_fleet: 3 });

  const defaults = feedSpecs(detector({ subjects: { ua: { min_watched_ms: 0 } } }), apiCalls(PYTHON, 40));
  t.deepEqual(firsts(defaults).map((s) => [s.action, s.evidence.other_requests]), [['challenge', 10], ['block', 30]]);
  // On a JA4 or an ASN alike.
  for (const subject of [FLEET_JA4, 'asn:64502' as SubjectKey]) {
    const kind = subject.slice(0, subject.indexOf(':'));
    t.deepEqual(firsts(feedSpecs(detector({ subjects: { [kind]: { min_watched_ms: 0 } } }), apiCalls(subject, 40))).map((s) => s.action), ['challenge', 'block'], subject);
  }
});

test('api_fleet: the same calls where a human is seen (a navigation, an add-to-cart), with a Referer, or from addresses in a session: nothing', (t) => {
  const config = { subjects: { ua: { min_watched_ms: 0 } } };
  const navigated = detector(config);
  t.deepEqual(feedSpecs(navigated, [navigation(PYTHON), ...apiCalls(PYTHON, 40, T0 + 1_000)]), []);
  t.like(navigated.evidenceOf('ua', PYTHON), { other_requests: 40, rule_api_fleet: 0 });
  t.true(navigated.evidenceOf('ua', PYTHON)!.human_presence! > 0);
  t.deepEqual(feedSpecs(detector(config), [cart(PYTHON), ...apiCalls(PYTHON, 40, T0 + 1_000)]), []);
  t.deepEqual(feedSpecs(detector(config), apiCalls(PYTHON, 40, T0, { referers: 1 })), []);
  t.deepEqual(feedSpecs(detector(config), apiCalls(PYTHON, 40, T0, { new_clients: 0, session_calls: 1 })), []);
});

test('api_fleet: a fleet that returns to one endpoint (five calls per address) is as sessionless as one that never returns; the app\'s sessions on its user agent keep it inhabited', (t) => {
  const APP = 'ua:okhttp/4.12.0' as SubjectKey;
  // 40 addresses × 5 calls, a call a second: the address is known from its second call on, but
  // calls one route (and its search): never three routes, never a session.
  const returning: SummarySpec[] = [];
  for (let i = 0; i < 200; i++) {
    const first = i % 5 === 0;
    returning.push({ subject: APP, step_ms: T0 + i * 1_000, counters: { requests: 1, api: 1, app_ua: 1, new_clients: first ? 1 : 0 }, ips: [`198.18.0.${Math.floor(i / 5)}`] });
  }
  const config = { subjects: { ua: { min_watched_ms: 0 } } };
  const fleet = feedSpecs(detector(config), returning);
  // The app's identity: at most a challenge (a person on a rare build may not have come by yet).
  t.deepEqual(firsts(fleet).map((s) => s.action), ['challenge']);
  t.like(fleet[0]!.evidence, { distinct_ips: 10, session_requests: 0, rule_api_fleet: 2 });
  t.true(fleet[0]!.evidence.requests_per_ip! > 4, 'addresses it returned to, four and five times');
  // The app's users on the same user agent: their calls come from addresses in a session.
  const session: SummarySpec = { subject: APP, step_ms: T0, counters: { requests: 4, api: 4, app_ua: 4, new_clients: 1, session_calls: 2 }, ips: ['203.0.113.9'] };
  t.deepEqual(feedSpecs(detector(config), [session, ...returning.map((spec) => ({ ...spec, step_ms: spec.step_ms + 1_000 }))]), []);
  // An operator who wants the old one-shot rule back sets the cap.
  t.deepEqual(feedSpecs(detector({ subjects: { ua: { min_watched_ms: 0, max_requests_per_ip: 2 } } }), returning), []);
});

test('presence: a JA4 with human evidence within presence.memory_ms is never acted on; once the evidence is older, the fleet is', (t) => {
  // A navigation at T0, the fleet from T0 + 15 min (its short window no longer holds the navigation).
  const input = [navigation(FLEET_JA4), ...pageFleet(FLEET_JA4, 200, T0 + 900_000)];
  const remembered = detector();
  t.deepEqual(feedSpecs(remembered, input), []);
  t.like(remembered.evidenceOf('ja4', FLEET_JA4), { navigations: 0, human_presence: 1, rule_distributed: 0 });
  t.true(remembered.evidenceOf('ja4', FLEET_JA4)!.distinct_urls! >= 300);
  // The same with a memory of 10 minutes: the navigation is 15 minutes old, the fleet is blocked.
  const forgotten = feedSpecs(detector({ presence: { memory_ms: 600_000 } }), input);
  t.deepEqual(firsts(forgotten).map((s) => s.action), ['log', 'challenge', 'block']);
  t.true(forgotten.every((s) => s.evidence.human_presence === 0));
  // An add-to-cart is evidence too.
  t.deepEqual(feedSpecs(detector(), [cart(FLEET_JA4), ...pageFleet(FLEET_JA4, 200, T0 + 900_000)]), []);
});

test('min_watched_ms: no population rule acts before the detector has watched the kind\'s time (ja4 120 s, asn 60 s)', (t) => {
  const ja4 = feedSpecs(detector(), pageFleet(FLEET_JA4, 200));
  t.true(ja4.length > 0);
  // Silent for 2 minutes, then blocked at once: 240 distinct pages are long past every threshold.
  t.like(ja4[0], { action: 'block', at: T0 + 120_999 });
  t.like(ja4[0]!.evidence, { watched_ms: 120_999, rule_distributed: 3 });
  const asn = feedSpecs(detector(), pageFleet('asn:64503', 200));
  t.like(asn[0], { action: 'block', at: T0 + 60_999 });
  t.true(asn.every((s) => s.evidence.watched_ms! >= 60_000));
});

test('a fleet that claims a browser\'s identity on its JA4 is at most challenged; on its ASN it is blocked', (t) => {
  const claiming = (subject: SubjectKey) => pageFleet(subject, 200).map((s) => ({ ...s, counters: { ...s.counters, browser_ua: 2 } }));
  const config = { subjects: { ja4: { min_watched_ms: 0 }, asn: { min_watched_ms: 0 } } };
  const ja4 = feedSpecs(detector(config), claiming(FLEET_JA4));
  t.deepEqual(firsts(ja4).map((s) => [s.action, s.evidence.rule_distributed]), [['log', 1], ['challenge', 2]]);
  t.true(ja4.every((s) => s.action !== 'block'));
  t.like(firsts(ja4)[0]!.evidence, { distinct_urls: 20 }); // lowered one level: the challenge threshold logs
  t.deepEqual(firsts(feedSpecs(detector(config), claiming('asn:64504'))).map((s) => s.action), ['log', 'challenge', 'block']);
});

test('prefix: off by default (no state, no signal); when enabled it is a population like the others', (t) => {
  const subject = 'prefix:100.64.0.0/24' as SubjectKey;
  const d = detector();
  t.deepEqual(feedSpecs(d, pageFleet(subject, 200)), []);
  t.deepEqual(d.trackedSubjects('prefix'), { short: 0, long: 0 });
  const enabled = feedSpecs(detector({ subjects: { prefix: { enabled: true, min_watched_ms: 0 } } }), pageFleet(subject, 200));
  t.deepEqual(firsts(enabled).map((s) => [s.action, s.evidence.rule_distributed]), [['log', 1], ['challenge', 2], ['block', 3]]);
});
