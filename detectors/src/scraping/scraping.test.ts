import test from 'ava';
import { METRIC, type SubjectKey } from '@botsieve/core';
import { nullTelemetry, type Telemetry } from '@botsieve/runtime';
import type { Signal } from '../engine/signal.js';
import { registerGoldenTests } from '../test-support/detector-golden.js';
import { metricValue } from '../test-support/events.js';
import { createDetector, feedSpecHalves, feedSpecs, sprayBySpecs } from '../test-support/summary-detectors.js';
import { T0, range, type SummarySpec } from '../test-support/summary-specs.js';
import { parseScrapingConfig } from './config.js';
import { ScrapingDetector, scraping } from './scraping.js';

const CHROME = 'ja4:t13d1516h2_8daaf6152771_e5627efa2ab1' as SubjectKey;

registerGoldenTests(test, 'scraping', scraping, 3);

const detector = (raw: unknown = {}, telemetry?: Telemetry) => createDetector<ScrapingDetector>(scraping, raw, telemetry);

const OFF = { log: null, challenge: null, block: null };
/**
 * The per-address rules on a session's shape (bare_pages, walk, cadence) turned off: a scraper
 * without assets or navigation meets them within seconds (session-shape.test.ts), so the tests
 * of the older rules (coverage, enumeration, low_and_slow) switch them off to see those rules.
 */
const SHAPE_OFF = { bare_pages: OFF, walk: OFF, cadence: OFF };
const OLDER_RULES_ONLY = { subjects: { ip: SHAPE_OFF } };

interface Pages {
  start?: number;
  /** First page number: URLs are `/p/<n>` from it on. */
  first?: number;
  /** Numeric ids of the pages of step i (none when absent). */
  ids?: (i: number, pages: number) => number[];
  /** Assets arrive in the step after their page (a page at 0.9 s, its assets at 1.1 s). */
  assetsLater?: boolean;
  /**
   * Referer headers, as the `referers` counter counts them: `browser` a human browsing (every
   * asset names its page; every page after the first was reached by a link), `assets` pages
   * opened directly (typed, bookmarked or fed from a list: only their assets carry a Referer).
   * None when absent.
   */
  referers?: 'browser' | 'assets';
}

/** One subject: `count` steps `every_ms` apart, each with `pages` new distinct pages and `assets` assets. */
function* pages(subject: SubjectKey, count: number, every_ms: number, perStep: number, assets: number, o: Pages = {}): Generator<SummarySpec> {
  const start = o.start ?? T0;
  for (let i = 0; i < count; i++) {
    const step = start + i * every_ms;
    const urls = range('/p/', (o.first ?? 0) + i * perStep, perStep);
    const ids = o.ids?.(i, perStep);
    const pageReferers = o.referers === 'browser' && i > 0 ? perStep : 0;
    const assetReferers = o.referers === undefined ? 0 : assets;
    if (o.assetsLater === true) {
      yield { subject, step_ms: step, counters: { requests: perStep, pages: perStep, referers: pageReferers }, urls, ...(ids === undefined ? {} : { ids }) };
      yield { subject, step_ms: step + 1_000, counters: { requests: assets, assets, referers: assetReferers } };
    } else {
      yield { subject, step_ms: step, counters: { requests: perStep + assets, pages: perStep, assets, referers: pageReferers + assetReferers }, urls, ...(ids === undefined ? {} : { ids }) };
    }
  }
}

/** First signal of each action, in order. */
function firsts(signals: Signal[]): Signal[] {
  return signals.filter((s, i) => signals.findIndex((o) => o.action === s.action) === i);
}

test('page coverage: 4 pages a second without assets is logged, challenged, then blocked', (t) => {
  // Coverage alone (bare_pages would challenge at 4 pages and block at 10).
  const signals = feedSpecs(detector(OLDER_RULES_ONLY), pages('ip:203.0.113.1', 80, 1_000, 4, 0));
  t.deepEqual(signals.map((s) => s.action), ['log', 'challenge', 'block']);
  const [log, challenge, block] = signals as [Signal, Signal, Signal];
  t.like(log.evidence, { distinct_urls: 40, pages: 40, assets: 0, assets_ratio: 0, rule_coverage: 1 });
  // Above 64 values the sketches estimate (p = 8: σ ≈ 6 %, up to ±20 % seen): the rules see the estimate.
  t.true(Math.abs(challenge.evidence.pages! - 100) <= 20 && challenge.evidence.distinct_urls! >= 100);
  t.true(Math.abs(block.evidence.pages! - 300) <= 60 && block.evidence.distinct_urls! >= 300);
  t.is(block.evidence.rule_coverage, 3);
  t.true(block.score <= 10 && block.score >= 9);
});

