/**
 * The engine as a whole: what never reaches the detectors, shadow mode, fusion of several
 * detectors into one verdict, the collateral guard, and reload without a restart.
 */
import test from 'ava';
import type { RequestEvent, Verdict } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import { parseDetectConfig } from '../config.js';
import { makeEvent } from '../test-support/events.js';
import { Engine } from './engine.js';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

const volumetric = (challenge: number, block: number, mode: 'enforce' | 'shadow' = 'enforce') => ({
  type: 'volumetric',
  id: 'volumetric',
  mode,
  config: { baseline: { enabled: false }, subjects: { ip: { challenge_requests: challenge, block_requests: block, scale_by_humans: false }, prefix: { enabled: false } } },
});

function run(engine: Engine, events: RequestEvent[]): Verdict[] {
  const out: Verdict[] = [];
  for (const event of events) out.push(...engine.process(event));
  out.push(...engine.finish());
  return out;
}

function burst(ip: string, count: number, extra: Partial<RequestEvent> = {}): RequestEvent[] {
  return Array.from({ length: count }, (_, i) => makeEvent({ ray_id: `${ip}-${i}`, ip, timestamp_ms: T0 + i * 20, user_agent: CHROME, ...extra }));
}

test('verified bots and safelisted clients never reach a detector', (t) => {
  const engine = new Engine(parseDetectConfig({ safelist: { cidrs: ['81.2.69.0/24'] }, detectors: [volumetric(5, 10)] }), nullTelemetry());
  const googlebot = burst('66.249.66.1', 50, { user_agent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', verified_bot_category: 'Search Engine Crawler', bot_score: 1, bot_score_src: 'Verified Bot' });
  const office = burst('81.2.69.7', 50);
  const private_ = burst('10.1.2.3', 50);
  t.deepEqual(run(engine, [...googlebot, ...office, ...private_]), []);
  t.like(engine.stats, { events: 150, verified: 50, safelisted: 100, summaries: 0 });
});

test('a crawler UA from outside its published ranges is not verified: it is blocked as a fake', (t) => {
  const engine = new Engine(parseDetectConfig({ detectors: [{ type: 'heuristics', id: 'heuristics' }] }), nullTelemetry());
  const verdicts = run(engine, burst('45.76.1.2', 3, { user_agent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }));
  t.is(engine.stats.verified, 0);
  const block = verdicts.find((v) => v.action === 'block');
  t.is(block?.subject, 'ip:45.76.1.2');
  t.true(block?.detectors.some((d) => d.id === 'heuristics/fake_crawler'));
});

test('shadow mode: the decision is reported as a log verdict, never enforced', (t) => {
  const enforce = run(new Engine(parseDetectConfig({ detectors: [volumetric(5, 10)] }), nullTelemetry()), burst('81.2.69.1', 12));
  const shadow = run(new Engine(parseDetectConfig({ detectors: [volumetric(5, 10, 'shadow')] }), nullTelemetry()), burst('81.2.69.1', 12));
  t.deepEqual(enforce.map((v) => v.action), ['block']);
  t.deepEqual(shadow.map((v) => v.action), ['log']);
  t.is(shadow[0]?.score, enforce[0]?.score, 'same score and evidence, action forced to log');
  t.deepEqual(shadow[0]?.detectors, enforce[0]?.detectors);
});

test('fusion: two detectors about one subject make one verdict that lists both, with their evidence', (t) => {
  const config = parseDetectConfig({ detectors: [{ type: 'heuristics', id: 'heuristics', config: { rules: [{ id: 'search-tool', expression: 'http.request.uri.path eq "/search"', score: 25, action: 'challenge' }] } }, volumetric(5, 100)] });
  const verdicts = run(new Engine(config, nullTelemetry()), burst('81.2.69.1', 12, { path: '/search', uri: '/search' }));
  const fused = verdicts.find((v) => v.detectors.length >= 3);
  t.truthy(fused, 'a verdict lists both detectors and the fusion entry');
  t.deepEqual(fused?.detectors.map((d) => d.id).sort(), ['fusion', 'heuristics/search-tool', 'volumetric']);
  t.is(fused?.action, 'block', 'two challenges agreeing fuse into a block');
  t.true((fused?.score ?? 99) <= 10);
  t.true(Object.values(fused?.detectors[0]?.evidence ?? {}).every((value) => typeof value === 'number'));
});

test('collateral guard: a network carrying browsers that load assets is never enforced as a whole', (t) => {
  const config = parseDetectConfig({
    detectors: [{ type: 'volumetric', id: 'volumetric', config: { baseline: { enabled: false }, subjects: { ip: { enabled: false }, prefix: { enabled: false }, asn: { enabled: true, challenge_requests: 50, block_requests: 100 } } } }],
  });
  const humans = Array.from({ length: 60 }, (_, i) => makeEvent({ ray_id: `h${i}`, ip: `73.1.${i}.9`, asn: 7922, timestamp_ms: T0 + i * 10, path: `/img/${i}.png`, uri: `/img/${i}.png`, content_type: 'image/png', user_agent: CHROME }));
  const bots = Array.from({ length: 150 }, (_, i) => makeEvent({ ray_id: `b${i}`, ip: `73.2.${i}.9`, asn: 7922, timestamp_ms: T0 + 1_000 + i * 5, path: '/search', uri: '/search', user_agent: 'python-requests/2.32' }));
  const inhabited = run(new Engine(config, nullTelemetry()), [...humans, ...bots]);
  t.true(inhabited.length > 0 && inhabited.every((v) => v.subject === 'asn:7922' && v.action === 'log'), 'the ASN is reported, not enforced');
  const empty = run(new Engine(config, nullTelemetry()), bots);
  t.true(empty.some((v) => v.subject === 'asn:7922' && v.action === 'block'), 'without humans the same traffic blocks the ASN');
});

test('reconfigure: new thresholds apply at once, state is kept', (t) => {
  const engine = new Engine(parseDetectConfig({ detectors: [volumetric(50, 100)] }), nullTelemetry());
  const events = burst('81.2.69.1', 40);
  const before: Verdict[] = [];
  for (const event of events.slice(0, 20)) before.push(...engine.process(event));
  before.push(...engine.drainPartials());
  t.deepEqual(before, [], '20 requests: below the first thresholds');
  engine.reconfigure(parseDetectConfig({ detectors: [volumetric(10, 30)] }));
  const after: Verdict[] = [];
  for (const event of events.slice(20)) after.push(...engine.process(event));
  after.push(...engine.finish());
  t.deepEqual(after.map((v) => v.action), ['block'], 'the 20 requests before the reload still count: 40 ≥ 30');
});
