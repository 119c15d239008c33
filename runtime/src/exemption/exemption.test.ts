import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import test from 'ava';
import { ClientExemption, type ClientFacts } from './exemption.js';
import { Safelist, safelistConfigSchema } from './safelist.js';

const BINGBOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const UPTIMEROBOT = 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)';
const PINGDOM = 'Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)';
const FACEBOOK = 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const BING_IP = '157.55.39.200'; // bingbot.json: 157.55.39.0/24
const CLOUD_IP = '20.42.7.9'; // the same cloud network (AS8075), not a Bingbot range
const MICROSOFT = 8075;

const exemption = new ClientExemption();
const check = (facts: ClientFacts) => exemption.check(facts);

test('without Bot Management: a crawler UA from its published ranges is a verified bot, from elsewhere nothing', (t) => {
  t.deepEqual(check({ ip: BING_IP, user_agent: BINGBOT, asn: MICROSOFT }), { reason: 'verified_bot', source: 'published_ranges', name: 'bingbot', kind: 'crawler' });
  t.is(check({ ip: CLOUD_IP, user_agent: BINGBOT, asn: MICROSOFT }), null, 'Bingbot UA from the cloud network it shares with scrapers');
  t.is(check({ ip: BING_IP, user_agent: CHROME, asn: MICROSOFT }), null, 'a browser UA from Bing’s range claims nothing');
  t.like(check({ ip: '66.249.66.1', user_agent: GOOGLEBOT }), { name: 'googlebot', source: 'published_ranges' });
  t.like(check({ ip: '::ffff:66.249.66.1', user_agent: GOOGLEBOT }), { name: 'googlebot' }, 'IPv4-mapped is its IPv4');
});

test('Bot Management’s answer comes first, and a bot it did not verify is not trusted on our data', (t) => {
  t.deepEqual(check({ ip: CLOUD_IP, user_agent: BINGBOT, bot_score: 1, verified_bot_category: 'Search Engine Crawler', bot_score_src: 'Verified Bot' }), { reason: 'verified_bot', source: 'bot_management', name: 'bingbot', kind: 'crawler' });
  t.like(check({ ip: CLOUD_IP, user_agent: 'SomeVerifiedThing/1.0', bot_score: 1, bot_score_src: 'VERIFIED BOT' }), { reason: 'verified_bot', source: 'bot_management', name: '' });
  t.is(check({ ip: BING_IP, user_agent: BINGBOT, bot_score: 1, bot_score_src: 'Heuristics', verified_bot_category: '' }), null);
  t.is(check({ ip: '146.190.20.113', user_agent: CHROME, bot_score: 80 }), null, 'address-only entries are not trusted under Bot Management either');
});

test('the edge’s own answer (cf.client.bot) exempts; false leaves our data to decide', (t) => {
  t.like(check({ ip: CLOUD_IP, user_agent: PINGDOM, verified: true }), { reason: 'verified_bot', source: 'edge', name: 'pingdom', kind: 'monitor' });
  t.like(check({ ip: CLOUD_IP, user_agent: CHROME, verified: true }), { source: 'edge', name: '', kind: '' });
  t.like(check({ ip: BING_IP, user_agent: BINGBOT, verified: false }), { source: 'published_ranges', name: 'bingbot' });
});

test('monitors and previews: user agent AND published address, or the address alone where the operator says its UA varies', (t) => {
  t.deepEqual(check({ ip: '69.162.124.230', user_agent: UPTIMEROBOT }), { reason: 'verified_bot', source: 'published_ranges', name: 'uptimerobot', kind: 'monitor' });
  t.is(check({ ip: CLOUD_IP, user_agent: UPTIMEROBOT }), null, 'UptimeRobot UA from an address UptimeRobot does not publish');
  t.is(check({ ip: '69.162.124.230', user_agent: CHROME }), null, 'UptimeRobot’s address with another UA');
  t.like(check({ ip: '3.10.222.182', user_agent: PINGDOM }), { name: 'pingdom' });
  t.like(check({ ip: '2a01:4ff:f0:565a::1', user_agent: 'Better Uptime Bot Mozilla/5.0' }), { name: 'betterstack' });
  // StatusCake lets each check set its own User-Agent: its published probes are matched by address.
  t.like(check({ ip: '146.190.20.113', user_agent: CHROME }), { reason: 'verified_bot', name: 'statuscake', kind: 'monitor' });
  t.like(check({ ip: '2a03:b0c0:2:d0::12d1:1', user_agent: '' }), { name: 'statuscake' });
  // Facebook publishes its crawler's network as AS32934.
  t.deepEqual(check({ ip: '31.13.103.1', user_agent: FACEBOOK, asn: 32934 }), { reason: 'verified_bot', source: 'published_ranges', name: 'facebookexternalhit', kind: 'preview' });
  t.is(check({ ip: '31.13.103.1', user_agent: FACEBOOK }), null, 'no ASN known: not verifiable');
  t.is(check({ ip: CLOUD_IP, user_agent: FACEBOOK, asn: MICROSOFT }), null);
  t.is(check({ ip: '31.13.103.1', user_agent: CHROME, asn: 32934 }), null, 'a browser in Facebook’s network is not its crawler');
});