test('humans reading with assets: 100 pages in an hour, 60 in ten minutes, assets a step late, 30 from cache: nothing', (t) => {
  // Browsers as they are: every asset names its page in a Referer and every page after the
  // first was reached by a link. Their steady pace (one page every 36 s here) is no cadence
  // signal because they navigate; the next test shows the same pace without navigation.
  const d = detector();
  t.deepEqual(feedSpecs(d, pages('ip:192.0.2.1', 100, 36_000, 1, 8, { referers: 'browser' })), []);
  t.deepEqual(feedSpecs(d, pages('ip:192.0.2.2', 60, 10_000, 1, 6, { referers: 'browser' })), []);
  t.deepEqual(feedSpecs(d, pages('ip:192.0.2.3', 100, 6_000, 1, 5, { assetsLater: true, referers: 'browser' })), []);
  t.deepEqual(feedSpecs(d, pages('ip:192.0.2.4', 30, 20_000, 1, 0, { referers: 'browser' })), []);
  t.like(d.evidenceOf('ip', 'ip:192.0.2.3'), { pages: 100, assets: 500, assets_ratio: 5, navigations: 99, rule_coverage: 0, rule_cadence: 0 });
  t.like(d.evidenceOf('ip', 'ip:192.0.2.4'), { assets: 0, navigations: 29, rule_bare_pages: 0, rule_cadence: 0, rule_low_and_slow: 0 });
  t.is(d.trackedSubjects('ip').long, 1); // only the reader whose assets came from cache entered the long window
});

test('cadence: the same steady reader with its assets but never a navigation (no page carries a Referer) is challenged at 3 pages, blocked at 6', (t) => {
  // One page every 36 s with its 8 assets, as above, but every page opened directly: only the
  // assets name their page. Headless workers fed a list of URLs look like this.
  const signals = feedSpecs(detector(), pages('ip:198.51.100.1', 10, 36_000, 1, 8, { referers: 'assets' }));
  t.deepEqual(firsts(signals).map((s) => s.action), ['challenge', 'block']);
  const [challenge, block] = firsts(signals) as [Signal, Signal];
  t.like(challenge.evidence, { pages: 3, assets: 24, referers: 24, navigations: 0, page_steps: 3, cadence_mean_ms: 36_000, cadence_spread_ms: 0, rule_cadence: 2, rule_bare_pages: 0, rule_coverage: 0 });
  t.is(challenge.at, T0 + 2 * 36_000 + 999);
  t.like(block.evidence, { pages: 6, navigations: 0, page_steps: 6, rule_cadence: 3 });
  t.is(block.at, T0 + 5 * 36_000 + 999);
});

test('id enumeration: a dense walk of ids is caught even with assets; random ids and short page runs are not', (t) => {
  // Enumeration alone: this walker's steady 1 s pace without navigation meets cadence at 3 pages.
  const walk = (i: number, n: number) => Array.from({ length: n }, (_, k) => 1_000 + i * n + k);
  const signals = feedSpecs(detector(OLDER_RULES_ONLY), pages('ip:203.0.113.2', 160, 1_000, 2, 10, { ids: walk }));
  t.deepEqual(firsts(signals).map((s) => s.action), ['log', 'challenge', 'block']);
  for (const [i, s] of firsts(signals).entries()) {
    t.like(s.evidence, { rule_coverage: 0, rule_enumeration: i + 1, assets_ratio: 5 });
    t.true(s.evidence.id_density! >= 0.9, `density ${s.evidence.id_density}`);
  }
  t.like(firsts(signals)[0]!.evidence, { distinct_ids: 50, id_span: 50, id_density: 1 });

  const d = detector(OLDER_RULES_ONLY);
  let seed = 7;
  const random = () => (seed = (seed * 48_271) % 2_147_483_647) % 100_000;
  t.deepEqual(feedSpecs(d, pages('ip:192.0.2.5', 60, 10_000, 1, 6, { ids: () => [random()] })), []);
  t.deepEqual(feedSpecs(d, pages('ip:192.0.2.6', 30, 20_000, 1, 6, { ids: (i) => [i + 1] })), []); // a forum thread, pages 1–30
  t.like(d.evidenceOf('ip', 'ip:192.0.2.6'), { distinct_ids: 30, id_density: 1, rule_enumeration: 0 });
});

