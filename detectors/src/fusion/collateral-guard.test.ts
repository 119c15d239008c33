/**
 * The collateral guard: which populations and addresses carry people (and are never enforced as
 * a whole), from the summary counters alone; and fusion's short population verdicts.
 */
import test from 'ava';
import type { SubjectKey, Verdict, VerdictAction } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import type { Signal } from '../engine/signal.js';
import { Safelist } from '../safelist/index.js';
import { makeSummary, T0, type SummaryFixture } from '../test-support/summary-fixtures.js';
import { CollateralGuard, INHABITED } from './collateral-guard.js';
import { fusionConfigSchema } from './config.js';
import { defaultHostingNetworksPath, loadHostingNetworks } from './hosting-networks.js';
import { Fusion } from './fusion.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/151.0.0.0 Safari/537.36';

const guard = (raw: unknown = {}) => new CollateralGuard(fusionConfigSchema.parse({ collateral_guard: raw }).collateral_guard);

/** Feeds `steps` one-second summaries of `subject`. */
function feed(g: CollateralGuard, subject: SubjectKey, steps: number, fixture: SummaryFixture, from = T0): void {
  for (let i = 0; i < steps; i++) g.observe(makeSummary(subject, from + i * 1_000, fixture));
}

test('evidence: browsers rendering, a single-page app after its shell, app users in a session and successful logins carry people', (t) => {
  const g = guard();
  feed(g, 'prefix:198.51.100.0/24', 2, { requests: 12, pages: 1, assets: 11, browser_ua: 12 });
  feed(g, 'prefix:198.51.101.0/24', 3, { requests: 4, api: 4, browser_ua: 4, known_browsers: 4 });
  feed(g, 'prefix:198.51.102.0/24', 5, { requests: 3, api: 3, app_ua: 3, session_calls: 3 });
  feed(g, 'asn:64501', 3, { requests: 3, api: 3, logins: 2, login_failures: 0 });
  for (const subject of ['prefix:198.51.100.0/24', 'prefix:198.51.101.0/24', 'prefix:198.51.102.0/24', 'asn:64501'] as SubjectKey[]) t.is(g.inhabited(subject, T0 + 10_000), INHABITED.evidence, subject);
});

test('no evidence: an API flood copying the app (fresh addresses, a spiking route, cache busting), failed logins, a hoarder\'s cart calls, a scraper returning to one endpoint', (t) => {
  const g = guard();
  feed(g, 'prefix:203.0.113.0/24', 30, { requests: 40, api: 40, app_ua: 40, new_clients: 25, spiking_route: 40, cache_busting: 30 });
  // Calm, returning (one call in five from a new address), but one route per address: no session.
  feed(g, 'asn:64504', 30, { requests: 10, api: 10, app_ua: 10, new_clients: 2 });
  t.is(g.inhabited('asn:64504', T0 + 30_000), INHABITED.no);
  feed(g, 'asn:64502', 30, { requests: 10, api: 10, app_ua: 10, logins: 10, login_failures: 10, client_errors: 10 });
  feed(g, 'asn:64503', 30, { requests: 10, api: 10, app_ua: 10, cart: 10, client_errors: 6 });
  t.is(g.inhabited('prefix:203.0.113.0/24', T0 + 30_000), INHABITED.no);
  t.is(g.inhabited('asn:64502', T0 + 30_000), INHABITED.no);
  t.is(g.inhabited('asn:64503', T0 + 30_000), INHABITED.no);
  t.is(g.size, 0, 'nothing to remember');
});

