import test from 'ava';
import type { RequestEvent } from '@botsieve/core';
import { defaultFeatures } from '../../engine/default-features.js';
import type { EventFeatures } from '../../engine/features.js';
import { makeEvent } from '../../test-support/events.js';
import { compileRule, RuleError } from './index.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

const login = makeEvent({
  host: 'shop.example',
  method: 'POST',
  path: '/account/login',
  uri: '/account/login?next=%2Fcart&x=1',
  user_agent: CHROME,
  referer: 'https://shop.example/',
  ip: '198.51.100.23',
  asn: 64_501,
  country: 'nl',
  status: 401,
  bot_score: 12,
  ja4: 't13d1516h2_8daaf6152771_02713d6af862',
  ja3_hash: 'cd08e31494f9531f560d64c695473da9',
});
const plain = makeEvent({ ip: '2001:db8:1::5', path: '/products/42', user_agent: 'curl/8.4.0' });

function run(expression: string, event: RequestEvent = login, features: Partial<EventFeatures> = {}): boolean {
  return compileRule(expression)(event, { ...defaultFeatures(event), ...features });
}

test('string operators: eq ne contains matches wildcard in, word and symbol forms', (t) => {
  t.true(run('http.host eq "shop.example"'));
  t.true(run('http.host == "shop.example"'));
  t.false(run('http.host ne "shop.example"'));
  t.true(run('http.request.method != "GET"'));
  t.true(run('http.request.uri.path contains "/login"'));
  t.false(run('http.request.uri.path contains "/admin"'));
  t.true(run('http.user_agent matches "Chrome/1[0-9]{2}"'));
  t.true(run('http.user_agent ~ "Chrome/1[0-9]{2}"'));
  t.false(run('http.user_agent matches "chrome/"')); // case-sensitive, like Cloudflare
  t.true(run('http.user_agent matches "(?i)chrome/"'));
  t.true(run('http.request.uri.path wildcard "/ACCOUNT/*"')); // wildcard is case-insensitive
  t.false(run('http.request.uri.path wildcard "/account"')); // and matches the whole value
  t.true(run('http.request.method in {"POST" "PUT"}'));
  t.false(run('http.request.method in {"GET" "HEAD"}'));
  t.true(run('http.request.uri eq "/account/login?next=%2Fcart&x=1"'));
  t.true(run('http.request.uri.query eq "next=%2Fcart&x=1"'));
  t.true(run('http.request.uri.query eq ""', plain));
  t.true(run('http.referer eq "https://shop.example/"'));
  t.true(run('http.referer eq "a\\"b\\\\c"', makeEvent({ referer: 'a"b\\c' })));
});

test('number operators and functions', (t) => {
  t.true(run('http.response.code eq 401'));
  t.true(run('http.response.code ge 400 and http.response.code < 500'));
  t.true(run('ip.src.asnum in {64501 64502}'));
  t.true(run('ip.geoip.asnum gt 64500'));
  t.true(run('cf.bot_management.score le 12'));
  t.false(run('cf.bot_management.score lt 12'));
  t.true(run('len(http.user_agent) gt 100'));
  t.true(run('len(http.user_agent) lt 20', plain));
  t.true(run('lower(http.request.method) eq "post"'));
  t.true(run('upper(http.host) eq "SHOP.EXAMPLE"'));
  t.true(run('starts_with(http.request.uri.path, "/account")'));
  t.true(run('ends_with(http.request.uri.path, "/login")'));
  t.false(run('ends_with(lower(http.host), ".com")'));
});

