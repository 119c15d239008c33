import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { CrawlerDirectory, loadCrawlerRanges, parseCrawlerRanges } from './known-bots.js';

const GOOGLEBOT = 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/120.0.6099.216 Safari/537.36';
const GOOGLEBOT_SMARTPHONE = 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.216 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const BINGBOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)';
const APPLEBOT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)';
const UPTIMEROBOT = 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

const shipped = loadCrawlerRanges();
const directory = new CrawlerDirectory(shipped);

test('the shipped data loads, validates and names its sources', (t) => {
  t.deepEqual(directory.names, ['googlebot', 'bingbot', 'applebot'], 'crawlers, in file order');
  t.deepEqual(
    shipped.map((bot) => [bot.name, bot.kind, bot.match, bot.source_format]),
    [
      ['googlebot', 'crawler', 'ua_and_range', 'google-json'],
      ['bingbot', 'crawler', 'ua_and_range', 'google-json'],
      ['applebot', 'crawler', 'ua_and_range', 'google-json'],
      ['uptimerobot', 'monitor', 'ua_and_range', 'lines'],
      ['pingdom', 'monitor', 'ua_and_range', 'lines'],
      ['statuscake', 'monitor', 'range', 'statuscake-json'],
      ['betterstack', 'monitor', 'ua_and_range', 'lines'],
      ['facebookexternalhit', 'preview', 'ua_and_range', 'asn'],
    ],
  );
  for (const bot of shipped) {
    t.regex(bot.source_url, /^https:\/\//);
    t.true(bot.cidrs.length + bot.asns.length > 0);
    t.true(bot.provenance.length > 0, `${bot.name} says where its ranges came from`);
    t.regex(bot.fetched_at, /^\d{4}-\d\d-\d\dT/);
  }
  t.true(shipped.find((c) => c.name === 'googlebot')?.cidrs.includes('66.249.66.0/27'));
  t.true(shipped.find((c) => c.name === 'bingbot')?.cidrs.includes('157.55.39.0/24'));
  t.deepEqual(shipped.find((c) => c.name === 'facebookexternalhit')?.asns, [32934]);
});

test('claimed: the crawler a user agent claims, case-insensitively; browsers and monitors claim none', (t) => {
  t.is(directory.claimed(GOOGLEBOT), 'googlebot');
  t.is(directory.claimed(GOOGLEBOT_SMARTPHONE), 'googlebot');
  t.is(directory.claimed('Googlebot-Image/1.0'), 'googlebot');
  t.is(directory.claimed(BINGBOT), 'bingbot');
  t.is(directory.claimed(APPLEBOT), 'applebot');
  t.is(directory.claimed(CHROME), '');
  t.is(directory.claimed(''), '');
  // A monitor's list may lag its operator: claiming one is not treated as a crawler claim.
  t.is(directory.claimed(UPTIMEROBOT), '');
});

test('verify: an address from the published ranges passes, 1.2.3.4 does not', (t) => {
  t.true(directory.verify('googlebot', '66.249.66.1')); // in 66.249.66.0/27
  t.true(directory.verify('googlebot', '66.249.79.95')); // last address of 66.249.79.64/27
  t.true(directory.verify('googlebot', '2001:4860:4801:10::1'));
  t.true(directory.verify('bingbot', '157.55.39.200'));
  t.true(directory.verify('applebot', '17.241.208.161'));
  t.true(directory.verify('uptimerobot', '69.162.124.230')); // in 69.162.124.224/28
  t.true(directory.verify('pingdom', '3.10.222.182'));
  t.true(directory.verify('statuscake', '146.190.20.113'));
  t.true(directory.verify('betterstack', '2a01:4ff:f0:565a::1'));
  t.false(directory.verify('googlebot', '1.2.3.4'));
  t.false(directory.verify('googlebot', '157.55.39.200')); // Bing's address claiming Google
  t.false(directory.verify('bingbot', '66.249.66.1'));
  t.false(directory.verify('nobot', '66.249.66.1'));
  t.false(directory.verify('googlebot', 'garbage'));
});

test('loadCrawlerRanges: a custom file in the old crawler format; problems are ERR_EXEMPTION_DATA with their path', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botsieve-crawlers-'));
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify([{ name: 'examplebot', ua_pattern: 'examplebot', source_url: 'https://example.com/ranges.json', fetched_at: '2026-01-01T00:00:00Z', cidrs: ['192.0.2.0/24'] }]));
  const loaded = loadCrawlerRanges(good);
  t.like(loaded[0], { kind: 'crawler', match: 'ua_and_range', source_format: 'google-json', asns: [], more_source_urls: [] }, 'defaults fill what older files leave out');
  const custom = new CrawlerDirectory(loaded);
  t.true(custom.verify(custom.claimed('ExampleBot/1.0'), '192.0.2.9'));

  t.throws(() => loadCrawlerRanges(join(dir, 'missing.json')), { code: 'ERR_EXEMPTION_DATA', message: /cannot read/ });
  const notJson = join(dir, 'bad.json');
  writeFileSync(notJson, '{');
  t.throws(() => loadCrawlerRanges(notJson), { code: 'ERR_EXEMPTION_DATA', message: /not JSON/ });
  const bad = [
    { name: 'a', ua_pattern: '(', source_url: 'ftp://x', fetched_at: 'x', cidrs: ['10.0.0.0/33'] },
    { name: 'a', ua_pattern: 'a', source_url: 'https://x.example', fetched_at: 'x', cidrs: ['10.0.0.0/8'] },
    { name: 'b', match: 'ua_and_range', source_url: 'https://x.example', fetched_at: 'x', cidrs: ['10.0.0.0/8'] },
    { name: 'c', ua_pattern: 'c', source_url: 'https://x.example', fetched_at: 'x', cidrs: [] },
    { name: 'd', match: 'range', source_url: 'https://x.example', fetched_at: 'x', asns: [64500] },
  ];
  const error = t.throws(() => parseCrawlerRanges(bad), { code: 'ERR_EXEMPTION_DATA' });
  for (const path of ['0.ua_pattern', '0.source_url', '0.cidrs.0', '1.name', '2.ua_pattern', '3.cidrs', '4.asns']) t.true(error?.message.includes(path), `${path} in ${error?.message}`);
});

test('an entry matched by ASN covers its network for its user agent only', (t) => {
  const custom = new CrawlerDirectory(parseCrawlerRanges([{ name: 'previewbot', kind: 'preview', ua_pattern: 'previewbot', source_url: 'https://example.com/doc', source_format: 'asn', fetched_at: 'x', asns: [64500] }]));
  const bot = custom.bot('previewbot');
  t.true(bot?.covers('198.51.100.1', 64500));
  t.false(bot?.covers('198.51.100.1', 64501));
  t.false(bot?.covers('198.51.100.1', 0));
});