test('identity: a browser\'s or the app\'s user agent, and a browser\'s TLS, are people\'s until observed for an hour without evidence; a tool\'s are not', (t) => {
  const g = guard();
  const flood: SummaryFixture = { requests: 100, pages: 100, browser_ua: 100, new_clients: 90, spiking_route: 100 };
  feed(g, `ua:${CHROME}` as SubjectKey, 10, flood);
  feed(g, 'ua:okhttp/4.12.0', 10, { requests: 100, api: 100, app_ua: 100, new_clients: 100, spiking_route: 100 });
  feed(g, 'ja4:t13d1516h2_8daaf6152771_02713d6af862', 10, flood);
  feed(g, 'ja4:t13d181000_85036bcba153_d41ae481755e', 10, { ...flood, ua_ja4_mismatch: 100 });
  feed(g, 'ua:python-requests/2.32', 10, { requests: 100, pages: 100, automation_ua: 100 });
  t.is(g.inhabited(`ua:${CHROME}` as SubjectKey, T0 + 10_000), INHABITED.identity);
  t.is(g.inhabited('ua:okhttp/4.12.0', T0 + 10_000), INHABITED.identity);
  t.is(g.inhabited('ja4:t13d1516h2_8daaf6152771_02713d6af862', T0 + 10_000), INHABITED.identity);
  t.is(g.inhabited('ja4:t13d181000_85036bcba153_d41ae481755e', T0 + 10_000), INHABITED.no, 'a browser user agent over a library\'s TLS');
  t.is(g.inhabited('ua:python-requests/2.32', T0 + 10_000), INHABITED.no);
  // Still only the flood an hour later: the string is no longer assumed to be anyone's.
  feed(g, `ua:${CHROME}` as SubjectKey, 1, flood, T0 + 3_600_000);
  t.is(g.inhabited(`ua:${CHROME}` as SubjectKey, T0 + 3_601_000), INHABITED.no);
});

test('shared addresses: several people\'s clients at once (rendering, or the app) make an address shared; one client, or a user-agent rotator that renders nothing, do not', (t) => {
  const g = guard();
  feed(g, 'ip:198.51.100.1', 3, { requests: 20, pages: 2, assets: 15, api: 3, browser_ua: 17, app_ua: 3, uas: [CHROME, 'okhttp/4.12.0', 'Mozilla/5.0 (iPhone) Safari'] });
  feed(g, 'ip:198.51.100.2', 3, { requests: 12, api: 12, app_ua: 12, uas: ['okhttp/4.12.0', 'okhttp/4.11.0'] });
  feed(g, 'ip:198.51.100.9', 30, { requests: 12, pages: 1, assets: 11, browser_ua: 12, uas: [CHROME] });
  feed(g, 'ip:198.51.100.10', 30, { requests: 10, pages: 10, browser_ua: 10, uas: Array.from({ length: 10 }, (_, i) => `${CHROME} ${i}`) });
  feed(g, 'ip:198.51.100.11', 30, { requests: 10, pages: 10, not_found: 8, browser_ua: 10, assets: 1, uas: [CHROME, `${CHROME} x`] });
  t.is(g.inhabited('ip:198.51.100.1', T0 + 5_000), INHABITED.shared);
  t.is(g.inhabited('ip:198.51.100.2', T0 + 5_000), INHABITED.shared);
  t.is(g.inhabited('ip:198.51.100.9', T0 + 30_000), INHABITED.no);
  t.is(g.inhabited('ip:198.51.100.10', T0 + 30_000), INHABITED.no);
  t.is(g.inhabited('ip:198.51.100.11', T0 + 30_000), INHABITED.no, 'a scan failing on missing paths');
  // Twenty minutes later the decayed maximum (3 → 0.75) is under two people: the address is no longer vouched for.
  t.is(g.inhabited('ip:198.51.100.1', T0 + 5_000 + 1_200_000), INHABITED.no);
});