test('country is case-insensitive; booleans stand alone; botsieve.* features', (t) => {
  t.true(run('ip.src.country eq "NL"'));
  t.true(run('ip.geoip.country in {"DE" "nl"}'));
  t.false(run('ip.src.country ne "nl"'));
  t.true(run('botsieve.login', login, { login: true }));
  t.false(run('botsieve.login', login, { login: false }));
  t.true(run('not botsieve.probe'));
  t.true(run('botsieve.kind eq "api"', login, { kind: 'api' }));
  t.true(run('botsieve.claimed_crawler eq "googlebot"', login, { claimed_crawler: 'googlebot' }));
  t.true(run('botsieve.automation_ua and not botsieve.browser_ua', plain, { automation_ua: true, browser_ua: false }));
  t.true(run('botsieve.numeric_id eq 42', plain, { numeric_id: 42 }));
  t.true(run('botsieve.low_score eq true', login, { low_score: true }));
  t.true(run('cf.bot_management.verified_bot', makeEvent({ verified_bot_category: 'Search Engine Crawler' })));
  t.false(run('cf.bot_management.verified_bot'));
  t.true(run('cf.verified_bot_category eq "Search Engine Crawler"', makeEvent({ verified_bot_category: 'Search Engine Crawler' })));
  t.true(run('cf.bot_management.ja4 eq "t13d1516h2_8daaf6152771_02713d6af862"'));
  t.true(run('cf.bot_management.ja3_hash eq "cd08e31494f9531f560d64c695473da9"'));
});

test('ip.src: eq and in with IPv4 and IPv6 CIDRs', (t) => {
  t.true(run('ip.src in {192.0.2.0/24 198.51.100.0/24}'));
  t.true(run('ip.src eq 198.51.100.23'));
  t.true(run('ip.src ne 198.51.100.24'));
  t.false(run('ip.src in {10.0.0.0/8 2001:db8::/32}'));
  t.true(run('ip.src in {10.0.0.0/8 2001:db8::/32}', plain));
  t.true(run('ip.src in {fe80::/10, 2001:db8:1::/48}', plain));
  t.false(run('not ip.src in {2001:db8::/32}', plain));
});

test('null values (no Bot Management, no JA4) make every comparison false', (t) => {
  for (const expression of ['cf.bot_management.score lt 30', 'cf.bot_management.score ge 0', 'cf.bot_management.score ne 5', 'cf.bot_management.score in {1 2 3}', 'cf.bot_management.ja4 ne "x"', 'cf.bot_management.ja4 contains "t13"', 'len(cf.bot_management.ja4) ge 0', 'lower(cf.verified_bot_category) ne "x"', 'starts_with(cf.bot_management.ja4, "t")']) {
    t.false(run(expression, plain), expression);
  }
  t.true(run('not cf.bot_management.score lt 30', plain));
});

test('precedence: not > and > xor > or, left to right, parentheses override', (t) => {
  const T = 'http.host eq "shop.example"';
  const F = 'http.host eq "other.example"';
  t.true(run(`${T} or ${F} and ${F}`)); // or binds loosest: T or (F and F)
  t.false(run(`(${T} or ${F}) and ${F}`));
  t.true(run(`${T} xor ${F} or ${F}`)); // (T xor F) or F
  t.true(run(`${T} xor ${T} and ${F}`)); // T xor (T and F) = T
  t.false(run(`${T} xor ${T}`));
  t.true(run(`${F} or ${T} xor ${T} or ${T}`)); // F or (T xor T) or T
  t.false(run(`not ${T} and ${T}`)); // (not T) and T
  t.true(run(`not (${T} and ${F})`));
  t.true(run(`! ${F} && ${T} ^^ ${F} || ${F}`));
  t.true(run(`not not ${T}`));
  t.true(run(`${T} AND ${T} Or ${F}`)); // keywords are case-insensitive
});

test('the login rule of the golden case', (t) => {
  const rule = compileRule('http.request.uri.path contains "/login" and cf.bot_management.score lt 30');
  t.true(rule(login, defaultFeatures(login)));
  const human = makeEvent({ path: '/account/login', bot_score: 88 });
  t.false(rule(human, defaultFeatures(human)));
  const noBotManagement = makeEvent({ path: '/account/login' });
  t.false(rule(noBotManagement, defaultFeatures(noBotManagement)));
});

function position(expression: string): number {
  try {
    compileRule(expression);
  } catch (error) {
    if (error instanceof RuleError) return error.position;
    throw error;
  }
  return -1;
}

