/**
 * Aggregate detectors never learn "bot network" from verified traffic: a verified bot or a
 * safelisted client is stopped by the feature extractor (ClientExemption) before any detector, any
 * summary and any rollup. A network hosting both a verified crawler and a scraper fleet is judged
 * on the fleet's requests alone.
 */
import test from 'ava';
import type { RequestEvent } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import { parseDetectConfig } from '../config.js';
import type { EngineDetector, EventDetector, SummaryDetector } from '../engine/detector.js';
import { Engine } from '../engine/engine.js';
import type { AnyEngineDetectorFactory } from '../engine/registry-types.js';
import type { Summary } from '../engine/summary.js';
import { registry } from '../registry.js';
import { makeEvent } from '../test-support/events.js';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const MICROSOFT = 8_075; // hosts Bingbot and rented VMs alike
const BINGBOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)';
const UPTIMEROBOT = 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)';
const FLEET_UA = 'python-requests/2.31.0';

/** What every detector was shown. */
class Seen {
  readonly events: string[] = [];
  readonly summaries = new Map<string, number>();
}

function recorders(seen: Seen): Readonly<Record<string, AnyEngineDetectorFactory>> {
  const none = () => [];
  const size = () => ({ keys: 0, bytes: 0 });
  const eventRecorder: EventDetector = { id: 'events', input: 'events', process: (event) => (seen.events.push(event.ray_id), []), flush: none, stateSize: size, reconfigure: () => undefined };
  const summaryRecorder: SummaryDetector = {
    id: 'summaries',
    input: 'summaries',
    summary: (summary: Summary) => (seen.summaries.set(summary.subject, (seen.summaries.get(summary.subject) ?? 0) + summary.requests), []),
    flush: none,
    stateSize: size,
    reconfigure: () => undefined,
  };
  const factory = (detector: EngineDetector): AnyEngineDetectorFactory => ({ parseConfig: (raw: unknown) => raw, create: () => detector, lookbackMs: () => 1_000 });
  // Registered under real type names (the config validates them); the recorders replace them.
  return { ...registry, heuristics: factory(eventRecorder), volumetric: factory(summaryRecorder) };
}

/** 30 fleet requests, 20 of Bingbot from Bing's range, 10 of UptimeRobot from its published address, 5 of Bot-Management-verified Bingbot, 10 from the office. */
function traffic(): RequestEvent[] {
  const out: RequestEvent[] = [];
  const at = (i: number) => T0 + i * 20;
  for (let i = 0; i < 30; i++) out.push(makeEvent({ ray_id: `fleet-${i}`, ip: `20.42.${i >> 4}.${(i * 7) & 255}`, asn: MICROSOFT, user_agent: FLEET_UA, path: `/p/${i}`, timestamp_ms: at(i) }));
  for (let i = 0; i < 20; i++) out.push(makeEvent({ ray_id: `bingbot-${i}`, ip: '157.55.39.200', asn: MICROSOFT, user_agent: BINGBOT, path: `/p/${i}`, timestamp_ms: at(i) }));
  for (let i = 0; i < 10; i++) out.push(makeEvent({ ray_id: `uptimerobot-${i}`, ip: '69.162.124.230', asn: 46_475, user_agent: UPTIMEROBOT, timestamp_ms: at(i) }));
  for (let i = 0; i < 5; i++) out.push(makeEvent({ ray_id: `bingbot-bm-${i}`, ip: '20.42.200.1', asn: MICROSOFT, user_agent: BINGBOT, bot_score: 1, bot_score_src: 'Verified Bot', verified_bot_category: 'Search Engine Crawler', timestamp_ms: at(i) }));
  for (let i = 0; i < 10; i++) out.push(makeEvent({ ray_id: `office-${i}`, ip: '20.42.99.5', asn: MICROSOFT, user_agent: FLEET_UA, timestamp_ms: at(i) }));
  return out.sort((a, b) => a.timestamp_ms - b.timestamp_ms);
}

const config = parseDetectConfig({
  summary_step_ms: 100,
  safelist: { cidrs: ['20.42.99.0/24'] },
  detectors: [
    { type: 'heuristics', id: 'events-seen' },
    { type: 'volumetric', id: 'summaries-seen' },
  ],
});

test('a network hosting a verified crawler, a monitor and a scraper fleet is judged on the fleet’s requests only', (t) => {
  const seen = new Seen();
  const engine = new Engine(config, nullTelemetry(), { stage: 'all', factories: recorders(seen) });
  for (const event of traffic()) engine.process(event);
  engine.finish();
  t.like(engine.stats, { events: 75, verified: 35, safelisted: 10 });
  t.deepEqual([...new Set(seen.events.map((id) => id.replace(/-\d+$/, '')))], ['fleet'], 'no event detector saw anyone but the fleet');
  t.is(seen.summaries.get(`asn:${MICROSOFT}`), 30, 'the network’s summaries count the fleet’s 30 requests, not the crawler’s 25 or the office’s 10');
  t.is(seen.summaries.get('asn:46475'), undefined, 'the monitor’s network was never summarised');
  for (const subject of ['ip:157.55.39.200', 'prefix:157.55.39.0/24', 'ip:69.162.124.230', 'ip:20.42.200.1', 'ip:20.42.99.5', `ua:${UPTIMEROBOT}`]) t.is(seen.summaries.get(subject), undefined, subject);
  t.is(seen.summaries.get(`ua:${FLEET_UA}`), 30, 'the office sends the fleet’s user agent: not counted either');
});

test('the same holds across instances: the partition stage’s rollups of the network carry only the fleet', (t) => {
  const engine = new Engine(config, nullTelemetry(), { stage: 'partition', factories: recorders(new Seen()) });
  for (const event of traffic()) engine.process(event);
  engine.drainPartials();
  const rollups = engine.takeRollups();
  const requests = (subject: string) => rollups.filter((s) => s.subject === subject).reduce((sum, s) => sum + s.requests, 0);
  t.is(requests(`asn:${MICROSOFT}`), 30);
  t.is(requests('asn:46475'), 0);
  t.is(requests('prefix:157.55.39.0/24'), 0);
});
