/** Refresh against a local HTTP server on 127.0.0.1 serving excerpts of real publications (never the internet). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { BotsieveError } from '@botsieve/core';
import { loadCrawlerRanges, parseCrawlerRanges, type CrawlerRanges } from './known-bots.js';
import { formatRefreshSummary, refreshCrawlerRanges, writeCrawlerRanges } from './refresh.js';

const fixture = (name: string): string => readFileSync(new URL(`../../src/exemption/testdata/${name}`, import.meta.url), 'utf8');

const GOOGLE = {
  creationTime: '2026-11-20T15:46:38.000000',
  prefixes: [{ ipv6Prefix: '2001:4860:4801:10::/64' }, { ipv4Prefix: '66.249.64.0/27' }, { ipv4Prefix: '192.178.4.0/27' }],
};
const BING = { creationTime: '2024-01-03T10:00:00.121331', prefixes: [{ ipv4Prefix: '157.55.39.0/24' }, { ipv4Prefix: '40.77.167.0/24' }] };

const stale = { published_at: null, fetched_at: '2026-01-01T00:00:00Z', provenance: 'test' };
const current: CrawlerRanges[] = parseCrawlerRanges([
  { name: 'googlebot', ua_pattern: 'googlebot', source_url: 'https://example.invalid/googlebot.json', ...stale, cidrs: ['66.249.64.0/27', '66.249.65.0/27'] },
  { name: 'bingbot', ua_pattern: 'bingbot', source_url: 'https://example.invalid/bingbot.json', ...stale, cidrs: ['157.55.39.0/24'] },
]);
const monitors: CrawlerRanges[] = parseCrawlerRanges([
  { name: 'uptimerobot', kind: 'monitor', ua_pattern: 'uptimerobot', source_url: 'https://example.invalid/IPv4andIPv6.txt', source_format: 'lines', ...stale, cidrs: ['104.131.107.63', '198.51.100.1'] },
  { name: 'pingdom', kind: 'monitor', ua_pattern: 'pingdom', source_url: 'https://example.invalid/probes/ipv4', more_source_urls: ['https://example.invalid/probes/ipv6'], source_format: 'lines', ...stale, cidrs: ['3.10.222.182/32'] },
  { name: 'statuscake', kind: 'monitor', match: 'range', source_url: 'https://example.invalid/locations.json', source_format: 'statuscake-json', ...stale, cidrs: ['34.13.166.3'] },
  { name: 'facebookexternalhit', kind: 'preview', ua_pattern: 'facebookexternalhit', source_url: 'https://example.invalid/crawler/', source_format: 'asn', ...stale, asns: [32934] },
]);

async function serve(t: { teardown(fn: () => void): void }): Promise<{ base: string; hits: string[]; accepts: string[] }> {
  const hits: string[] = [];
  const accepts: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    accepts.push(String(req.headers.accept));
    switch (req.url) {
      case '/googlebot.json':
        return res.end(JSON.stringify(GOOGLE));
      case '/bingbot.json':
        return res.end(JSON.stringify(BING));
      case '/IPv4andIPv6.txt':
        return res.end(fixture('uptimerobot-IPv4andIPv6.txt'));
      case '/probes/ipv4':
        return res.end(fixture('pingdom-probes-ipv4.txt'));
      case '/probes/ipv6':
        return res.end(fixture('pingdom-probes-ipv6.txt'));
      case '/locations.json':
        return res.end(fixture('statuscake-locations.json'));
      case '/empty.json':
        return res.end(JSON.stringify({ creationTime: 'x', prefixes: [] }));
      case '/html':
        return res.end(fixture('maintenance.html'));
      case '/slow':
        return setTimeout(() => res.end(JSON.stringify(GOOGLE)), 2_000).unref();
      default:
        res.statusCode = 503;
        return res.end('unavailable');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, accepts };
}

const now = () => new Date('2026-11-21T08:00:00.000Z');

test('refresh fetches every crawler, keeps name/pattern/source and replaces the ranges', async (t) => {
  const { base, hits } = await serve(t);
  const sources = { googlebot: `${base}/googlebot.json`, bingbot: `${base}/bingbot.json` };
  const { crawlers, summaries } = await refreshCrawlerRanges(current, sources, fetch, { now });
  t.deepEqual(hits, ['/googlebot.json', '/bingbot.json']);
  const google = crawlers[0] as CrawlerRanges;
  t.is(google.ua_pattern, 'googlebot');
  t.is(google.source_url, 'https://example.invalid/googlebot.json');
  t.deepEqual(google.cidrs, ['66.249.64.0/27', '192.178.4.0/27', '2001:4860:4801:10::/64']);
  t.is(google.published_at, '2026-11-20T15:46:38.000000');
  t.is(google.fetched_at, '2026-11-21T08:00:00.000Z');
  t.true(google.provenance.includes(`${base}/googlebot.json`));
  t.deepEqual(summaries.map((s) => [s.name, s.before, s.after, s.added, s.removed]), [['googlebot', 2, 3, 2, 1], ['bingbot', 1, 2, 1, 0]]);
  t.is(formatRefreshSummary(summaries[0]!), `googlebot: 2 → 3 CIDRs (+2 −1), published 2026-11-20T15:46:38.000000 from ${base}/googlebot.json`);
});

test('monitors: each publication read in its format, Pingdom’s two lists together; an ASN entry is kept and reported', async (t) => {
  const { base, hits, accepts } = await serve(t);
  // The data's own URLs, pointed at the local server (as `--source` cannot give Pingdom two lists).
  const local = monitors.map((bot) => ({ ...bot, source_url: bot.source_url.replace('https://example.invalid', base), more_source_urls: bot.more_source_urls.map((url) => url.replace('https://example.invalid', base)) }));
  const { crawlers, summaries } = await refreshCrawlerRanges(local, {}, fetch, { now });
  t.deepEqual(hits, ['/IPv4andIPv6.txt', '/probes/ipv4', '/probes/ipv6', '/locations.json']);
  t.deepEqual(accepts, ['text/plain', 'text/plain', 'text/plain', 'application/json']);
  const byName = new Map(crawlers.map((bot) => [bot.name, bot]));
  t.deepEqual(byName.get('uptimerobot')?.cidrs, ['104.131.107.63', '216.144.248.16/28', '3.12.251.153', '2400:6180:0:d0::16:d001', '2607:ff68:107::0/121']);
  t.deepEqual(byName.get('pingdom')?.cidrs, ['3.10.222.182', '13.41.140.26', '209.58.139.194', '2001:19f0:200:125d::426', '2a0d:3002:2100:a00c:5::4065']);
  t.deepEqual(byName.get('statuscake')?.cidrs, ['146.190.20.113', '34.13.166.3', '45.32.148.97', '2a03:b0c0:2:d0::12d1:1', '2001:19f0:6801:099e:5400:05ff:fec5:f341']);
  t.like(byName.get('statuscake'), { match: 'range', ua_pattern: null, source_format: 'statuscake-json' });
  t.deepEqual(byName.get('facebookexternalhit'), local[3], 'not refreshable: kept as it was');
  t.deepEqual(summaries.map((s) => [s.name, s.before, s.after, s.added, s.removed]), [['uptimerobot', 2, 5, 4, 1], ['pingdom', 1, 5, 5, 1], ['statuscake', 1, 5, 4, 0], ['facebookexternalhit', 0, 0, 0, 0]]);
  t.is(formatRefreshSummary(summaries[3]!), 'facebookexternalhit: kept 0 CIDRs, not refreshed: its operator publishes autonomous systems (AS32934), not a list');
  t.true(byName.get('pingdom')?.provenance.includes(`${base}/probes/ipv4 and ${base}/probes/ipv6`));
});

test('any failure rejects the whole refresh with the crawler, the URL and why', async (t) => {
  const { base } = await serve(t);
  const cases: [string, RegExp, boolean][] = [
    ['/gone', /bingbot: http:\/\/127\.0\.0\.1:\d+\/gone answered HTTP 503 Service Unavailable/, true],
    ['/html', /not JSON/, false],
    ['/empty.json', /no prefixes/, false],
  ];
  for (const [path, message, retryable] of cases) {
    const error = await t.throwsAsync(refreshCrawlerRanges(current, { googlebot: `${base}/googlebot.json`, bingbot: `${base}${path}` }, fetch, { now }), { code: retryable ? 'ERR_EXEMPTION_FETCH' : 'ERR_EXEMPTION_REFRESH', message });
    t.is((error as BotsieveError | undefined)?.retryable, retryable, path);
  }
  // A line list answered with a maintenance page: nothing from it replaces good data.
  await t.throwsAsync(refreshCrawlerRanges(monitors.slice(0, 1), { uptimerobot: `${base}/html` }, fetch, { now }), { code: 'ERR_EXEMPTION_REFRESH', message: /uptimerobot: .*\/html range list: line 1 is not an address or CIDR/ });
});

test('a slow source times out; a refused connection names the URL', async (t) => {
  const { base } = await serve(t);
  await t.throwsAsync(refreshCrawlerRanges(current, { googlebot: `${base}/slow` }, fetch, { timeoutMs: 200 }), { code: 'ERR_EXEMPTION_FETCH', message: /googlebot: fetching .*\/slow failed: timed out after 200 ms/ });
  // Port 9 on loopback (discard): nothing listens there in the test environment.
  await t.throwsAsync(refreshCrawlerRanges(current, { googlebot: 'http://127.0.0.1:9/x' }, fetch, { timeoutMs: 2_000 }), { code: 'ERR_EXEMPTION_FETCH', message: /fetching http:\/\/127\.0\.0\.1:9\/x failed/ });
});

test('a source naming an unknown crawler is refused before anything is fetched', async (t) => {
  const { base, hits } = await serve(t);
  await t.throwsAsync(refreshCrawlerRanges(current, { yandexbot: `${base}/googlebot.json` }, fetch), { code: 'ERR_EXEMPTION_REFRESH', message: /no crawler named 'yandexbot'/ });
  t.deepEqual(hits, []);
});

test('writeCrawlerRanges replaces the file atomically and the result loads again', async (t) => {
  const { base } = await serve(t);
  const dir = mkdtempSync(join(tmpdir(), 'botsieve-refresh-'));
  const path = join(dir, 'crawlers.json');
  writeFileSync(path, JSON.stringify(current));
  const { crawlers } = await refreshCrawlerRanges(loadCrawlerRanges(path), { googlebot: `${base}/googlebot.json`, bingbot: `${base}/bingbot.json` }, fetch, { now });
  await writeCrawlerRanges(path, crawlers);
  t.deepEqual(readdirSync(dir), ['crawlers.json']); // no temporary file left behind
  t.deepEqual(loadCrawlerRanges(path), crawlers);
  t.true(readFileSync(path, 'utf8').endsWith('\n'));
  await t.throwsAsync(writeCrawlerRanges(join(dir, 'missing-dir', 'crawlers.json'), crawlers), { code: 'ERR_EXEMPTION_REFRESH', message: /cannot write/ });
});
