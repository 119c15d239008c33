/** Refresh against a local HTTP server on 127.0.0.1 (never the internet). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { BotsieveError } from '@botsieve/core';
import { loadCrawlerRanges, type CrawlerRanges } from './crawlers.js';
import { formatRefreshSummary, refreshCrawlerRanges, writeCrawlerRanges } from './refresh.js';

const GOOGLE = {
  creationTime: '2026-11-20T15:46:38.000000',
  prefixes: [{ ipv6Prefix: '2001:4860:4801:10::/64' }, { ipv4Prefix: '66.249.64.0/27' }, { ipv4Prefix: '192.178.4.0/27' }],
};
const BING = { creationTime: '2024-01-03T10:00:00.121331', prefixes: [{ ipv4Prefix: '157.55.39.0/24' }, { ipv4Prefix: '40.77.167.0/24' }] };

const current: CrawlerRanges[] = [
  { name: 'googlebot', ua_pattern: 'googlebot', source_url: 'https://example.invalid/googlebot.json', published_at: null, fetched_at: '2026-01-01T00:00:00Z', provenance: 'test', cidrs: ['66.249.64.0/27', '66.249.65.0/27'] },
  { name: 'bingbot', ua_pattern: 'bingbot', source_url: 'https://example.invalid/bingbot.json', published_at: null, fetched_at: '2026-01-01T00:00:00Z', provenance: 'test', cidrs: ['157.55.39.0/24'] },
];

async function serve(t: { teardown(fn: () => void): void }): Promise<{ base: string; hits: string[] }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    switch (req.url) {
      case '/googlebot.json':
        return res.end(JSON.stringify(GOOGLE));
      case '/bingbot.json':
        return res.end(JSON.stringify(BING));
      case '/empty.json':
        return res.end(JSON.stringify({ creationTime: 'x', prefixes: [] }));
      case '/html':
        return res.end('<html>maintenance</html>');
      case '/slow':
        return setTimeout(() => res.end(JSON.stringify(GOOGLE)), 2_000).unref();
      default:
        res.statusCode = 503;
        return res.end('unavailable');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
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

test('any failure rejects the whole refresh with the crawler, the URL and why', async (t) => {
  const { base } = await serve(t);
  const cases: [string, RegExp, boolean][] = [
    ['/gone', /bingbot: http:\/\/127\.0\.0\.1:\d+\/gone answered HTTP 503 Service Unavailable/, true],
    ['/html', /did not return JSON/, false],
    ['/empty.json', /no prefixes/, false],
  ];
  for (const [path, message, retryable] of cases) {
    const error = await t.throwsAsync(refreshCrawlerRanges(current, { googlebot: `${base}/googlebot.json`, bingbot: `${base}${path}` }, fetch, { now }), { code: 'ERR_DETECTOR_CONFIG', message });
    t.is((error as BotsieveError | undefined)?.retryable, retryable, path);
  }
});

test('a slow source times out; a refused connection names the URL', async (t) => {
  const { base } = await serve(t);
  await t.throwsAsync(refreshCrawlerRanges(current, { googlebot: `${base}/slow` }, fetch, { timeoutMs: 200 }), { code: 'ERR_DETECTOR_CONFIG', message: /googlebot: fetching .*\/slow failed: timed out after 200 ms/ });
  // Port 9 on loopback (discard): nothing listens there in the test environment.
  await t.throwsAsync(refreshCrawlerRanges(current, { googlebot: 'http://127.0.0.1:9/x' }, fetch, { timeoutMs: 2_000 }), { code: 'ERR_DETECTOR_CONFIG', message: /fetching http:\/\/127\.0\.0\.1:9\/x failed/ });
});

test('a source naming an unknown crawler is refused before anything is fetched', async (t) => {
  const { base, hits } = await serve(t);
  await t.throwsAsync(refreshCrawlerRanges(current, { yandexbot: `${base}/googlebot.json` }, fetch), { code: 'ERR_DETECTOR_CONFIG', message: /no crawler named 'yandexbot'/ });
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
  await t.throwsAsync(writeCrawlerRanges(join(dir, 'missing-dir', 'crawlers.json'), crawlers), { code: 'ERR_DETECTOR_CONFIG', message: /cannot write/ });
});