test('a fleet behind one JA4: each IP used once, no assets; the JA4 is logged, challenged, then blocked; each IP is not', (t) => {
  // Watched from the first summary on (min_watched_ms 0): with the default 120 s the JA4 is
  // blocked at once when the 2 minutes are up (see population.test.ts).
  const d = detector({ subjects: { ja4: { min_watched_ms: 0 } } });
  const fleet: SummarySpec[] = [];
  for (let i = 0; i < 200; i++) fleet.push({ subject: 'ja4:t13d190900_9dc949149365_97f8aa674fd9', step_ms: T0 + i * 1_000, counters: { requests: 2, pages: 2 }, urls: range('/p/', 2 * i, 2), ips: range('100.64.', 2 * i, 2) });
  const signals = feedSpecs(d, fleet);
  // Defaults for ja4 (scale 1): from ≥ 10 IPs with ≤ 20 pages each, nobody navigating and no
  // human seen, log at 10 distinct pages, challenge at 20, block at 60.
  t.deepEqual(firsts(signals).map((s) => s.action), ['log', 'challenge', 'block']);
  const [log, challenge, block] = firsts(signals) as [Signal, Signal, Signal];
  t.like(log.evidence, { rule_distributed: 1, distinct_urls: 10, distinct_ips: 10, navigations: 0, human_presence: 0 });
  t.like(challenge.evidence, { rule_distributed: 2, assets: 0 });
  t.true(challenge.evidence.requests_per_ip! <= 1.1);
  t.true(challenge.evidence.distinct_ips! >= 10 && challenge.evidence.distinct_urls! >= 20);
  t.like(block.evidence, { rule_distributed: 3, assets: 0 });
  t.true(block.evidence.distinct_urls! >= 60 && block.evidence.distinct_urls! < 70);
  t.deepEqual(feedSpecs(d, [{ subject: 'ip:100.64.0.7', step_ms: T0, counters: { requests: 1, pages: 1 }, urls: ['/p/7'] }]), []);
});

test('aggregates of humans: a Chrome JA4 and a mobile ASN, thousands of browsers with assets, a small catalogue covered densely: nothing', (t) => {
  const humans = (subject: SubjectKey, navigating = true): SummarySpec[] => {
    const out: SummarySpec[] = [];
    // 10 minutes; each second 20 browsers open a product page (ids 1–500) and its 8 assets; as
    // browsers do, the assets name their page in a Referer and 16 of the 20 pages were reached
    // by a link (the other 4 are landings).
    const referers = navigating ? 160 + 16 : 0;
    for (let i = 0; i < 600; i++) {
      out.push({ subject, step_ms: T0 + i * 1_000, counters: { requests: 180, pages: 20, assets: 160, referers }, urls: range('/product/', (i * 20) % 500, 20), ids: Array.from({ length: 20 }, (_, k) => 1 + ((i * 20 + k) % 500)), ips: range('100.70.', i * 20, 20) });
    }
    return out;
  };
  const d = detector();
  t.deepEqual(feedSpecs(d, humans(CHROME)), []);
  t.deepEqual(feedSpecs(d, humans('asn:64501')), []);
  const chrome = d.evidenceOf('ja4', CHROME)!;
  t.like(chrome, { assets_ratio: 8, id_span: 500, rule_enumeration: 0, rule_coverage: 0, rule_distributed: 0, rule_api_fleet: 0 });
  t.true(chrome.id_density! >= 0.9 && chrome.requests_per_ip! > 3);
  t.true(chrome.navigations! > 0 && chrome.human_presence! > 0);
  // Two guards protect them: presence (they navigate) keeps every population rule off, and the
  // asset gate keeps enumeration off. Ungated, presence alone still spares them; only a crowd
  // that never once navigates (no browser population does) would make the dense catalogue look
  // like a walk.
  const ungated = () => detector({ subjects: { ja4: { enumeration_needs_few_assets: false } } });
  t.deepEqual(feedSpecs(ungated(), humans(CHROME)), []);
  t.true(feedSpecs(ungated(), humans(CHROME, false)).some((s) => s.evidence.rule_enumeration! > 0));
});

