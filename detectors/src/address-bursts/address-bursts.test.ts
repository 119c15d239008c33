import test from 'ava';
import { METRIC, type RequestEvent } from '@botsieve/core';
import { ManualClock, nullTelemetry } from '@botsieve/runtime';
import { defaultFeatures } from '../engine/default-features.js';
import type { EventFeatures } from '../engine/features.js';
import type { Signal } from '../engine/signal.js';
import { hash32 } from '../sketch/index.js';
import { registerGoldenTests } from '../test-support/detector-golden.js';
import { makeEvent, metricValue } from '../test-support/events.js';
import { goldenCases } from '../test-support/golden.js';
import { CrawlerDirectory } from '@botsieve/runtime';
import { classifyConfigSchema, trafficContextConfigSchema } from '../features/config.js';
import { FeatureExtractor } from '../features/feature-extractor.js';
import { Safelist } from '../safelist/index.js';
import { addressBursts, AddressBurstsDetector } from './address-bursts.js';
import { addressBurstsConfigSchema, parseAddressBurstsConfig } from './config.js';

const T0 = 1_700_000_000_000;

test('the required golden cases exist', (t) => {
  const names = goldenCases('address-bursts/testdata').map((c) => c.name);
  for (const required of ['fuzzer-404', 'ua-rotation', 'nat-200-people', 'basic-auth-guessing', 'login-loop', 'stuffing-surge', 'slow-brute-force', 'sessionless-api-reads']) t.true(names.includes(required), required);
});

registerGoldenTests(test, 'address-bursts', addressBursts, 5);

function detector(raw: unknown = {}, telemetry = nullTelemetry()): AddressBurstsDetector {
  const component = telemetry.component('detector/test');
  return addressBursts.create(addressBursts.parseConfig(raw), { clock: new ManualClock(T0), logger: component.log, metrics: component.metrics, id: 'b' }) as AddressBurstsDetector;
}

interface Hit {
  ts: number;
  ip: string;
  path?: string;
  ua?: string;
  status?: number;
  method?: string;
  kind?: EventFeatures['kind'];
  login?: boolean;
  /** The client memory's view (default: known to it, no assets loaded). */
  new_client?: boolean;
  known_browser?: boolean;
}

/** Feeds requests (sorted by time) with the features the engine would compute; returns every signal. */
function feed(d: AddressBurstsDetector, hits: Hit[]): Signal[] {
  const out: Signal[] = [];
  let flushed = T0;
  for (const h of [...hits].sort((a, b) => a.ts - b.ts)) {
    while (h.ts - flushed >= 1_000) {
      flushed += 1_000;
      out.push(...d.flush(flushed - 5_000));
    }
    const event: RequestEvent = makeEvent({ ip: h.ip, timestamp_ms: h.ts, path: h.path ?? '/', user_agent: h.ua ?? 'Mozilla/5.0', status: h.status ?? 200, method: h.method ?? 'GET' });
    const features = {
      ...defaultFeatures(event),
      kind: h.kind ?? 'page',
      ua_hash: hash32(event.user_agent),
      login: h.login ?? false,
      login_failed: (h.login ?? false) && (event.status === 401 || event.status === 403),
      new_client: h.new_client ?? false,
      known_browser: h.known_browser ?? false,
    };
    out.push(...d.process(event, features));
  }
  return out;
}

// Deterministic pseudo-random numbers (mulberry32).
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Browser builds as a carrier population has them: a few popular ones shared by many, a long tail. */
function browserOf(random: () => number, builds: number): string {
  const weights = Array.from({ length: builds }, (_, i) => 1 / (i + 1));
  let r = random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < builds; i++) if ((r -= weights[i] as number) <= 0) return `Mozilla/5.0 (build ${i}) Chrome/131.0.${i}.0 Safari/537.36`;
  return `Mozilla/5.0 (build ${builds - 1}) Chrome/131.0.0.0 Safari/537.36`;
}

/**
 * `people` people behind one address for `minutes`: each reads a page every 5–60 s and the page
 * pulls `assets()` assets and XHRs within 1.2 s with the same user agent.
 */
