import test from 'ava';
import { makeEvent } from '../test-support/events.js';
import { trafficContextConfigSchema, type TrafficContextConfig } from './config.js';
import { TrafficContext } from './traffic-context.js';

const T0 = 1_700_000_000_000;
const config: TrafficContextConfig = trafficContextConfigSchema.parse({});

/** mulberry32: a small seeded generator, so every run sees the same arrivals. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One route's traffic: Poisson arrivals at `rate(t)` per second (t in ms from T0), by thinning under `peak`. */
interface Stream {
  route: string;
  peak: number;
  rate: (t: number) => number;
}

/**
 * Feeds every stream's requests from T0 to `end_ms` in time order and returns, per route, the
 * first time (ms from T0) at or after `from_ms` it was flagged as spiking (null when never).
 */
function firstSpike(streams: Stream[], end_ms: number, seed: number, from_ms = 0, context = new TrafficContext(config)): Map<string, number | null> {
  const random = generator(seed);
  const next = streams.map((s) => -Math.log(1 - random()) * (1_000 / s.peak));
  const first = new Map<string, number | null>(streams.map((s) => [s.route, null]));
  const event = makeEvent({ host: 'shop.example' });
  for (;;) {
    let i = 0;
    for (let k = 1; k < streams.length; k++) if (next[k]! < next[i]!) i = k;
    const t = next[i]!;
    if (t >= end_ms) break;
    const stream = streams[i]!;
    next[i] = t - Math.log(1 - random()) * (1_000 / stream.peak);
    if (random() * stream.peak > stream.rate(t)) continue;
    event.timestamp_ms = T0 + Math.floor(t);
    const spiking = context.observe(event, stream.route).route_spiking;
    if (spiking && t >= from_ms && first.get(stream.route) === null) first.set(stream.route, t);
  }
  return first;
}

/** A flood from `start` (ms), ramping linearly to `extra` requests per second over 1 s, on top of `base`. */
const flood = (base: number, extra: number, start: number, length = 60_000) => (t: number) =>
  t < start || t >= start + length ? base : base + extra * Math.min(1, (t - start) / 1_000);

test('a 5× spike ramping over 1 s on a busy route (200/s) is flagged within 1.5 s, whatever its phase against the steps', (t) => {
  const delays: number[] = [];
  for (const phase of [0, 250, 500, 750]) {
    const start = 180_000 + phase;
    const first = firstSpike([{ route: 'shop.example/search', peak: 1_000, rate: flood(200, 800, start) }], start + 10_000, 7 + phase);
    const at = first.get('shop.example/search');
    t.not(at, null, `phase ${phase}`);
    delays.push((at as number) - start);
  }
  t.true(Math.max(...delays) <= 1_500, `delays ${delays.join(', ')} ms`);
  t.true(Math.min(...delays) >= 800, 'not before the spike is real');
});

test('calm traffic never spikes: 10 minutes of Poisson noise on routes of 1, 20 and 500 requests per second', (t) => {
  const first = firstSpike(
    [
      { route: 'shop.example/', peak: 1, rate: () => 1 },
      { route: 'shop.example/product/:id', peak: 20, rate: () => 20 },
      { route: 'shop.example/api/search', peak: 500, rate: () => 500 },
    ],
    600_000,
    11,
  );
  t.deepEqual([...first.values()], [null, null, null]);
});

test('a flood in the first minute is flagged once the baselines warmed up (30 steps)', (t) => {
  const start = 45_000;
  const first = firstSpike([{ route: 'shop.example/', peak: 500, rate: flood(5, 400, start) }], 60_000, 3);
  const at = first.get('shop.example/');
  t.not(at, null);
  t.true((at as number) - start <= 1_000, `flagged ${(at as number) - start} ms after the start`);
  // Before the context has seen 30 steps nothing is known: a flood at 10 s is not flagged then.
  const early = firstSpike([{ route: 'shop.example/', peak: 500, rate: flood(5, 400, 10_000, 15_000) }], 25_000, 3);
  t.is(early.get('shop.example/'), null);
});

test('a route nobody used is judged against a quiet prior: a flood on it spikes at once; a merely popular new route learns its level', (t) => {
  const start = 120_000;
  const first = firstSpike(
    [
      { route: 'shop.example/', peak: 5, rate: () => 5 },
      { route: 'shop.example/api/cart', peak: 600, rate: (ms) => (ms < start ? 0 : 600) },
    ],
    start + 5_000,
    5,
  );
  const at = first.get('shop.example/api/cart');
  t.not(at, null);
  t.true((at as number) - start < 200, `flagged ${(at as number) - start} ms in`);
  // A new route with a steady 80/s: flagged at first, no longer once its baseline is ready and the hold ran out.
  const later = firstSpike(
    [
      { route: 'shop.example/', peak: 5, rate: () => 5 },
      { route: 'shop.example/landing', peak: 80, rate: (ms) => (ms < start ? 0 : 80) },
    ],
    start + 180_000,
    9,
    start + 90_000,
  );
  t.is(later.get('shop.example/landing'), null);
});

test('overlapping spikes on two routes are flagged independently; a calm route beside them is not', (t) => {
  const first = firstSpike(
    [
      { route: 'shop.example/search', peak: 900, rate: flood(30, 800, 200_000, 40_000) },
      { route: 'shop.example/api/search', peak: 700, rate: flood(10, 600, 215_000, 40_000) },
      { route: 'shop.example/product/:id', peak: 60, rate: () => 60 },
    ],
    260_000,
    13,
  );
  t.true((first.get('shop.example/search') as number) - 200_000 <= 1_500);
  t.true((first.get('shop.example/api/search') as number) - 215_000 <= 1_500);
  t.is(first.get('shop.example/product/:id'), null);
});