test('an exit of app users, one build per step: the distinct app user agents over a minute count its people; one app client, a failing login loop or app_window_ms 0 do not', (t) => {
  const builds = ['ShopApp/51400 CFNetwork/3826 Darwin/24.5.0', 'okhttp/4.12.0', 'ShopApp/51302 CFNetwork/3826 Darwin/24.5.0'];
  /** One app request every 5 s, each step from one of the exit's users (one build). */
  const exit = (g: CollateralGuard, subject: SubjectKey, uas: string[], fixture: SummaryFixture = {}) => {
    for (let i = 0; i < 12; i++) g.observe(makeSummary(subject, T0 + i * 5_000, { requests: 2, api: 2, app_ua: 2, uas: [uas[i % uas.length] as string], ...fixture }));
  };
  const g = guard();
  exit(g, 'ip:198.51.100.20', builds);
  exit(g, 'ip:198.51.100.21', [builds[1] as string]);
  exit(g, 'ip:198.51.100.22', builds, { logins: 2, login_failures: 2 });
  t.is(g.inhabited('ip:198.51.100.20', T0 + 60_000), INHABITED.shared, 'three builds within a minute');
  t.is(g.inhabited('ip:198.51.100.21', T0 + 60_000), INHABITED.no, 'one app client');
  t.is(g.inhabited('ip:198.51.100.22', T0 + 60_000), INHABITED.no, 'failing logins are no people\'s steps');
  // The same builds spread over minutes, one per two-minute gap, never share a window.
  const slow = guard();
  for (let i = 0; i < 3; i++) slow.observe(makeSummary('ip:198.51.100.23', T0 + i * 120_000, { requests: 2, api: 2, app_ua: 2, uas: [builds[i] as string] }));
  t.is(slow.inhabited('ip:198.51.100.23', T0 + 240_000), INHABITED.no);
  const off = guard({ app_window_ms: 0 });
  exit(off, 'ip:198.51.100.20', builds);
  t.is(off.inhabited('ip:198.51.100.20', T0 + 60_000), INHABITED.no);
});

test('disabled: nothing is inhabited', (t) => {
  const g = guard({ enabled: false });
  feed(g, 'prefix:198.51.100.0/24', 2, { requests: 12, pages: 1, assets: 11, browser_ua: 12 });
  t.is(g.inhabited('prefix:198.51.100.0/24', T0 + 2_000), INHABITED.no);
});

function fusion(raw: unknown = {}): Fusion {
  return new Fusion(fusionConfigSchema.parse(raw), new Safelist(), nullTelemetry().component('detect').metrics);
}

function signal(subject: SubjectKey, action: VerdictAction, score: number, at: number): Signal {
  return { subject, at, detector: 'test', score, action, evidence: { n: 1 } };
}

function fuse(f: Fusion, ...signals: Signal[]): Verdict[] {
  const out: Verdict[] = [];
  f.fuse(signals, out);
  return out;
}

test('fusion caps a verdict on an inhabited population or a shared address at log, naming the guard and its ground', (t) => {
  const f = fusion();
  feed(f.guard, 'prefix:198.51.100.0/24', 2, { requests: 12, pages: 1, assets: 11, browser_ua: 12 });
  feed(f.guard, 'ip:198.51.100.2', 3, { requests: 12, api: 12, app_ua: 12, uas: ['okhttp/4.12.0', 'okhttp/4.11.0'] });
  const [prefix] = fuse(f, signal('prefix:198.51.100.0/24', 'block', 5, T0 + 3_000));
  t.like(prefix, { action: 'log', score: 5 });
  t.deepEqual(prefix?.detectors.at(-1), { id: 'collateral-guard', score: 5, evidence: { ground: INHABITED.evidence } });
  const [address] = fuse(f, signal('ip:198.51.100.2', 'challenge', 20, T0 + 3_000));
  t.like(address, { action: 'log' });
  t.deepEqual(address?.detectors.at(-1)?.evidence, { ground: INHABITED.shared });
  const [lone] = fuse(f, signal('ip:198.51.100.7', 'block', 5, T0 + 3_000));
  t.like(lone, { action: 'block', ttl_ms: 600_000 });
});