function nat(people: number, minutes: number, assets: (random: () => number) => number, browser: (random: () => number, person: number) => string, seed = 7): Hit[] {
  const random = prng(seed);
  const hits: Hit[] = [];
  for (let p = 0; p < people; p++) {
    const ua = browser(random, p);
    let ts = T0 + random() * 60_000;
    while (ts < T0 + minutes * 60_000) {
      hits.push({ ts: Math.round(ts), ip: '100.64.1.1', path: `/products/${Math.floor(random() * 5_000)}`, ua });
      const n = assets(random);
      for (let a = 0; a < n; a++) hits.push({ ts: Math.round(ts + 50 + random() * 1_150), ip: '100.64.1.1', path: `/static/${Math.floor(random() * 900)}.js`, ua, kind: 'asset' });
      ts += 5_000 + random() * 55_000;
    }
  }
  return hits;
}

test('NAT of 200 people with realistic browsers, pages pulling their assets, for 10 minutes: no signal', (t) => {
  const hits = nat(200, 10, (r) => Math.floor(r() * 9), (r) => browserOf(r, 60));
  t.true(hits.length > 15_000);
  t.deepEqual(feed(detector(), hits), []);
});

test('NAT of 200 people whose browsers cached every asset (pages only), realistic browser builds: no signal', (t) => {
  t.deepEqual(feed(detector(), nat(200, 10, () => 0, (r) => browserOf(r, 60))), []);
});

test('the documented limit: 200 people, every one a distinct browser build and nothing but pages, is challenged (never blocked)', (t) => {
  const signals = feed(detector(), nat(200, 3, () => 0, (_, p) => `Mozilla/5.0 (person ${p}) Chrome/131.0.0.0 Safari/537.36`));
  t.true(signals.length > 0);
  t.true(signals.every((s) => s.detector === 'b/ua_rotation' && s.action === 'challenge'));
});

test('a rotator on its own address is challenged within 4 s (14 requests at 4 a second); 200 people behind a NAT meanwhile are not', (t) => {
  const rotator = Array.from({ length: 60 }, (_, i): Hit => ({ ts: T0 + 60_000 + i * 250, ip: '203.0.113.9', path: `/products/${i}`, ua: `Mozilla/5.0 (rotating ${i}) Chrome/${100 + i}.0.0.0 Safari/537.36` }));
  const signals = feed(detector(), [...nat(200, 2, (r) => Math.floor(r() * 9), (r) => browserOf(r, 60)), ...rotator]);
  t.deepEqual(signals.map((s) => [s.subject, s.detector, s.action]), [['ip:203.0.113.9', 'b/ua_rotation', 'challenge']]);
  t.true(signals[0]!.at - (T0 + 60_000) <= 4_000, `after ${signals[0]!.at - T0 - 60_000} ms`);
  t.like(signals[0]!.evidence, { new_ua_share: 1, follow_share: 0, half_life_ms: 10_000, min_requests: 12 });
});

test('each rule acts within seconds of the burst starting', (t) => {
  const d = detector();
  const start = T0 + 10_000;
  const fuzz = feed(d, Array.from({ length: 40 }, (_, i): Hit => ({ ts: start + i * 50, ip: '203.0.113.1', path: `/${i}.php`, status: 404 })));
  t.is(fuzz.length, 1);
  t.is(fuzz[0]!.at - start, 19 * 50, 'at the 20th error, within a second');
  t.like(fuzz[0]!.evidence, { errors: 20, distinct_paths: 20, requests: 20, error_ratio: 1, min_errors: 20 });
  const guesses = feed(d, Array.from({ length: 12 }, (_, i): Hit => ({ ts: start + i * 300, ip: '203.0.113.2', path: '/admin', status: 401 })));
  t.is(guesses[0]!.at - start, 9 * 300);
  t.like(guesses[0]!.evidence, { unauthorized: 10, requests: 10, ratio: 1 });
  const logins = feed(d, Array.from({ length: 6 }, (_, i): Hit => ({ ts: start + i * 700, ip: '203.0.113.3', path: '/login', method: 'POST', status: 401, login: true, kind: 'other' })));
  t.is(logins[0]!.at - start, 3 * 700);
  t.like(logins[0]!.evidence, { attempts: 4, failures: 4, window_ms: 5_000 });
  for (const s of [...fuzz, ...guesses, ...logins]) {
    t.is(s.action, 'block');
    t.is(s.ttl_ms, 300_000);
    for (const value of Object.values(s.evidence)) t.is(typeof value, 'number');
  }
});

