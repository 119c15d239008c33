/** `botsieve crawlers refresh` end to end: the real binary against a local HTTP server (never the internet). */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/botsieve.js', import.meta.url));

const DATA = [
  { name: 'googlebot', ua_pattern: 'googlebot', source_url: 'https://example.invalid/googlebot.json', fetched_at: '2026-01-01T00:00:00Z', cidrs: ['66.249.64.0/27'] },
  { name: 'uptimerobot', kind: 'monitor', ua_pattern: 'uptimerobot', source_url: 'https://example.invalid/IPv4andIPv6.txt', source_format: 'lines', fetched_at: '2026-01-01T00:00:00Z', cidrs: ['198.51.100.1'] },
  { name: 'facebookexternalhit', kind: 'preview', ua_pattern: 'facebookexternalhit', source_url: 'https://example.invalid/crawler/', source_format: 'asn', fetched_at: '2026-01-01T00:00:00Z', asns: [32934] },
];

async function serve(t: { teardown(fn: () => void): void }): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url === '/googlebot.json') return res.end(JSON.stringify({ creationTime: '2026-12-01T00:00:00.000000', prefixes: [{ ipv4Prefix: '66.249.66.0/27' }, { ipv6Prefix: '2001:4860:4801:10::/64' }] }));
    if (req.url === '/uptimerobot.txt') return res.end('104.131.107.63\r\n216.144.248.16/28\r\n2607:ff68:107::0/121\r\n');
    res.statusCode = 404;
    return res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('crawlers refresh rewrites crawlers and monitors in their formats and keeps what is not refreshable', async (t) => {
  const base = await serve(t);
  const file = join(await mkdtemp(join(tmpdir(), 'botsieve-crawlers-cli-')), 'crawlers.json');
  await writeFile(file, JSON.stringify(DATA));
  const { stderr } = await run(process.execPath, [BIN, 'crawlers', 'refresh', '--out', file, '--source', `googlebot=${base}/googlebot.json`, '--source', `uptimerobot=${base}/uptimerobot.txt`]);
  const written = JSON.parse(await readFile(file, 'utf8')) as Array<{ name: string; cidrs: string[]; asns: number[]; source_url: string; published_at: string | null }>;
  t.deepEqual(written.map((bot) => [bot.name, bot.cidrs]), [
    ['googlebot', ['66.249.66.0/27', '2001:4860:4801:10::/64']],
    ['uptimerobot', ['104.131.107.63', '216.144.248.16/28', '2607:ff68:107::0/121']],
    ['facebookexternalhit', []],
  ]);
  t.is(written[0]?.published_at, '2026-12-01T00:00:00.000000');
  t.is(written[1]?.source_url, 'https://example.invalid/IPv4andIPv6.txt', 'a --source override is not written into the data');
  t.deepEqual(written[2]?.asns, [32934]);
  t.regex(stderr, /googlebot: 1 → 2 CIDRs \(\+2 −1\), published 2026-12-01T00:00:00\.000000 from http:\/\/127\.0\.0\.1:\d+\/googlebot\.json/);
  t.regex(stderr, /uptimerobot: 1 → 3 CIDRs \(\+3 −1\) from /);
  t.regex(stderr, /facebookexternalhit: kept 0 CIDRs, not refreshed: its operator publishes autonomous systems \(AS32934\), not a list/);
  t.regex(stderr, new RegExp(`wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});

test('crawlers refresh: a failing list writes nothing; bad arguments are usage errors', async (t) => {
  const base = await serve(t);
  const file = join(await mkdtemp(join(tmpdir(), 'botsieve-crawlers-cli-')), 'crawlers.json');
  const before = JSON.stringify(DATA);
  await writeFile(file, before);
  const failed = await t.throwsAsync(run(process.execPath, [BIN, 'crawlers', 'refresh', '--out', file, '--source', `googlebot=${base}/googlebot.json`, '--source', `uptimerobot=${base}/gone.txt`]));
  t.regex(String((failed as { stderr?: string }).stderr), /ERR_EXEMPTION_REFRESH: uptimerobot: http:\/\/127\.0\.0\.1:\d+\/gone\.txt answered HTTP 404/);
  t.is(await readFile(file, 'utf8'), before, 'all or nothing');
  const usage = await t.throwsAsync(run(process.execPath, [BIN, 'crawlers', 'refresh', '--source', 'googlebot']));
  t.regex(String((usage as { stderr?: string }).stderr), /expected NAME=URL/);
});
