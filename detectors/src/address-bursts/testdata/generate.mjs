// Writes this directory's golden inputs (config.json, input.ndjson) from hand-built traffic.
// Run from anywhere: `node src/address-bursts/testdata/generate.mjs`; then
// `UPDATE_GOLDEN=1 npx ava dist/address-bursts/address-bursts.test.js` and read every expected.ndjson.
//
// The detector reads the engine's features: `kind` (page/asset/api), `ua_hash` (the user agent's
// hash: any number per distinct user agent), `login` and `login_failed`; events carry the status.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const T0 = 1_700_000_000_000;

// Deterministic pseudo-random numbers (mulberry32): the same files every run.
let seed = 0x5eed;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
}
const int = (n) => Math.floor(random() * n);

function write(name, config, steps) {
  const base = join(here, name);
  mkdirSync(base, { recursive: true });
  writeFileSync(join(base, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  const sorted = steps.filter((s) => s.event !== undefined).sort((a, b) => a.event.timestamp_ms - b.event.timestamp_ms);
  const out = [];
  let flush = T0 + 5_000;
  for (const s of sorted) {
    while (s.event.timestamp_ms >= flush) {
      out.push({ flush: flush - 1_000 });
      flush += 5_000;
    }
    out.push(s);
  }
  out.push({ flush: sorted.at(-1).event.timestamp_ms + 120_000 });
  writeFileSync(join(base, 'input.ndjson'), out.map((s) => JSON.stringify(s)).join('\n') + '\n');
}

let ray = 0;
/** One request; `ua` is a user-agent label, `hash` its number. */
function request(ts, ip, path, { status = 200, method = 'GET', ua = 'browser-1', hash = 1, kind = 'page', login = false, newClient, knownBrowser } = {}) {
  const event = { ray_id: `r${++ray}`, timestamp_ms: Math.round(ts), ip, method, path, user_agent: ua, status };
  const features = { kind, ua_hash: hash };
  // The client memory's view (new_client, known_browser), where the case says.
  if (newClient !== undefined) features.new_client = newClient;
  if (knownBrowser !== undefined) features.known_browser = knownBrowser;
  if (login) Object.assign(features, { login: true, login_failed: status === 401 || status === 403 || status === 422 });
  return { event, features };
}

/** A browser's page view: the page, then `assets` assets within ~1.2 s, same user agent. */
function pageView(steps, ts, ip, path, ua, hash, assets, status = 200) {
  steps.push(request(ts, ip, path, { ua, hash, status }));
  for (let a = 0; a < assets; a++) steps.push(request(ts + 80 + int(1_100), ip, `/static/img/${int(5_000)}.webp`, { ua, hash, kind: 'asset' }));
}

// fuzzer-404: a directory brute force (30 random paths in 3 s, all 404) is blocked at its 20th
// error. Not flagged: a shopper on a page whose 40 images are gone (assets), a shopper who hits
// three dead links, and a busy office NAT (40 people) whose reviews XHR is 404 for half the products.
{
  ray = 0;
  const steps = [];
  for (let i = 0; i < 30; i++) steps.push(request(T0 + 1_000 + i * 100, '203.0.113.50', `/${['admin', 'backup', 'old', 'test', 'dev', 'v1', 'api2', 'private'][i % 8]}${i}`, { status: 404, ua: 'gobuster-like', hash: 99 }));
  steps.push(request(T0 + 2_000, '192.0.2.10', '/products/summer-collection', { ua: 'chrome-131', hash: 7 }));
  for (let i = 0; i < 40; i++) steps.push(request(T0 + 2_100 + i * 20, '192.0.2.10', `/media/gallery/${i}.jpg`, { status: 404, ua: 'chrome-131', hash: 7, kind: 'asset' }));
  for (let i = 0; i < 40; i++) steps.push(request(T0 + 3_000 + i * 1_500, '192.0.2.11', `/products/${i}`, { status: i % 13 === 5 ? 404 : 200, ua: 'safari-17', hash: 8 }));
  // 40 people, a page view every ~4 s each with 4 assets and a reviews XHR that is 404 for half the products.
  for (let person = 0; person < 40; person++) {
    const browser = person % 12;
    for (let ts = T0 + 1_000 + int(4_000); ts < T0 + 11_000; ts += 2_000 + int(4_000)) {
      pageView(steps, ts, '198.51.100.77', `/products/${int(500)}`, `browser-${browser}`, 100 + browser, 4);
      steps.push(request(ts + 300 + int(500), '198.51.100.77', `/api/products/${int(5_000)}/reviews`, { status: random() < 0.5 ? 404 : 200, ua: `browser-${browser}`, hash: 100 + browser, kind: 'api' }));
    }
  }
  write('fuzzer-404', {}, steps);
}

// ua-rotation: a scraper with a new user agent on every request (4 per second) is challenged
// after ~3 s. Not flagged: one shopper with their assets, and a scraper cycling through a pool of
// four user agents (not "a new one every request": documented limit, left to other detectors).
{
  ray = 0;
  const steps = [];
  for (let i = 0; i < 40; i++) steps.push(request(T0 + 1_000 + i * 250, '203.0.113.60', `/products/${2_000 + i}`, { ua: `rotating-${i}`, hash: 10_000 + i }));
  for (let p = 0; p < 8; p++) pageView(steps, T0 + 1_000 + p * 4_000, '192.0.2.20', `/products/${p}`, 'chrome-131', 7, 4);
  for (let i = 0; i < 40; i++) steps.push(request(T0 + 1_000 + i * 250, '203.0.113.61', `/products/${3_000 + i}`, { ua: `pool-${i % 4}`, hash: 20_000 + (i % 4) }));
  write('ua-rotation', {}, steps);
}

// nat-200-people: 200 people behind one carrier address for 30 s, each with their own browser
// (40 browser builds, the popular ones shared as in real traffic), each page pulling 0–8 assets
// with the same user agent: no signal.
{
  ray = 0;
  const steps = [];
  const weights = Array.from({ length: 40 }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const pickBrowser = () => {
    let r = random() * total;
    for (let i = 0; i < weights.length; i++) if ((r -= weights[i]) <= 0) return i;
    return 39;
  };
  for (let person = 0; person < 200; person++) {
    const browser = pickBrowser();
    let ts = T0 + int(15_000);
    while (ts < T0 + 30_000) {
      pageView(steps, ts, '100.64.10.1', `/products/${int(2_000)}`, `browser-${browser}`, 1_000 + browser, int(9));
      ts += 5_000 + int(20_000);
    }
  }
  write('nat-200-people', {}, steps);
}

// basic-auth-guessing: 15 guesses at a protected path in 3 s, all 401: blocked at the 10th. Not
// flagged: a logged-out shopper whose SPA asks /api/customer/me (401) on each page.
{
  ray = 0;
  const steps = [];
  for (let i = 0; i < 15; i++) steps.push(request(T0 + 1_000 + i * 200, '203.0.113.70', '/admin/', { status: 401, ua: 'hydra-like', hash: 70 }));
  for (let p = 0; p < 12; p++) {
    pageView(steps, T0 + 1_000 + p * 1_500, '192.0.2.30', `/products/${p}`, 'chrome-131', 7, 5);
    steps.push(request(T0 + 1_300 + p * 1_500, '192.0.2.30', '/api/customer/me', { status: 401, ua: 'chrome-131', hash: 7, kind: 'api' }));
  }
  write('basic-auth-guessing', {}, steps);
}

// login-loop: a script posting failed logins every 0.8 s is blocked at its 4th attempt. Not
// flagged: a shopper who mistypes twice (a double-click, then a retry 8 s later), an office
// NAT where 10 people log in within a minute (one of them mistypes), and a carrier NAT exit where
// app users make 40 calls a second and 5 of them log in within 3 s, 4 failing (the logins are a
// sliver of the address's requests).
{
  ray = 0;
  const steps = [];
  for (let i = 0; i < 8; i++) steps.push(request(T0 + 1_000 + i * 800, '203.0.113.80', '/login', { method: 'POST', status: 401, ua: 'script', hash: 80, kind: 'other', login: true }));
  steps.push(request(T0 + 2_000, '192.0.2.40', '/login', { method: 'POST', status: 401, ua: 'chrome-131', hash: 7, kind: 'other', login: true }));
  steps.push(request(T0 + 2_250, '192.0.2.40', '/login', { method: 'POST', status: 401, ua: 'chrome-131', hash: 7, kind: 'other', login: true }));
  steps.push(request(T0 + 10_000, '192.0.2.40', '/login', { method: 'POST', status: 200, ua: 'chrome-131', hash: 7, kind: 'other', login: true }));
  for (let i = 0; i < 10; i++) steps.push(request(T0 + 1_000 + i * 6_000, '198.51.100.90', '/login', { method: 'POST', status: i === 4 ? 401 : 302, ua: `browser-${i}`, hash: 200 + i, kind: 'other', login: true }));
  const exit = '100.64.30.1';
  for (let i = 0; i < 200; i++) steps.push(request(T0 + 20_000 + i * 25, exit, `/api/products/${int(5_000)}`, { ua: `okhttp/4.${i % 3}`, hash: 400 + (i % 3), kind: 'api' }));
  for (let i = 0; i < 5; i++) steps.push(request(T0 + 21_000 + i * 700, exit, '/api/auth/login', { method: 'POST', status: i === 2 ? 200 : 401, ua: `okhttp/4.${i % 3}`, hash: 400 + (i % 3), kind: 'api', login: true }));
  write('login-loop', {}, steps);
}

// stuffing-surge: a proxy pool replays leaked credentials, 1–3 attempts per fresh address
// (new to the client memory, no page, no asset), one new address every ~1.5 s; the origin answers
// a few attempts 503. Each address's first refused attempt is counted by the route surge; once 5
// addresses failed so within a minute (the baseline share: none of the customers' logins fail
// without a session), every later address is challenged at its first unsuccessful attempt (a 503
// too: its next attempts are covered) and blocked at its third.
// Not flagged meanwhile: web customers (login page with its assets first, known browsers) who
// mistype once or twice, and an app user who opens the app (config, home) and fails twice.
{
  ray = 0;
  const steps = [];
  let ts = T0 + 1_000;
  for (let worker = 0; worker < 24; worker++) {
    const ip = `203.0.113.${100 + worker}`;
    const attempts = 1 + (worker % 3);
    for (let a = 0; a < attempts; a++) {
      const status = worker % 7 === 3 && a === 0 ? 503 : random() < 0.95 ? 401 : 302;
      steps.push(request(ts + a * (2_000 + int(6_000)), ip, '/login', { method: 'POST', status, ua: 'chrome-120', hash: 120, kind: 'other', login: true, newClient: a === 0, knownBrowser: false }));
    }
    ts += 1_000 + int(1_000);
  }
  for (let person = 0; person < 6; person++) {
    const ip = `192.0.2.${60 + person}`;
    const start = T0 + 2_000 + person * 5_000;
    steps.push(request(start, ip, '/products/42', { ua: 'chrome-131', hash: 7, newClient: true, knownBrowser: false }));
    for (let a = 0; a < 4; a++) steps.push(request(start + 100 + a * 200, ip, `/static/app-${a}.js`, { ua: 'chrome-131', hash: 7, kind: 'asset', knownBrowser: a > 0 }));
    steps.push(request(start + 5_000, ip, '/login', { ua: 'chrome-131', hash: 7, knownBrowser: true }));
    const failures = person % 3;
    for (let a = 0; a <= failures; a++) steps.push(request(start + 15_000 + a * 8_000, ip, '/login', { method: 'POST', status: a < failures ? 401 : 302, ua: 'chrome-131', hash: 7, kind: 'other', login: true, knownBrowser: true }));
  }
  steps.push(request(T0 + 4_000, '198.51.100.120', '/api/config', { ua: 'okhttp/4.12.0', hash: 300, kind: 'api', newClient: true }));
  steps.push(request(T0 + 4_300, '198.51.100.120', '/api/home', { ua: 'okhttp/4.12.0', hash: 300, kind: 'api' }));
  for (let a = 0; a < 3; a++) steps.push(request(T0 + 20_000 + a * 7_000, '198.51.100.120', '/api/auth/login', { method: 'POST', status: a < 2 ? 401 : 200, ua: 'okhttp/4.12.0', hash: 300, kind: 'api', login: true }));
  write('stuffing-surge', {}, steps);
}

// slow-brute-force: one address posting a failed login every ~4 s for two minutes, nothing else
// (no surge: a single address). Challenged at its 3rd failure, blocked at its 8th, re-signalled
// once per cooldown. Not flagged: a carrier NAT exit where app users browse (many API calls) and
// log in, a fifth of them failing, and a lone customer whose session the client memory still
// holds (its address was seen minutes ago) failing three times.
{
  ray = 0;
  const steps = [];
  for (let i = 0; i < 30; i++) steps.push(request(T0 + 1_000 + i * 4_000 + int(1_500), '203.0.113.140', '/login', { method: 'POST', status: 401, ua: 'chrome-124', hash: 124, kind: 'other', login: true, newClient: i === 0, knownBrowser: false }));
  for (let i = 0; i < 400; i++) steps.push(request(T0 + 500 + i * 300, '100.64.20.1', `/api/products/${int(5_000)}`, { ua: `okhttp/4.${i % 3}`, hash: 400 + (i % 3), kind: 'api', newClient: i === 0 }));
  for (let i = 0; i < 30; i++) steps.push(request(T0 + 2_000 + i * 4_000, '100.64.20.1', '/api/auth/login', { method: 'POST', status: i % 5 === 0 ? 401 : 200, ua: `okhttp/4.${i % 3}`, hash: 400 + (i % 3), kind: 'api', login: true }));
  for (let i = 0; i < 4; i++) steps.push(request(T0 + 30_000 + i * 9_000, '192.0.2.90', '/login', { method: 'POST', status: i < 3 ? 401 : 302, ua: 'chrome-131', hash: 7, kind: 'other', login: true, newClient: false, knownBrowser: false }));
  write('slow-brute-force', {}, steps);
}