test('login loop on a busy NAT exit: one client\'s loop is caught amid the people\'s traffic and names its user agent; people\'s logins from different user agents are not a loop', (t) => {
  const NAT = '198.51.100.77';
  const BOT = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) Safari/604.1';
  // The app's people: 8 requests a second from 12 builds and platforms.
  const people = Array.from({ length: 80 }, (_, i): Hit => ({ ts: T0 + i * 125, ip: NAT, path: `/api/v1/products/${i}`, ua: `ShopApp/4.${i % 12}`, kind: 'api' }));
  const loop = Array.from({ length: 5 }, (_, i): Hit => ({ ts: T0 + 2_000 + i * 900, ip: NAT, path: '/login', method: 'POST', status: 401, ua: BOT, login: true, kind: 'other' }));
  const [signal, ...rest] = feed(detector(), [...people, ...loop]).filter((s) => s.detector === 'b/login_loop');
  t.is(rest.length, 0, 'once per cooldown');
  t.like(signal, { subject: `ip:${NAT}`, action: 'block', user_agent: BOT, at: T0 + 2_000 + 3 * 900 });
  t.like(signal?.evidence, { attempts: 4, failures: 4, one_client: 1 });
  t.true((signal?.evidence.login_share ?? 1) < 0.8, 'not most of the address\'s traffic');
  // Four people failing a login each within five seconds, between the same traffic: no loop.
  const four = loop.slice(0, 4).map((h, i): Hit => ({ ...h, ua: `ShopApp/4.${i}` }));
  t.deepEqual(feed(detector(), [...people, ...four]).filter((s) => s.detector === 'b/login_loop'), []);
});

test('slow ones are not bursts: 404s, 401s and logins spread over minutes never signal', (t) => {
  const d = detector();
  const slow = [
    ...Array.from({ length: 60 }, (_, i): Hit => ({ ts: T0 + i * 2_000, ip: '192.0.2.1', path: `/${i}`, status: 404 })),
    ...Array.from({ length: 30 }, (_, i): Hit => ({ ts: T0 + i * 5_000, ip: '192.0.2.2', path: '/admin', status: 401 })),
    ...Array.from({ length: 10 }, (_, i): Hit => ({ ts: T0 + i * 6_000, ip: '192.0.2.3', path: '/login', method: 'POST', status: 401, login: true })),
  ];
  t.deepEqual(feed(d, slow), []);
});

test('cooldown: a continuing burst is signalled again once per cooldown_ms', (t) => {
  const d = detector({ cooldown_ms: 10_000 });
  const signals = feed(d, Array.from({ length: 300 }, (_, i): Hit => ({ ts: T0 + i * 100, ip: '203.0.113.4', path: `/${i}`, status: 404 })));
  t.deepEqual(signals.map((s) => (s.at - T0) / 100), [19, 119, 219]);
});

test('bounded state: a spray of 200,000 addresses never tracks more than the cap; evictions are counted; a burst is still caught', async (t) => {
  const telemetry = nullTelemetry();
  const d = detector({ max_tracked_ips: 1_000 }, telemetry);
  let max = 0;
  const caught: Signal[] = [];
  for (let i = 0; i < 200_000; i++) {
    const ts = T0 + i;
    const event = makeEvent({ ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, timestamp_ms: ts });
    d.process(event, defaultFeatures(event));
    if (i % 10 === 0) {
      const scan = makeEvent({ ip: '203.0.113.99', timestamp_ms: ts, path: `/${i}`, status: 404 });
      caught.push(...d.process(scan, defaultFeatures(scan)));
    }
    if (i % 1_000 === 0) d.flush(ts - 5_000);
    max = Math.max(max, d.trackedAddresses());
  }
  t.true(max <= 1_000);
  d.flush(T0 + 200_000);
  t.true((await metricValue(telemetry, METRIC.discarded, { reason: 'state_evicted' })) > 198_000);
  t.true(caught.length >= 1, 'the scanner, touched every 10 events, stays in the table');
  t.true(d.stateSize().bytes < 1_000 * 500);
});

