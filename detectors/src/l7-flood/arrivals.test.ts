import test from 'ava';
import { METRIC, type SubjectKey } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import type { Signal } from '../engine/signal.js';
import type { Summary } from '../engine/summary.js';
import { metricValue } from '../test-support/events.js';
import { createDetector, runSteps, sprayIp } from '../test-support/summary-detectors.js';
import { distinct, halves, makeSummary, STEP_MS, T0, type SummaryFixture } from '../test-support/summary-fixtures.js';
import { l7Flood, type L7FloodDetector } from './l7-flood.js';

const HOME = 'shop.example/';
const API = 'shop.example/api/search';
const detector = (raw: unknown = {}) => createDetector<L7FloodDetector>(l7Flood, raw);

/** `subject`'s summary of one step, with the page URLs it asked for (the `urls` sketch). */
function summary(subject: SubjectKey, step: number, fixture: SummaryFixture, urls: string[] = []): Summary {
  const s = makeSummary(subject, step, fixture);
  if (urls.length > 0) s.urls = distinct(urls);
  return s;
}

/** A flood member's step: `n` cache-busting pages to the spiking home page, the first one new to the client memory. */
const member = (subject: SubjectKey, step: number, first: boolean, n = 1, extra: SummaryFixture = {}) =>
  summary(subject, step, { requests: n, pages: n, spiking_route: n, cache_busting: n, new_clients: first ? 1 : 0, top_route: HOME, top_route_requests: n, ...extra }, Array.from({ length: n }, (_, i) => `/?${subject}-${step}-${i}`));

const actions = (signals: Signal[]) => signals.map((s) => [s.subject, s.action, (s.at - T0 - 900) / STEP_MS]);

test('a pool of new addresses, one cache-busting request per second each: challenged at the second request, blocked at the fifth', (t) => {
  const pool = Array.from({ length: 50 }, (_, i) => `ip:198.51.100.${i}` as SubjectKey);
  const signals = runSteps(detector(), T0, 8, (step, i) => pool.map((ip) => member(ip, step, i === 0)));
  t.is(signals.length, 100);
  t.deepEqual(actions(signals.filter((s) => s.subject === pool[0])), [
    [pool[0], 'challenge', 1],
    [pool[0], 'block', 4],
  ]);
  t.true(signals.every((s) => s.detector === 'l7-flood/arrivals'));
  t.deepEqual(signals[0]!.evidence, { requests: 2, spiking_requests: 2, span_ms: 1_900, assets_ratio: 0, cache_busting_ratio: 1, referer_ratio: 0, distinct_urls: 2 });
  t.true(signals[0]!.score >= 20 && signals[0]!.score <= 29);
  t.true(signals[50]!.score <= 10);
});

test('requests before the route was flagged count once one of them is spiking; without any spiking request nothing is flagged', (t) => {
  const early = runSteps(detector(), T0, 3, (step, i) => [member('ip:198.51.100.1', step, i === 0, 1, { spiking_route: i < 2 ? 0 : 1 })]);
  t.deepEqual(actions(early), [['ip:198.51.100.1', 'challenge', 2]]);
  t.deepEqual(runSteps(detector(), T0, 6, (step, i) => [member('ip:198.51.100.1', step, i === 0, 1, { spiking_route: 0 })]), []);
});

