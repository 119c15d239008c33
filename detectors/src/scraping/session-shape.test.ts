/**
 * `scraping`'s per-address rules on a session's shape, with the defaults: pages with nothing
 * around them (bare_pages), bare pages walking ids in order (walk), and pages nobody navigated to
 * at a steady pace (cadence). The older rules (coverage, enumeration, low_and_slow) are in
 * scraping.test.ts, the population rules in population.test.ts.
 */
import test from 'ava';
import type { SubjectKey } from '@botsieve/core';
import type { Signal } from '../engine/signal.js';
import { createDetector, feedSpecs } from '../test-support/summary-detectors.js';
import { T0, type SummarySpec } from '../test-support/summary-specs.js';
import { ScrapingDetector, scraping } from './scraping.js';

const detector = (raw: unknown = {}) => createDetector<ScrapingDetector>(scraping, raw);

/** Irregular gaps between pages (s): a spread of 8–45 s around a 23 s mean, never steady. */
const UNSTEADY = [8, 30, 12, 45, 20];

interface Visit {
  /** Assets per page (0 when absent). */
  assets?: number;
  /** The page's numeric id, by page number (none when absent). */
  id?: (i: number) => number;
  /** Referers as browsers send them (`browser`: assets and every page after the first), or on the assets only (`assets`). */
  referers?: 'browser' | 'assets';
}

/** `count` pages of one address, one per step, `gaps_s[i % gaps_s.length]` seconds apart. */
function visits(subject: SubjectKey, count: number, gaps_s: readonly number[], o: Visit = {}): SummarySpec[] {
  const out: SummarySpec[] = [];
  const assets = o.assets ?? 0;
  let at = T0;
  for (let i = 0; i < count; i++) {
    const referers = (o.referers === undefined ? 0 : assets) + (o.referers === 'browser' && i > 0 ? 1 : 0);
    const id = o.id?.(i);
    out.push({ subject, step_ms: at, counters: { requests: 1 + assets, pages: 1, assets, referers }, urls: [`/article/${id ?? i}`], ...(id === undefined ? {} : { ids: [id] }) });
    at += gaps_s[i % gaps_s.length]! * 1_000;
  }
  return out;
}

/** First signal of each action, in order. */
function firsts(signals: Signal[]): Signal[] {
  return signals.filter((s, i) => signals.findIndex((o) => o.action === s.action) === i);
}

test('bare_pages: pages with no asset, no navigation and nothing else from the address: log at 3, challenge at 4, block at 10', (t) => {
  const signals = feedSpecs(detector(), visits('ip:203.0.113.10', 12, UNSTEADY));
  const [log, challenge, block] = firsts(signals) as [Signal, Signal, Signal];
  t.deepEqual(firsts(signals).map((s) => s.action), ['log', 'challenge', 'block']);
  t.like(log.evidence, { long_distinct_urls: 3, long_pages: 3, assets: 0, navigations: 0, other_requests: 0, rule_bare_pages: 1, rule_walk: 0, rule_cadence: 0 });
  t.like(challenge.evidence, { long_distinct_urls: 4, rule_bare_pages: 2 });
  t.like(block.evidence, { long_distinct_urls: 10, rule_bare_pages: 3, rule_coverage: 0, rule_low_and_slow: 0 });
  t.is(block.score, 10);
  // Irregular gaps keep cadence out of it: the spread is wider than half the mean interval.
  t.true(log.evidence.cadence_spread_ms! > 0.5 * log.evidence.cadence_mean_ms!);
});

test('bare_pages: one asset, or pages reached by navigation, and the same pages are not bare', (t) => {
  const d = detector();
  const withAsset = visits('ip:192.0.2.10', 12, UNSTEADY);
  withAsset[1] = { ...withAsset[1]!, counters: { requests: 2, pages: 1, assets: 1 } };
  t.deepEqual(feedSpecs(d, withAsset), []);
  t.deepEqual(feedSpecs(d, visits('ip:192.0.2.11', 12, UNSTEADY, { referers: 'browser' })), []);
  t.like(d.evidenceOf('ip', 'ip:192.0.2.11'), { assets: 0, navigations: 11, rule_bare_pages: 0 });
});

test('walk: bare pages whose ids are dense are challenged at 3 ids and blocked at 6; scattered ids are left to bare_pages', (t) => {
  const walk = feedSpecs(detector(), visits('ip:203.0.113.11', 8, UNSTEADY, { id: (i) => 5_000 + i }));
  t.deepEqual(firsts(walk).map((s) => s.action), ['challenge', 'block']);
  const [challenge, block] = firsts(walk) as [Signal, Signal];
  t.like(challenge.evidence, { distinct_ids: 3, id_span: 3, id_density: 1, rule_walk: 2, rule_bare_pages: 1 });
  t.like(block.evidence, { distinct_ids: 6, id_span: 6, id_density: 1, rule_walk: 3, rule_bare_pages: 2 });

  let seed = 13;
  const scattered = feedSpecs(detector(), visits('ip:203.0.113.12', 8, UNSTEADY, { id: () => (seed = (seed * 48_271) % 2_147_483_647) % 100_000 }));
  t.deepEqual(firsts(scattered).map((s) => s.action), ['log', 'challenge']);
  t.true(scattered.every((s) => s.evidence.rule_walk === 0 && s.evidence.id_density! < 0.5));
});

test('cadence: pages with their assets but never navigated to, ±10 % around 30 s, are challenged at 3 and blocked at 6', (t) => {
  const steady = [27, 33, 30, 28, 32, 31, 29];
  const signals = feedSpecs(detector(), visits('ip:203.0.113.13', 8, steady, { assets: 6, referers: 'assets' }));
  t.deepEqual(firsts(signals).map((s) => s.action), ['challenge', 'block']);
  const [challenge, block] = firsts(signals) as [Signal, Signal];
  t.like(challenge.evidence, { page_steps: 3, cadence_mean_ms: 30_000, cadence_spread_ms: 6_000, navigations: 0, assets_ratio: 6, rule_cadence: 2, rule_bare_pages: 0 });
  t.like(block.evidence, { page_steps: 6, distinct_urls: 6, rule_cadence: 3 });
  // Within the tolerance: a spread at most 0.5 × the mean interval.
  t.true(block.evidence.cadence_spread_ms! <= 0.5 * block.evidence.cadence_mean_ms!);
});

test('cadence: the same pages at a human\'s think times (12–90 s, spread several-fold) are not a cadence', (t) => {
  const d = detector();
  t.deepEqual(feedSpecs(d, visits('ip:192.0.2.12', 10, [12, 45, 20, 90, 30, 15, 60, 25, 70], { assets: 6, referers: 'assets' })), []);
  const evidence = d.evidenceOf('ip', 'ip:192.0.2.12')!;
  t.like(evidence, { page_steps: 10, cadence_spread_ms: 78_000, navigations: 0, rule_cadence: 0 });
  t.true(evidence.cadence_spread_ms! > 1.5 * evidence.cadence_mean_ms!);
});