test('a signal naming its client on a shared address is fused under `ipua:` and enforced; the address stays capped, a lone address keeps `ip:`', (t) => {
  const f = fusion();
  const BOT = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1';
  feed(f.guard, 'ip:198.51.100.2', 3, { requests: 12, api: 12, app_ua: 12, uas: ['okhttp/4.12.0', 'okhttp/4.11.0'] });
  const burst = (subject: SubjectKey, at: number): Signal => ({ ...signal(subject, 'block', 8, at), detector: 'address-bursts/login_loop', user_agent: BOT });
  const [client] = fuse(f, burst('ip:198.51.100.2', T0 + 3_000));
  t.like(client, { subject: `ipua:198.51.100.2 ${BOT}`, action: 'challenge', score: 8, ttl_ms: 300_000 }, 'at most client_max_action: others behind the address may send the same user agent');
  t.is(client?.detectors.some((finding) => finding.id === 'collateral-guard'), false, 'not capped: it stops one client');
  t.deepEqual(fuse(f, burst('ip:198.51.100.2', T0 + 4_000)), [], 'the client verdict is active: no re-emission');
  const [address] = fuse(f, signal('ip:198.51.100.2', 'challenge', 20, T0 + 4_000));
  t.like(address, { subject: 'ip:198.51.100.2', action: 'log' }, 'a window over the address names no client: capped as before');
  const doubt: Signal = { ...signal('ip:198.51.100.2', 'challenge', 15, T0 + 5_000), detector: 'heuristics/ua_ja4_mismatch', user_agent: BOT };
  t.like(fuse(f, doubt)[0], { subject: 'ip:198.51.100.2', action: 'log' }, 'one request\'s doubt (challenge) about the client stays on the address, capped: the people sending its user agent would meet it');
  const [lone] = fuse(f, burst('ip:198.51.100.7', T0 + 3_000));
  t.like(lone, { subject: 'ip:198.51.100.7', action: 'block' }, 'nobody shares it: the address itself');
  const blocking = fusion({ client_max_action: 'block' });
  feed(blocking.guard, 'ip:198.51.100.2', 3, { requests: 12, api: 12, app_ua: 12, uas: ['okhttp/4.12.0', 'okhttp/4.11.0'] });
  t.like(fuse(blocking, burst('ip:198.51.100.2', T0 + 3_000))[0], { subject: `ipua:198.51.100.2 ${BOT}`, action: 'block', ttl_ms: 600_000 });
});

test('population verdicts live population_ttl_ms (escalation included) and are renewed by signals in the last half of it', (t) => {
  const f = fusion();
  const subject: SubjectKey = 'asn:64500';
  const [first] = fuse(f, signal(subject, 'block', 5, T0));
  t.like(first, { action: 'block', ttl_ms: 120_000 });
  t.deepEqual(fuse(f, signal(subject, 'block', 5, T0 + 30_000)), [], 'not yet in the last half');
  const [renewed] = fuse(f, signal(subject, 'block', 5, T0 + 61_000));
  t.like(renewed, { action: 'block', ttl_ms: 120_000, decided_at: T0 + 61_000 });
  // A repeat offence after expiry would double an ip's TTL; a population's stays capped.
  const [again] = fuse(f, signal(subject, 'block', 5, T0 + 400_000));
  t.like(again, { ttl_ms: 120_000 });
  t.like(fuse(fusion({ population_ttl_ms: 60_000 }), signal(subject, 'challenge', 20, T0))[0], { ttl_ms: 60_000 });
});

test('hosting networks: rendering and app-like requests on a listed data-centre ASN are not evidence of people; successful logins are; extra_asns and except_asns adjust the list', (t) => {
  const rendering: SummaryFixture = { requests: 12, pages: 1, assets: 11, browser_ua: 12, known_browsers: 12 };
  const app: SummaryFixture = { requests: 3, api: 3, app_ua: 3 };
  const g = guard();
  // AS 14061 (DigitalOcean) and AS 16509 (Amazon) are on the shipped list; AS 7922 (Comcast) is not.
  feed(g, 'asn:14061', 10, rendering);
  feed(g, 'asn:16509', 10, app);
  feed(g, 'asn:7922', 10, rendering);
  t.is(g.inhabited('asn:14061', T0 + 10_000), INHABITED.no, 'a headless browser in a cloud renders like a person');
  t.is(g.inhabited('asn:16509', T0 + 10_000), INHABITED.no);
  t.is(g.inhabited('asn:7922', T0 + 10_000), INHABITED.evidence);
  feed(g, 'asn:14061', 3, { requests: 3, logins: 2, login_failures: 0 }, T0 + 10_000);
  t.is(g.inhabited('asn:14061', T0 + 13_000), INHABITED.evidence, 'a person on a VPN logs in');
  // Prefixes carry no ASN in their summaries: judged by their own evidence.
  feed(g, 'prefix:159.89.1.0/24', 10, rendering);
  t.is(g.inhabited('prefix:159.89.1.0/24', T0 + 10_000), INHABITED.evidence);

  const adjusted = guard({ hosting: { extra_asns: [7922], except_asns: [14061] } });
  feed(adjusted, 'asn:14061', 10, rendering);
  feed(adjusted, 'asn:7922', 10, rendering);
  t.is(adjusted.inhabited('asn:14061', T0 + 10_000), INHABITED.evidence);
  t.is(adjusted.inhabited('asn:7922', T0 + 10_000), INHABITED.no);
  const off = guard({ hosting: { enabled: false } });
  feed(off, 'asn:14061', 10, rendering);
  t.is(off.inhabited('asn:14061', T0 + 10_000), INHABITED.evidence);
});

