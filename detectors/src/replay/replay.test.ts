import test from 'ava';
import type { RequestEvent } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import { parseDetectConfig } from '../config.js';
import { makeEvent } from '../test-support/events.js';
import { createReplay } from './replay.js';

const T0 = 1_700_000_000_000;
// Steps of 100 ms: each event below is its own step, so its summary is judged when the next
// step's first event arrives (a step is complete once event time has moved past it).
const config = parseDetectConfig({
  allowed_lateness_ms: 1_000,
  summary_step_ms: 100,
  fusion: { ttl_ms: { block: 5_000, challenge: 5_000, log: 5_000 } },
  detectors: [
    {
      type: 'volumetric',
      id: 'ip-flood',
      config: { window_ms: 1_000, step_ms: 100, baseline: { enabled: false }, subjects: { ip: { challenge_requests: 3, block_requests: 5, scale_by_humans: false }, prefix: { enabled: false } } },
    },
  ],
});

function events(): RequestEvent[] {
  const out: RequestEvent[] = [];
  for (let i = 0; i < 6; i++) out.push(makeEvent({ ray_id: `r${i}`, ip: '81.2.69.1', timestamp_ms: T0 + i * 100 }));
  out.push(makeEvent({ ray_id: 'other', ip: '81.2.69.2', timestamp_ms: T0 + 700 }));
  out.push(makeEvent({ ray_id: 'after-ttl', ip: '81.2.69.1', timestamp_ms: T0 + 400 + 5_000 + 10_000 }));
  return out;
}

test('push annotates each event from verdicts issued before it, in input order', (t) => {
  const replay = createReplay(config, nullTelemetry());
  const results = events().map((event) => replay.push(event));
  t.deepEqual(
    results.map((r) => [r.annotation.RayID, r.annotation.action, r.verdicts.map((v) => v.action).join(',')]),
    [
      ['r0', 'allow', ''],
      ['r1', 'allow', ''],
      ['r2', 'allow', ''],
      ['r3', 'allow', 'challenge'],
      ['r4', 'challenge', ''],
      ['r5', 'challenge', 'block'],
      ['other', 'allow', ''],
      ['after-ttl', 'allow', ''],
    ],
  );
  t.deepEqual(results[4]?.annotation.reasons, ['ip-flood']);
  t.is(results[4]?.annotation.subject, 'ip:81.2.69.1');
  const last = replay.finish();
  t.true(last.every((v) => v.subject === 'ip:81.2.69.1'), 'what finish decides is about the only busy IP');
  t.is(replay.engine.stats.events, 8);
});

test('annotation lines keep their exact shape and key order', (t) => {
  const replay = createReplay(config, nullTelemetry());
  const lines = events().map((event) => JSON.stringify(replay.push(event).annotation));
  t.is(lines[0], '{"RayID":"r0","action":"allow","score":null,"subject":null,"reasons":[]}');
  t.regex(lines[4] ?? '', /^\{"RayID":"r4","action":"challenge","score":\d+,"subject":"ip:81\.2\.69\.1","reasons":\["ip-flood"\]\}$/);
});

test('replay is deterministic: same input, same verdicts and ids', (t) => {
  const run = () => {
    const replay = createReplay(config, nullTelemetry());
    return events().flatMap((event) => {
      const { verdicts, annotation } = replay.push(event);
      return [JSON.stringify(annotation), ...verdicts.map((v) => JSON.stringify(v))];
    });
  };
  t.deepEqual(run(), run());
});