test('flush forgets addresses idle for the longest window', (t) => {
  const d = detector();
  feed(d, [{ ts: T0, ip: '192.0.2.9' }]);
  d.flush(T0 + 49_999);
  t.is(d.trackedAddresses(), 1);
  d.flush(T0 + 50_000);
  t.is(d.trackedAddresses(), 0);
  t.deepEqual(d.stateSize(), { keys: 0, bytes: 0 });
});

/** A failed login from `ip` at `ts`, nothing before it (new to the client memory on its first). */
const failedLogin = (ts: number, ip: string, first = false): Hit => ({ ts, ip, method: 'POST', path: '/login', status: 401, kind: 'other', login: true, new_client: first });

test('sessionless logins: an address keeps its history for window_ms, beyond the seconds an IpState lives', (t) => {
  const d = detector();
  // A slow guesser: one failure every 70 s, longer than the 50 s an idle address is kept.
  const hits = Array.from({ length: 4 }, (_, i) => failedLogin(T0 + i * 70_000, '203.0.113.150', i === 0));
  const signals = feed(d, hits).filter((s) => s.detector === 'b/sessionless_logins');
  // Challenged at its 3rd failure, re-signalled at the 4th (70 s later: past the 60 s cooldown).
  t.deepEqual(signals.map((s) => [s.action, s.evidence.sessionless_failures]), [['challenge', 3], ['challenge', 4]]);
  // Its trail is forgotten window_ms (10 min) after its last attempt.
  d.flush(T0 + 3 * 70_000 + 600_000);
  t.is(d.stateSize().keys, 1);
  d.flush(T0 + 3 * 70_000 + 600_001);
  t.is(d.stateSize().keys, 0);
});

test('sessionless logins: an address with a session (pages, app calls, assets, earlier traffic) is never judged so', (t) => {
  const d = detector();
  const hits: Hit[] = [];
  for (let i = 0; i < 6; i++) {
    // Each address does one thing first, then fails 5 logins.
    const ip = `192.0.2.${200 + i}`;
    if (i === 0) hits.push({ ts: T0, ip, path: '/login', new_client: true });
    if (i === 1) hits.push({ ts: T0, ip, path: '/api/config', kind: 'api', new_client: true });
    if (i === 2) hits.push({ ts: T0, ip, path: '/static/app.js', kind: 'asset', new_client: true });
    for (let k = 0; k < 5; k++) hits.push({ ...failedLogin(T0 + 1_000 + k * 9_000, ip, false), known_browser: i === 3 });
    // i = 4: known to the client memory at its first request (it sent something minutes ago).
    // i = 5: the same, but its earlier traffic was not seen: still known, still not judged.
  }
  t.deepEqual(feed(d, hits).filter((s) => s.detector === 'b/sessionless_logins'), []);
});

test('sessionless logins: state is bounded by max_tracked_addresses; evictions are counted', async (t) => {
  const telemetry = nullTelemetry();
  const d = detector({ sessionless_logins: { max_tracked_addresses: 100 } }, telemetry);
  feed(d, Array.from({ length: 1_000 }, (_, i) => failedLogin(T0 + i * 10, `198.51.${i >> 8}.${i & 255}`, true)));
  d.flush(T0 + 20_000);
  t.true(d.stateSize().keys <= 100 + 1_000, 'trails capped (the addresses themselves are the IpStates)');
  t.is(await metricValue(telemetry, METRIC.discarded, { reason: 'state_evicted' }), 900);
});