test('humans on the spiking route are never arrivals', (t) => {
  const d = detector();
  const signals = runSteps(d, T0, 10, (step, i) => [
    // A new visitor landing on the spiking home page: the page and its assets, then a category.
    summary('ip:192.0.2.1', step, i === 0 ? { requests: 9, pages: 1, assets: 8, spiking_route: 1, new_clients: 1, top_route: HOME, top_route_requests: 1 } : { requests: 1, pages: 1, top_route: 'shop.example/category', top_route_requests: 1 }, [`/c/${i}`]),
    // Assets cached, but the second page is another route.
    summary('ip:192.0.2.2', step, i === 0 ? { requests: 1, pages: 1, spiking_route: 1, new_clients: 1, top_route: HOME, top_route_requests: 1 } : { requests: 1, pages: 1, top_route: 'shop.example/product/:id', top_route_requests: 1 }, [`/p/${i}`]),
    // Searching during the overload: every page a 5xx (no assets to load), searches in words.
    summary('ip:192.0.2.3', step, { requests: 1, pages: 1, spiking_route: 1, server_errors: 1, new_clients: i === 0 ? 1 : 0, top_route: 'shop.example/search', top_route_requests: 1 }, [`/search?q=red+shoes+${'x'.repeat(i)}`]),
    // A buyer refreshing the release's product page (the shell cached): the same URL every time.
    summary('ip:192.0.2.4', step, { requests: 1, pages: 1, spiking_route: 1, new_clients: i === 0 ? 1 : 0, top_route: 'shop.example/product/:id', top_route_requests: 1 }, ['/product/42']),
    // The app on the spiking API route, calls in words and ids (not cache-busting).
    summary('ip:192.0.2.5', step, { requests: 2, api: 2, spiking_route: 2, new_clients: i === 0 ? 1 : 0, top_route: API, top_route_requests: 2 }),
    // An address already known (not new at its first request here): a NAT exit, a returning visitor.
    member('ip:192.0.2.6', step, false),
  ]);
  t.deepEqual(signals, []);
  t.true(d.trackedArrivals() <= 4, 'those that broke the pattern are dropped at once');
});

test('API routes: half the calls cache-busting from a new address whose first call is the expensive one', (t) => {
  const signals = runSteps(detector(), T0, 4, (step, i) => [
    summary('ip:198.51.100.7', step, { requests: 1, api: 1, spiking_route: 1, cache_busting: i % 2, new_clients: i === 0 ? 1 : 0, top_route: API, top_route_requests: 1 }),
  ]);
  t.deepEqual(actions(signals), [['ip:198.51.100.7', 'challenge', 1]]);
  t.false('distinct_urls' in signals[0]!.evidence);
});

test('partial summaries, in two halves in either order, give the same signals as whole steps', (t) => {
  const fixture = (first: boolean): SummaryFixture => ({ requests: 2, pages: 2, spiking_route: 2, cache_busting: 2, new_clients: first ? 1 : 0, top_route: HOME, top_route_requests: 2 });
  const urls = (step: number) => [`/?a${step}`, `/?b${step}`];
  const whole = runSteps(detector(), T0, 4, (step, i) => [summary('ip:198.51.100.9', step, fixture(i === 0), urls(step))]);
  const split = (reversed: boolean) =>
    runSteps(detector(), T0, 4, (step, i) => {
      const [a, b] = halves('ip:198.51.100.9', step, fixture(i === 0));
      // The new request is in the first half; each half carries its own URL.
      a.new_clients = i === 0 ? 1 : 0;
      b.new_clients = 0;
      a.urls = distinct([urls(step)[0]!]);
      b.urls = distinct([urls(step)[1]!]);
      return reversed && i > 0 ? [b, a] : [a, b];
    });
  t.deepEqual(actions(whole), [
    ['ip:198.51.100.9', 'challenge', 0],
    ['ip:198.51.100.9', 'block', 2],
  ]);
  t.deepEqual(actions(split(false)), actions(whole));
  t.deepEqual(actions(split(true)), actions(whole));
});

test('bounded: a spray of new addresses keeps at most max_tracked arrivals, counts evictions, forgets idle ones', async (t) => {
  const telemetry = nullTelemetry();
  const d = createDetector<L7FloodDetector>(l7Flood, { arrivals: { max_tracked: 1_000, idle_ms: 10_000 } }, telemetry);
  const s = member('ip:10.0.0.0', T0, true);
  for (let i = 0; i < 50_000; i++) {
    s.subject = sprayIp(i);
    d.summary(s);
  }
  t.is(d.trackedArrivals(), 1_000);
  d.flush(T0 + 1_000);
  t.is(await metricValue(telemetry, METRIC.discarded, { reason: 'state_evicted' }), 49_000);
  d.flush(T0 + 11_000);
  t.is(d.trackedArrivals(), 0);
  t.is(d.stateSize().keys, 0);
});

test('disabled: no arrival state, no signals', (t) => {
  const d = detector({ arrivals: { enabled: false } });
  t.deepEqual(runSteps(d, T0, 6, (step, i) => [member('ip:198.51.100.1', step, i === 0)]), []);
  t.is(d.trackedArrivals(), 0);
});