test('additive: every step split into two partial halves, in either order, gives the same signals as the whole', (t) => {
  // 32 s of steps: watched from the first one (min_watched_ms 0), or the JA4 would wait 120 s.
  const config = { subjects: { ja4: { coverage: OFF, distributed: { log: 20, challenge: 40, block: 60 }, min_distinct_ips: 8, min_watched_ms: 0 } } };
  const steps: SummarySpec[] = [];
  for (let i = 0; i < 16; i++) steps.push({ subject: CHROME, step_ms: T0 + i * 2_000, counters: { requests: 4, pages: 4 }, urls: range('/p/', 4 * i, 4), ips: range('100.64.', 4 * i, 4), ids: [4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3] });
  const whole = detector(config);
  const parts = detector(config);
  const expected = feedSpecs(whole, steps);
  const actual = feedSpecHalves(parts, steps, true);
  t.deepEqual(expected.map((s) => [s.action, s.evidence.distinct_urls]), [['log', 20], ['challenge', 40], ['block', 60]]);
  t.deepEqual(actual, expected);
  t.deepEqual(parts.evidenceOf('ja4', CHROME), whole.evidenceOf('ja4', CHROME));
});

test('cooldown: a steady scraper repeats its action once per reemit_ms', (t) => {
  // Coverage alone (bare_pages and cadence would block within 10 s).
  const d = detector({ subjects: { ip: { ...SHAPE_OFF, coverage: { log: null, challenge: 40, block: 10_000 } } } });
  const signals = feedSpecs(d, pages('ip:203.0.113.3', 240, 1_000, 1, 0));
  t.deepEqual(signals.map((s) => (s.at - T0 - 999) / 1_000), [39, 99, 159, 219]);
  t.true(signals.every((s) => s.action === 'challenge'));
});

test('low and slow: a page every 20 s for 4 hours, never an asset, is logged, challenged then blocked by the long window', (t) => {
  // low_and_slow alone: with the defaults this crawler is blocked within 2 minutes by cadence
  // (steady 20 s) and bare_pages (see the low-and-slow golden).
  const d = detector(OLDER_RULES_ONLY);
  const signals = feedSpecs(d, pages('ip:203.0.113.4', 720, 20_000, 1, 0));
  const first = firsts(signals);
  t.deepEqual(first.map((s) => s.action), ['log', 'challenge', 'block']);
  t.true(signals.every((s) => s.evidence.rule_coverage === 0 && s.evidence.rule_low_and_slow! > 0));
  t.true(first[0]!.at - T0 > 45 * 60_000, `logged after ${(first[0]!.at - T0) / 60_000} min`);
  t.true(first[2]!.evidence.long_window_ms! > 3 * 3_600_000);
  t.true(first[2]!.evidence.long_distinct_urls! >= 600);
  // A human reading a page every 36 s with its assets for the same 4 hours (defaults): nothing, and no long state.
  const human = detector();
  t.deepEqual(feedSpecs(human, pages('ip:192.0.2.7', 400, 36_000, 1, 8, { referers: 'browser' })), []);
  t.is(human.trackedSubjects('ip').long, 0);
});

test('bounded state: a spray of 1,000,000 distinct IPs never tracks more than the caps; the scraper is still caught', async (t) => {
  const telemetry = nullTelemetry();
  const d = detector({ subjects: { ip: { max_tracked_subjects: 1_000, max_long_tracked_subjects: 100 } } }, telemetry);
  let n = 0;
  const { signals: caught, maxTracked: max } = sprayBySpecs(d, {
    spray: (i) => ({ counters: { requests: 1, pages: 1 }, urls: [`/p/${i}`] }),
    attacker: (step_ms) => ({ subject: 'ip:203.0.113.99', step_ms, counters: { requests: 1, pages: 1 }, urls: [`/q/${n++}`] }),
    attackerEvery: 500,
    tracked: () => d.trackedSubjects('ip').short,
  });
  t.true(max <= 1_000, `tracked ${max}`);
  t.deepEqual(d.trackedSubjects('ip'), { short: 1_000, long: 1 });
  t.deepEqual(firsts(caught).map((s) => `${s.subject} ${s.action}`), ['ip:203.0.113.99 log', 'ip:203.0.113.99 challenge', 'ip:203.0.113.99 block']);
  t.true(d.stateSize().bytes < 1_000 * 700, `bytes ${d.stateSize().bytes}`);
  d.flush(T0 + 2_000_000);
  t.true((await metricValue(telemetry, METRIC.discarded, { reason: 'state_evicted' })) > 990_000);
});