test('replay --annotate: a fleet and a verified crawler in one network; the network is blocked for the fleet, never for the crawler', (t) => {
  const BINGBOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)';
  const asnConfig = parseDetectConfig({
    allowed_lateness_ms: 1_000,
    summary_step_ms: 100,
    fusion: { ttl_ms: { block: 60_000, challenge: 60_000, log: 60_000 } },
    detectors: [
      {
        type: 'volumetric',
        id: 'network-flood',
        config: { window_ms: 1_000, step_ms: 100, baseline: { enabled: false }, subjects: { ip: { enabled: false }, prefix: { enabled: false }, asn: { enabled: true, challenge_requests: 6, block_requests: 12 } } },
      },
    ],
  });
  const replay = createReplay(asnConfig, nullTelemetry());
  const fleet: string[] = [];
  const crawler: string[] = [];
  const verdicts: string[] = [];
  for (let i = 0; i < 160; i++) {
    const ts = T0 + i * 25;
    // Every 25 ms a scraper VM of the fleet (each address used once), every 50 ms Bingbot from Bing's published range.
    const event =
      i % 2 === 0
        ? makeEvent({ ray_id: `bing-${i}`, ip: '157.55.39.200', asn: 8_075, user_agent: BINGBOT, path: `/p/${i}`, timestamp_ms: ts })
        : makeEvent({ ray_id: `fleet-${i}`, ip: `20.42.${i >> 8}.${i & 255}`, asn: 8_075, user_agent: 'python-requests/2.31.0', path: `/p/${i}`, timestamp_ms: ts });
    const { annotation, verdicts: decided } = replay.push(event);
    for (const verdict of decided) verdicts.push(`${verdict.subject} ${verdict.action}`);
    (i % 2 === 0 ? crawler : fleet).push(annotation.action);
  }
  t.true(verdicts.includes('asn:8075 block'), verdicts.join(', '));
  t.true(fleet.slice(-20).every((action) => action === 'block'), 'the fleet is blocked through the network verdict');
  t.deepEqual([...new Set(crawler)], ['allow'], 'the crawler never is');
  t.is(replay.engine.stats.verified, 80, 'and none of its requests reached a detector');
});

test("replay --annotate: a fake Googlebot rotating addresses is blocked through its user agent's verdict; the real Googlebot with that user agent, and people, never are", (t) => {
  const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
  const CHROME = (v: number) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`;
  const uaConfig = parseDetectConfig({ allowed_lateness_ms: 1_000, summary_step_ms: 100, detectors: [{ type: 'heuristics', id: 'heuristics' }] });
  const replay = createReplay(uaConfig, nullTelemetry());
  const fake: string[] = [];
  const real: string[] = [];
  const people: string[] = [];
  const verdicts: string[] = [];
  for (let i = 0; i < 60; i++) {
    const ts = T0 + i * 100;
    // The fake uses each address once (a per-address verdict never covers it: it may also be an
    // address people share); Googlebot crawls from Google's published range; people browse.
    const event =
      i % 3 === 0
        ? makeEvent({ ray_id: `fake-${i}`, ip: `81.2.69.${i}`, user_agent: GOOGLEBOT, path: `/p/${i}`, timestamp_ms: ts })
        : i % 3 === 1
          ? makeEvent({ ray_id: `google-${i}`, ip: '66.249.66.1', user_agent: GOOGLEBOT, path: `/p/${i}`, timestamp_ms: ts })
          : makeEvent({ ray_id: `person-${i}`, ip: '81.2.70.8', user_agent: CHROME(120 + (i % 5)), path: `/p/${i}`, timestamp_ms: ts });
    const { annotation, verdicts: decided } = replay.push(event);
    for (const verdict of decided) verdicts.push(`${verdict.subject} ${verdict.action}`);
    (i % 3 === 0 ? fake : i % 3 === 1 ? real : people).push(annotation.action);
  }
  t.true(verdicts.includes(`ua:${GOOGLEBOT} block`), verdicts.join(', '));
  t.deepEqual(fake, ['allow', ...Array<string>(19).fill('block')], 'the fake is blocked from its second request on, each from a new address');
  t.deepEqual([...new Set(real)], ['allow'], 'the real Googlebot, same user agent, never is');
  t.deepEqual([...new Set(people)], ['allow']);
});