test('reconfigure: thresholds apply at once and keep the state; a new ring size restarts it', (t) => {
  const d = detector();
  feed(d, Array.from({ length: 8 }, (_, i): Hit => ({ ts: T0 + i * 100, ip: '203.0.113.5', path: `/${i}`, status: 404 })));
  d.reconfigure(parseAddressBurstsConfig({ client_errors: { min_errors: 8, min_distinct_paths: 5 } }));
  t.is(d.trackedAddresses(), 0, 'min_errors sizes the ring: state restarted');
  const again = feed(d, Array.from({ length: 8 }, (_, i): Hit => ({ ts: T0 + 1_000 + i * 100, ip: '203.0.113.5', path: `/${i}`, status: 404 })));
  t.is(again.length, 1);
  d.reconfigure(parseAddressBurstsConfig({ client_errors: { min_errors: 8, min_distinct_paths: 5, action: 'challenge' }, cooldown_ms: 1 }));
  t.is(d.trackedAddresses(), 1, 'an action change keeps the state');
  t.is(feed(d, [{ ts: T0 + 2_000, ip: '203.0.113.5', path: '/x', status: 404 }])[0]?.action, 'challenge');
});

test('verified good bots, safelisted and unknown addresses are never tracked', (t) => {
  const d = detector();
  const event = makeEvent({ ip: '66.249.66.1', status: 404 });
  t.deepEqual(d.process(event, { ...defaultFeatures(event), verified: true }), []);
  t.deepEqual(d.process(event, { ...defaultFeatures(event), safelisted: true }), []);
  t.deepEqual(d.process(makeEvent({ ip: '' }), defaultFeatures(event)), []);
  t.is(d.trackedAddresses(), 0);
});

test('config: defaults, lookback, problems listed with their paths', (t) => {
  const config = parseAddressBurstsConfig(undefined);
  t.like(config.client_errors, { window_ms: 10_000, min_errors: 20, min_distinct_paths: 15, min_error_ratio: 0.8, action: 'block', ttl_ms: 300_000 });
  t.like(config.ua_rotation, { half_life_ms: 10_000, min_requests: 12, min_new_ua_share: 0.9, max_follow_share: 0.1, action: 'challenge' });
  t.like(config.unauthorized, { window_ms: 10_000, min_unauthorized: 10, min_ratio: 0.8 });
  t.like(config.login_loop, { window_ms: 5_000, min_attempts: 4, min_failures: 3 });
  t.like(config.sessionless_logins, { window_ms: 600_000, challenge_failures: 3, block_failures: 8, surge_challenge_failures: 1, surge_block_failures: 3, min_failure_ratio: 0.8 });
  t.like(config.sessionless_logins.surge, { short_window_ms: 60_000, long_window_ms: 600_000, min_short_excess: 5, min_long_excess: 12, prior_share: 0.01 });
  // The login histories and the surge's long window: 10 minutes.
  t.is(addressBursts.lookbackMs(config), 600_000);
  const error = t.throws(() => parseAddressBurstsConfig({ client_errors: { min_errors: 5, min_distinct_paths: 10 }, login_loop: { min_attempts: 1 }, ua_rotation: { min_new_ua_share: 2 }, extra: true }), { code: 'ERR_DETECTOR_CONFIG' });
  for (const part of ['login_loop.min_attempts', 'ua_rotation.min_new_ua_share', 'extra']) t.true(error?.message.includes(part), `${part} in:\n${error?.message}`);
  t.throws(() => parseAddressBurstsConfig({ client_errors: { min_errors: 5, min_distinct_paths: 10 } }), { code: 'ERR_DETECTOR_CONFIG', message: /client_errors\.min_distinct_paths/ });
});

test('every config field is described', (t) => {
  for (const [key, field] of Object.entries(addressBurstsConfigSchema.shape)) t.truthy(field.description, key);
});

/** Feeds [ms, ip, user agent, uri or 'POST uri'] calls through the real feature extractor (the client memory's sessions included). */
function feedCalls(d: AddressBurstsDetector, calls: [number, string, string, string][]): Signal[] {
  const features = new FeatureExtractor(classifyConfigSchema.parse({}), trafficContextConfigSchema.parse({}), { safelist: new Safelist(), crawlers: CrawlerDirectory.load() });
  const out: Signal[] = [];
  for (const [ms, ip, user_agent, call] of calls) {
    const [method, uri] = call.startsWith('POST ') ? ['POST', call.slice(5)] : ['GET', call];
    const event = makeEvent({ ip, user_agent, method, path: uri.split('?')[0], uri, content_type: 'application/json', timestamp_ms: T0 + ms });
    out.push(...d.process(event, features.extract(event)));
  }
  return out;
}

