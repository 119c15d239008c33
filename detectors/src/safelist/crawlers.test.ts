import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { CrawlerDirectory, loadCrawlerRanges, parseBingStyleRanges, parseCrawlerRanges, parseGoogleStyleRanges } from './crawlers.js';

const GOOGLEBOT = 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/120.0.6099.216 Safari/537.36';
const GOOGLEBOT_SMARTPHONE = 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.216 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const BINGBOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)';
const APPLEBOT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

const shipped = loadCrawlerRanges();
const directory = new CrawlerDirectory(shipped);

test('the shipped data loads, validates and names its sources', (t) => {
  t.deepEqual(directory.names, ['googlebot', 'bingbot', 'applebot']);
  for (const crawler of shipped) {
    t.regex(crawler.source_url, /^https:\/\//);
    t.true(crawler.cidrs.length > 0);
    t.true(crawler.provenance.length > 0, `${crawler.name} says where its ranges came from`);
  }
  t.true(shipped.find((c) => c.name === 'googlebot')?.cidrs.includes('66.249.66.0/27'));
  t.true(shipped.find((c) => c.name === 'bingbot')?.cidrs.includes('157.55.39.0/24'));
});

test('claimed: the crawler a user agent claims, case-insensitively; browsers claim none', (t) => {
  t.is(directory.claimed(GOOGLEBOT), 'googlebot');
  t.is(directory.claimed(GOOGLEBOT_SMARTPHONE), 'googlebot');
  t.is(directory.claimed('Googlebot-Image/1.0'), 'googlebot');
  t.is(directory.claimed(BINGBOT), 'bingbot');
  t.is(directory.claimed(APPLEBOT), 'applebot');
  t.is(directory.claimed(CHROME), '');
  t.is(directory.claimed(''), '');
});

test('verify: a Googlebot address from the published ranges passes, 1.2.3.4 does not', (t) => {
  t.true(directory.verify('googlebot', '66.249.66.1')); // in 66.249.66.0/27
  t.true(directory.verify('googlebot', '66.249.79.95')); // last address of 66.249.79.64/27
  t.true(directory.verify('googlebot', '2001:4860:4801:10::1'));
  t.true(directory.verify('bingbot', '157.55.39.200'));
  t.true(directory.verify('applebot', '17.241.208.161'));
  t.false(directory.verify('googlebot', '1.2.3.4'));
  t.false(directory.verify('googlebot', '157.55.39.200')); // Bing's address claiming Google
  t.false(directory.verify('bingbot', '66.249.66.1'));
  t.false(directory.verify('nobot', '66.249.66.1'));
  t.false(directory.verify('googlebot', 'garbage'));
});

test('loadCrawlerRanges: a custom file; problems are ERR_DETECTOR_CONFIG with their path', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botsieve-crawlers-'));
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify([{ name: 'examplebot', ua_pattern: 'examplebot', source_url: 'https://example.com/ranges.json', fetched_at: '2026-01-01T00:00:00Z', cidrs: ['192.0.2.0/24'] }]));
  const custom = new CrawlerDirectory(loadCrawlerRanges(good));
  t.true(custom.verify(custom.claimed('ExampleBot/1.0'), '192.0.2.9'));

  t.throws(() => loadCrawlerRanges(join(dir, 'missing.json')), { code: 'ERR_DETECTOR_CONFIG', message: /cannot read/ });
  const notJson = join(dir, 'bad.json');
  writeFileSync(notJson, '{');
  t.throws(() => loadCrawlerRanges(notJson), { code: 'ERR_DETECTOR_CONFIG', message: /not JSON/ });
  const bad = [
    { name: 'a', ua_pattern: '(', source_url: 'ftp://x', fetched_at: 'x', cidrs: ['10.0.0.0/33'] },
    { name: 'a', ua_pattern: 'a', source_url: 'https://x.example', fetched_at: 'x', cidrs: ['10.0.0.0/8'] },
  ];
  const error = t.throws(() => parseCrawlerRanges(bad), { code: 'ERR_DETECTOR_CONFIG' });
  for (const path of ['0.ua_pattern', '0.source_url', '0.cidrs.0', '1.name']) t.true(error?.message.includes(path), path);
});

test('parseGoogleStyleRanges / parseBingStyleRanges read the published shape', (t) => {
  const google = {
    creationTime: '2026-03-16T15:46:38.000000',
    prefixes: [{ ipv6Prefix: '2001:4860:4801:10::/64' }, { ipv4Prefix: '66.249.64.0/27' }, { ipv4Prefix: '66.249.64.0/27' }],
  };
  t.deepEqual(parseGoogleStyleRanges(google), { published_at: '2026-03-16T15:46:38.000000', cidrs: ['66.249.64.0/27', '2001:4860:4801:10::/64'] });
  t.deepEqual(parseBingStyleRanges({ prefixes: [{ ipv4Prefix: '157.55.39.0/24' }] }), { published_at: null, cidrs: ['157.55.39.0/24'] });
  t.throws(() => parseGoogleStyleRanges({ prefixes: [] }), { code: 'ERR_DETECTOR_CONFIG', message: /no prefixes/ });
  t.throws(() => parseGoogleStyleRanges('<html>maintenance</html>'), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseBingStyleRanges({ prefixes: [{ ipv4Prefix: 'not-a-cidr' }] }), { code: 'ERR_DETECTOR_CONFIG', message: /prefixes\[0\]/ });
});