test('errors: ERR_DETECTOR_CONFIG with the column and what was expected', (t) => {
  const cases: [string, number, RegExp][] = [
    ['http.user_agent lt 3', 16, /'lt' compares numbers, but http.user_agent is a string/],
    ['http.user_agnt eq "x"', 0, /unknown field 'http.user_agnt'/],
    ['http.host eq', 12, /expected a value after 'eq', found the end of the rule/],
    ['http.host eq "x" and', 20, /expected a field .* found the end of the rule/],
    ['(http.host eq "x"', 17, /expected '\)'/],
    ['http.host eq "x" http.host eq "y"', 17, /expected 'and', 'or', 'xor' or the end of the rule, found 'http.host'/],
    ['http.host eq "unterminated', 13, /unterminated string/],
    ['http.host eq "bad \\q escape"', 18, /unknown escape/],
    ['cf.bot_management.score lt "30"', 27, /needs a number, found string "30"/],
    ['http.host matches "(["', 18, /invalid regular expression/],
    ['ip.src in {10.0.0.0/33}', 11, /expected an IP address or CIDR/],
    ['ip.src in {"10.0.0.1"}', 11, /expected an IP address or CIDR, found string/],
    ['ip.src contains "10."', 7, /is an address/],
    ['http.host', 0, /only booleans stand alone/],
    ['botsieve.login lt 1', 15, /is a boolean/],
    ['lower(cf.bot_management.score) eq "x"', 6, /lower\(\) takes a string/],
    ['nope(http.host) eq "x"', 0, /unknown function 'nope'/],
    ['http.host in {}', 10, /non-empty set/],
    ['http.host eq http.host', 13, /must be a literal/],
    ['http.host # "x"', 10, /unexpected character "#"/],
    ['', 0, /expected a condition/],
  ];
  for (const [expression, column, message] of cases) {
    t.throws(() => compileRule(expression), { code: 'ERR_DETECTOR_CONFIG', message }, expression);
    t.is(position(expression), column, expression);
  }
});

test('a compiled rule neither builds regexes nor allocates sets per event', (t) => {
  // Same closure, 10k events: results are stable and no state leaks between events.
  const rule = compileRule('http.request.uri.query contains "x=1" and lower(http.user_agent) matches "chrome" and ip.src in {198.51.100.0/24}');
  let hits = 0;
  for (let i = 0; i < 10_000; i++) {
    const event = i % 2 === 0 ? login : plain;
    if (rule(event, defaultFeatures(event))) hits += 1;
  }
  t.is(hits, 5_000);
});

test('Bot Management detections, JA4 signals and the request source (optional event fields; absent reads as null)', (t) => {
  const detected: RequestEvent = {
    ...login,
    bot_detection_ids: [33554817, 50331651],
    ja4_signals: { h2h3_ratio_1h: 0.02, browser_ratio_1h: 0.9 },
    client_request_source: 'edgeWorkerFetch',
  };
  t.true(run('cf.bot_management.detection_ids eq 33554817', detected));
  t.false(run('cf.bot_management.detection_ids eq 1', detected));
  t.true(run('cf.bot_management.detection_ids ne 1', detected));
  t.true(run('cf.bot_management.detection_ids in {7 50331651}', detected));
  t.false(run('cf.bot_management.detection_ids in {7 8}', detected));
  t.true(run('cf.bot_management.ja4_signals.h2h3_ratio_1h lt 0.1', detected));
  t.false(run('cf.bot_management.ja4_signals.cache_ratio_1h ge 0', detected), 'a signal not sent is null');
  t.true(run('botsieve.client_request_source eq "edgeWorkerFetch"', detected));
  t.true(run('botsieve.client_request_source ne "eyeball"', detected));
  // Events without the fields (older records, the simulator): every test false, `ne` included.
  for (const rule of ['cf.bot_management.detection_ids eq 1', 'cf.bot_management.detection_ids ne 1', 'cf.bot_management.detection_ids in {1}', 'cf.bot_management.ja4_signals.h2h3_ratio_1h ge 0', 'botsieve.client_request_source ne "eyeball"']) {
    t.false(run(rule, login), rule);
    t.false(run(rule, { ...login, bot_detection_ids: null, ja4_signals: null, client_request_source: null }), rule);
  }
  t.throws(() => compileRule('cf.bot_management.detection_ids gt 1'), { instanceOf: RuleError, message: /list of numbers/ });
  t.throws(() => compileRule('cf.bot_management.detection_ids eq "1"'), { instanceOf: RuleError });
  t.throws(() => compileRule('cf.bot_management.ja4_signals.__proto__ eq 1'), { instanceOf: RuleError, message: /unknown field/ });
});