const OKHTTP = 'okhttp/4.12.0';

test('sessionless_reads: a scraper wearing the app reads products down a list from one address: challenged at its 4th distinct read, blocked at its 10th', (t) => {
  const calls: [number, string, string, string][] = [];
  for (let i = 0; i < 14; i++) calls.push([i * 400, '203.0.113.50', OKHTTP, i === 6 ? '/api/search?q=sneaker' : `/api/products/${500 + i}`]);
  const signals = feedCalls(detector(), calls);
  t.deepEqual(signals.map((s) => [s.detector, s.action, s.at - T0, s.evidence.distinct_reads]), [
    ['b/sessionless_reads', 'challenge', 1_200, 4],
    ['b/sessionless_reads', 'block', 3_600, 10],
  ]);
  t.like(signals[0], { subject: 'ip:203.0.113.50', score: 22, ttl_ms: 300_000 });
});

test('sessionless_reads: the app\'s users, a buyer polling one product, a phone that changed address, a NAT exit of several builds and reads with a Referer are not judged', (t) => {
  const d = detector();
  const calls: [number, string, string, string][] = [];
  // A session: launch, views with recommendations and events, 12 products.
  calls.push([0, '198.51.100.60', OKHTTP, '/api/config']);
  for (let i = 0; i < 12; i++) calls.push([1_000 + i * 3_000, '198.51.100.60', OKHTTP, `/api/products/${i + 1}`], [1_200 + i * 3_000, '198.51.100.60', OKHTTP, `/api/recommendations/${i + 1}`], [1_400 + i * 3_000, '198.51.100.60', OKHTTP, 'POST /api/events']);
  // A buyer polling the release's product.
  for (let i = 0; i < 20; i++) calls.push([i * 2_000, '198.51.100.61', OKHTTP, '/api/products/77']);
  // A phone that changed address mid-session: a product, its recommendations, then events.
  for (let i = 0; i < 5; i++) calls.push([5_000 + i * 3_000, '198.51.100.62', OKHTTP, `/api/products/${40 + i}`], [5_200 + i * 3_000, '198.51.100.62', OKHTTP, `/api/recommendations/${40 + i}`], [5_400 + i * 3_000, '198.51.100.62', OKHTTP, 'POST /api/events']);
  // Caught mid-session by a cold start, browsing listings (two routes) and posting its events.
  for (let i = 0; i < 6; i++) calls.push([2_000 + i * 4_000, '198.51.100.65', OKHTTP, `/api/categories/c${i}?page=${i}`], [2_300 + i * 4_000, '198.51.100.65', OKHTTP, 'POST /api/events']);
  // A NAT exit whose first seconds are product reads from three builds of the app.
  for (let i = 0; i < 12; i++) calls.push([i * 250, '198.51.100.63', `okhttp/4.${10 + (i % 3)}.0`, `/api/products/${100 + i}`]);
  t.deepEqual(feedCalls(d, calls.sort((a, b) => a[0] - b[0])), []);
  // The single-page app's reads carry the page as Referer: a browser's session, not counted.
  const spa = detector();
  const features = new FeatureExtractor(classifyConfigSchema.parse({}), trafficContextConfigSchema.parse({}), { safelist: new Safelist(), crawlers: CrawlerDirectory.load() });
  const signals: Signal[] = [];
  for (let i = 0; i < 12; i++) {
    const event = makeEvent({ ip: '198.51.100.64', path: `/api/products/${i}`, content_type: 'application/json', referer: 'https://example.com/', timestamp_ms: T0 + i * 500 });
    signals.push(...spa.process(event, features.extract(event)));
  }
  t.deepEqual(signals, []);
  // Disabled: nothing, whatever the scraper does.
  const off: [number, string, string, string][] = Array.from({ length: 12 }, (_, i) => [i * 400, '203.0.113.51', OKHTTP, `/api/products/${i}`]);
  t.deepEqual(feedCalls(detector({ sessionless_reads: { enabled: false } }), off), []);
});