test('flush releases the short window after two windows and the long one after two long windows', (t) => {
  const d = detector();
  feedSpecs(d, pages('ip:203.0.113.5', 10, 1_000, 1, 0));
  t.deepEqual(d.trackedSubjects('ip'), { short: 1, long: 1 });
  d.flush(T0 + 600_000);
  t.deepEqual(d.trackedSubjects('ip'), { short: 0, long: 1 });
  d.flush(T0 + 4 * 3_600_000);
  t.deepEqual(d.trackedSubjects('ip'), { short: 0, long: 0 });
  t.deepEqual(d.stateSize(), { keys: 0, bytes: 0 });
});

test('reconfigure swaps thresholds and keeps the windows', (t) => {
  // Coverage alone (bare_pages would act on the first steps).
  const d = detector(OLDER_RULES_ONLY);
  t.deepEqual(feedSpecs(d, pages('ip:203.0.113.6', 10, 1_000, 3, 0)), []);
  d.reconfigure(parseScrapingConfig({ subjects: { ip: { ...SHAPE_OFF, coverage: { log: 10, challenge: 20, block: 31 } } } }));
  t.deepEqual(feedSpecs(d, pages('ip:203.0.113.6', 1, 1_000, 3, 0, { start: T0 + 10_000, first: 30 })).map((s) => [s.action, s.evidence.distinct_urls]), [['block', 33]]);
  // A new window length changes what a segment is: the state restarts.
  d.reconfigure(parseScrapingConfig({ window_ms: 60_000 }));
  t.deepEqual(d.trackedSubjects('ip'), { short: 0, long: 0 });
});

test('config: defaults, unknown keys and thresholds that do not rise', (t) => {
  const config = parseScrapingConfig({});
  t.is(config.window_ms, 300_000);
  t.is(config.long_window_ms, 7_200_000);
  t.deepEqual(config.subjects.ip.coverage, { log: 40, challenge: 100, block: 300 });
  t.deepEqual(config.subjects.ip.distributed, OFF);
  t.deepEqual(config.subjects.ip.bare_pages, { log: 3, challenge: 4, block: 10 });
  t.deepEqual(config.subjects.ip.walk, { log: null, challenge: 3, block: 6 });
  t.deepEqual(config.subjects.ip.cadence, { log: null, challenge: 3, block: 6 });
  t.deepEqual([config.cadence_tolerance, config.cadence_slack_ms], [0.5, 2_000]);
  // Aggregates at scale 1: distributed 10 / 20 / 60 distinct pages, api_fleet 5 / 10 / 30 calls.
  t.deepEqual(config.subjects.ja4.distributed, { log: 10, challenge: 20, block: 60 });
  t.deepEqual(config.subjects.ua.api_fleet, { log: 5, challenge: 10, block: 30 });
  t.deepEqual([config.subjects.ja4.min_distinct_ips, config.subjects.ja4.max_pages_per_ip, config.subjects.ja4.max_requests_per_ip], [10, 20, null]);
  t.deepEqual([config.subjects.asn.min_watched_ms, config.subjects.ja4.min_watched_ms, config.subjects.ua.min_watched_ms], [60_000, 120_000, 120_000]);
  t.deepEqual(config.subjects.asn.bare_pages, OFF); // per-address rules stay off on aggregates
  t.false(config.subjects.prefix.enabled);
  t.deepEqual(config.presence, { memory_ms: 3_600_000, max_subjects: 200_000 });
  t.true(config.subjects.asn.enumeration_needs_few_assets);
  t.is(scraping.lookbackMs(config), 14_400_000);
  t.throws(() => parseScrapingConfig({ subjects: { ip: { max_asset_ratio: 1 } } }), { code: 'ERR_DETECTOR_CONFIG' });
  const error = t.throws(() => parseScrapingConfig({ subjects: { prefix: { low_and_slow: { log: 700 } } } }), { code: 'ERR_DETECTOR_CONFIG' });
  t.regex(error?.message ?? '', /subjects\.prefix\.low_and_slow/);
});
