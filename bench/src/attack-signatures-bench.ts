/**
 * Per-event cost of the two event detectors added for single-shot attacks and address bursts,
 * beside heuristics (the other event detector) on the same events: 100k requests, 90 % browsers
 * on ordinary shop URLs (slugs, searches, UTM ids, encoded text; many with query strings), 5 %
 * generic automation, 5 % give-away requests from the attack corpus; 5,000 addresses. Best of 5.
 *
 *   npm run bench:attack-signatures
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestEvent } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import type { EventDetector, EventFeatures } from '@botsieve/detectors';
import { addressBursts, attackSignatures, defaultFeatures, detectorsPackageRoot, hash32, heuristics, type AnyEngineDetectorFactory } from '@botsieve/detectors/internals';
import { makeEvent } from '@botsieve/detectors/test-support';
import { seededRandom } from './seeded-random.js';

const EVENTS = 100_000;
const ROUNDS = 5;

const { random, pick, int } = seededRandom(0x5eed);

const corpus = (file: string): string[] =>
  readFileSync(join(detectorsPackageRoot(), 'src', 'attack-signatures', 'testdata', file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
const shop = corpus('shop-urls.txt').map((line) => line.split(' ')[1] as string);
const attacks = corpus('attack-urls.txt').map((line) => line.split(' ')[3] as string);
const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
];
const TOOLS = ['curl/8.4.0', 'python-requests/2.31.0', 'Go-http-client/1.1', 'sqlmap/1.7.2#stable (https://sqlmap.org)', 'Mozilla/5.0 zgrab/0.x'];

function generate(): { event: RequestEvent; features: EventFeatures }[] {
  const ips = Array.from({ length: 5_000 }, () => `${1 + int(222)}.${int(256)}.${int(256)}.${int(256)}`);
  return Array.from({ length: EVENTS }, (_, i) => {
    const r = random();
    const target = r < 0.05 ? pick(attacks) : r < 0.5 ? pick(shop) : `/products/${int(50_000)}${random() < 0.3 ? `?utm_source=google&utm_medium=cpc&gclid=Cj0KCQ${int(1e9)}` : ''}`;
    const q = target.indexOf('?');
    const ua = r >= 0.05 && r < 0.1 ? pick(TOOLS) : pick(BROWSERS);
    const event = makeEvent({ ray_id: `r${i}`, timestamp_ms: 1_700_000_000_000 + i * 10, ip: pick(ips), path: q === -1 ? target : target.slice(0, q), uri: target, user_agent: ua, status: random() < 0.03 ? 404 : 200 });
    const features = { ...defaultFeatures(event), ua_hash: hash32(ua), ip_hash: hash32(event.ip), kind: random() < 0.6 ? ('asset' as const) : ('page' as const), automation_ua: ua !== BROWSERS[0] && !ua.startsWith('Mozilla/5.0 ('), browser_ua: ua.startsWith('Mozilla/5.0 (') };
    return { event, features };
  });
}

function time(label: string, factory: AnyEngineDetectorFactory, events: { event: RequestEvent; features: EventFeatures }[]): number {
  const component = nullTelemetry().component('detector/bench');
  let best = Number.POSITIVE_INFINITY;
  let signals = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const detector = factory.create(factory.parseConfig({}), { clock: { now: () => 0 }, logger: component.log, metrics: component.metrics, id: 'bench' }) as EventDetector;
    signals = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < events.length; i++) {
      const { event, features } = events[i] as { event: RequestEvent; features: EventFeatures };
      signals += detector.process(event, features).length;
      if ((i & 1_023) === 0) detector.flush(event.timestamp_ms - 5_000);
    }
    const us = Number(process.hrtime.bigint() - start) / 1_000 / events.length;
    if (us < best) best = us;
  }
  process.stdout.write(`${label.padEnd(40)} ${best.toFixed(3)} µs/event   (${signals} signals in the last round)\n`);
  return best;
}

const events = generate();
process.stdout.write(`event detectors bench: ${EVENTS} events, best of ${ROUNDS} rounds (Node ${process.version})\n`);
const h = time('heuristics (built-ins, no rules)', heuristics, events);
const a = time('attack-signatures (defaults)', attackSignatures, events);
const b = time('address-bursts (defaults)', addressBursts, events);
process.stdout.write(`attack-signatures ${(a / h).toFixed(1)}× and address-bursts ${(b / h).toFixed(1)}× heuristics' built-ins; heuristics with 200 rules: npm run bench:heuristics\n`);