test('safelist: configured CIDRs and ASNs, private ranges; a verified bot is reported as one first', (t) => {
  const custom = new ClientExemption({ safelist: new Safelist(safelistConfigSchema.parse({ cidrs: ['198.51.100.0/24', '157.55.39.0/24'], asns: [64_501] })) });
  t.deepEqual(custom.check({ ip: '198.51.100.7', user_agent: CHROME }), { reason: 'safelisted_cidr', source: 'safelist', name: '', kind: '' });
  t.like(custom.check({ ip: '10.1.2.3', user_agent: CHROME }), { reason: 'private_range' });
  t.like(custom.check({ ip: '203.0.113.5', user_agent: CHROME, asn: 64_501 }), { reason: 'safelisted_asn' });
  t.like(custom.check({ ip: BING_IP, user_agent: BINGBOT }), { reason: 'verified_bot', name: 'bingbot' });
  t.like(custom.check({ ip: BING_IP, user_agent: CHROME, bot_score: 60 }), { reason: 'safelisted_cidr' }, 'the safelist holds whatever Bot Management says');
  t.is(custom.check({ ip: '203.0.113.5', user_agent: CHROME, asn: 64_502 }), null);
  t.is(custom.check({ ip: 'garbage', user_agent: CHROME }), null);
  const noPrivate = new ClientExemption({ safelist: new Safelist(safelistConfigSchema.parse({ private_ranges: false })) });
  t.is(noPrivate.check({ ip: '10.1.2.3' }), null);
});

test('answers do not depend on the caches: many addresses and user agents, asked twice', (t) => {
  const fresh = () => new ClientExemption({ safelist: new Safelist(safelistConfigSchema.parse({ cidrs: ['198.51.100.0/25'] })) });
  const warm = fresh();
  const cases: ClientFacts[] = [];
  for (let i = 0; i < 20_000; i++) {
    const ip = i % 3 === 0 ? `198.51.100.${i % 256}` : i % 3 === 1 ? `157.55.39.${i % 256}` : `69.162.124.${224 + (i % 32)}`;
    cases.push({ ip, user_agent: i % 2 === 0 ? BINGBOT : `${UPTIMEROBOT} ${i % 17}` });
  }
  const first = cases.map((c) => warm.check(c));
  const again = cases.map((c) => warm.check(c));
  t.deepEqual(again, first);
  // A new instance per sample: nothing cached.
  for (let i = 0; i < cases.length; i += 997) t.deepEqual(fresh().check(cases[i] as ClientFacts), first[i]);
  t.like(warm.check({ ip: '69.162.124.239', user_agent: UPTIMEROBOT }), { name: 'uptimerobot' }, 'last address of 69.162.124.224/28');
  t.is(warm.check({ ip: '69.162.124.240', user_agent: UPTIMEROBOT }), null, 'first address after it');
  t.is(warm.check({ ip: '69.162.124.240', user_agent: BINGBOT }), null);
});

test('checkWith is check with the user agent looked up once', (t) => {
  const facts = { ip: BING_IP, user_agent: BINGBOT };
  t.deepEqual(exemption.checkWith(facts, exemption.userAgentBots(BINGBOT)), exemption.check(facts));
  t.is(exemption.userAgentBots(CHROME).length, 0);
  t.deepEqual(exemption.userAgentBots(BINGBOT).map((bot) => bot.name), ['bingbot']);
  t.is(exemption.userAgentBots(null).length, 0);
});

test('fromSafelistConfig loads crawlers_file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botsieve-exemption-'));
  const path = join(dir, 'bots.json');
  writeFileSync(path, JSON.stringify([{ name: 'examplebot', ua_pattern: 'examplebot', source_url: 'https://example.com/r.json', fetched_at: 'x', cidrs: ['192.0.2.0/24'] }]));
  const custom = ClientExemption.fromSafelistConfig(safelistConfigSchema.parse({ crawlers_file: path }));
  t.like(custom.check({ ip: '192.0.2.9', user_agent: 'ExampleBot/1' }), { name: 'examplebot', kind: 'crawler' });
  t.is(custom.check({ ip: BING_IP, user_agent: BINGBOT }), null, 'only the file’s bots');
  t.throws(() => ClientExemption.fromSafelistConfig(safelistConfigSchema.parse({ crawlers_file: join(dir, 'missing.json') })), { code: 'ERR_EXEMPTION_DATA' });
});

test('typical traffic is not exempt, cached answers included: browsers from many addresses, and a crawler UA from addresses not its own', (t) => {
  // Its cost is measured by `npm run bench:decide` (the exemption alone, beside decide()), not here.
  const clients: ClientFacts[] = [];
  for (let i = 0; i < 4_000; i++) clients.push({ ip: `203.0.${(i >> 8) & 255}.${i & 255}`, user_agent: i % 50 === 0 ? BINGBOT : CHROME, asn: 64_500 + (i % 7), bot_score: null });
  let exempt = 0;
  for (let round = 0; round < 3; round++) for (const client of clients) if (exemption.check(client) !== null) exempt += 1;
  t.is(exempt, 0);
});