test('the shipped hosting list: AS numbers with their source, no duplicates (the simulator checks it holds none of its people networks)', (t) => {
  const data = loadHostingNetworks(defaultHostingNetworksPath());
  t.regex(data.commit, /^[0-9a-f]{40}$/);
  t.true(data.provenance.includes(data.repository) && data.provenance.includes(data.path));
  t.true(data.asns.length > 500);
  t.is(new Set(data.asns).size, data.asns.length);
});

test('fused TTL: weaker signals fused into a stronger action keep their longest hint when every signal has one, else the action\'s TTL', (t) => {
  const f = fusion();
  const hinted = (subject: SubjectKey, detector: string, ttl_ms: number): Signal => ({ subject, at: T0, detector, score: 25, action: 'challenge', evidence: { n: 1 }, ttl_ms });
  const [rate] = fuse(f, hinted('prefix:203.0.113.0/24', 'a', 30_000), hinted('prefix:203.0.113.0/24', 'b', 20_000)).slice(-1);
  t.like(rate, { action: 'block', ttl_ms: 30_000 });
  const [mixed] = fuse(f, hinted('ip:203.0.113.9', 'a', 30_000), { subject: 'ip:203.0.113.9', at: T0, detector: 'b', score: 25, action: 'challenge', evidence: { n: 1 } }).slice(-1);
  t.like(mixed, { action: 'block', ttl_ms: 600_000 });
});

test('software that names itself, or sends no user agent, is no evidence of people: its assets do not shelter a network, its logins not its user agent', (t) => {
  const g = guard();
  // A proxy network abroad: a HeadlessChrome scraper renders every page, a flood shares the network.
  feed(g, 'asn:64510', 30, { requests: 20, pages: 4, assets: 16, rendered_assets: 0, automation_ua: 20 });
  feed(g, 'asn:64510', 5, { requests: 200, pages: 200, spiking_route: 200, new_clients: 180 }, T0 + 30_000);
  t.is(g.inhabited('asn:64510', T0 + 35_000), INHABITED.no);
  // No user agent (`ua:`), or one naming automation: its successful logins are a stuffing run's hits.
  feed(g, 'ua:', 30, { requests: 20, api: 20, logins: 20, login_failures: 17 });
  feed(g, 'ua:python-requests/2.32', 30, { requests: 20, api: 20, logins: 20, login_failures: 17, automation_ua: 20 });
  t.is(g.inhabited('ua:', T0 + 30_000), INHABITED.no);
  t.is(g.inhabited('ua:python-requests/2.32', T0 + 30_000), INHABITED.no);
  // The same logins on a network are still real accounts.
  feed(g, 'asn:64512', 30, { requests: 20, api: 20, logins: 20, login_failures: 17, automation_ua: 20 });
  t.is(g.inhabited('asn:64512', T0 + 30_000), INHABITED.evidence);
  // The same assets fetched by a browser's user agent are a person's rendering.
  feed(g, 'asn:64511', 30, { requests: 20, pages: 4, assets: 16, browser_ua: 20 });
  t.is(g.inhabited('asn:64511', T0 + 30_000), INHABITED.evidence);
});
