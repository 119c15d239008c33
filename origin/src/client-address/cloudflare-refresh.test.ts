/** The Cloudflare ranges refresh against a local HTTP server (never the internet), and the shipped file. */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { loadCloudflareIps, parseCloudflareIps, parseCloudflareList } from './cloudflare-ips.js';
import { formatCloudflareRefreshSummary, refreshCloudflareIps, writeCloudflareIps } from './cloudflare-refresh.js';

const V4 = '173.245.48.0/20\n103.21.244.0/22\n198.51.100.0/24\n';
const V6 = '2400:cb00::/32\r\n2606:4700:0::/32\r\n\r\n';

async function serve(t: { teardown(fn: () => void): void }, bodies: Record<string, string | number>): Promise<{ base: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.url} ${req.headers['user-agent'] ?? ''}`);
    const body = bodies[req.url ?? ''];
    if (typeof body === 'number') res.statusCode = body;
    else if (body === undefined) res.statusCode = 404;
    res.end(typeof body === 'string' ? body : '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

test('the shipped file loads: 15 IPv4 and 7 IPv6 ranges with their sources', (t) => {
  const data = loadCloudflareIps();
  t.is(data.ipv4.length, 15);
  t.is(data.ipv6.length, 7);
  t.deepEqual(data.sources, { ipv4: 'https://www.cloudflare.com/ips-v4', ipv6: 'https://www.cloudflare.com/ips-v6' });
  t.false(Number.isNaN(Date.parse(data.fetched_at)));
});

test('refresh reads both lists, writes them canonical, and says what changed', async (t) => {
  const { base, hits } = await serve(t, { '/ips-v4': V4, '/ips-v6': V6 });
  const current = loadCloudflareIps();
  const now = new Date('2026-12-07T05:00:00Z');
  const { data, summary } = await refreshCloudflareIps(current, fetch, { base, now: () => now });
  t.deepEqual(hits, ['/ips-v4 botsieve cloudflare-ips refresh', '/ips-v6 botsieve cloudflare-ips refresh']);
  t.deepEqual(data.ipv4, ['173.245.48.0/20', '103.21.244.0/22', '198.51.100.0/24']);
  t.deepEqual(data.ipv6, ['2400:cb00::/32', '2606:4700::/32']);
  t.is(data.fetched_at, '2026-12-07T05:00:00.000Z');
  t.true(data.provenance.includes(`${base}/ips-v4`));
  t.is(formatCloudflareRefreshSummary(summary), `cloudflare ips: IPv4 15 → 3 (+1 −13), IPv6 7 → 2 (+0 −5) from ${base}/ips-v4, ${base}/ips-v6`);
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-cf-ips-'));
  const file = join(dir, 'cloudflare-ips.json');
  await writeCloudflareIps(file, data);
  t.deepEqual(loadCloudflareIps(file), data, 'what is written loads again');
  t.deepEqual(await readdir(dir), ['cloudflare-ips.json']);
});

test('refresh refuses the whole update on an HTML page, an empty list, a bad line, a wrong family, a huge range or an HTTP error', async (t) => {
  const cases: [Record<string, string | number>, string, RegExp][] = [
    [{ '/ips-v4': '<!DOCTYPE html><html>Attention Required</html>', '/ips-v6': V6 }, 'ERR_ORIGIN_CLOUDFLARE_IPS', /ips-v4: looks like an HTML page/],
    [{ '/ips-v4': V4, '/ips-v6': '\n\n' }, 'ERR_ORIGIN_CLOUDFLARE_IPS', /ips-v6: no CIDRs \(empty list\)/],
    [{ '/ips-v4': `${V4}not-a-cidr\n`, '/ips-v6': V6 }, 'ERR_ORIGIN_CLOUDFLARE_IPS', /ips-v4: line 4 is not a CIDR/],
    [{ '/ips-v4': '198.51.100.7\n', '/ips-v6': V6 }, 'ERR_ORIGIN_CLOUDFLARE_IPS', /line 1 is not a CIDR \(address\/length\)/],
    [{ '/ips-v4': V4, '/ips-v6': `${V6}103.22.200.0/22\n` }, 'ERR_ORIGIN_CLOUDFLARE_IPS', /is an IPv4 range in the IPv6 list/],
    [{ '/ips-v4': '0.0.0.0/0\n', '/ips-v6': V6 }, 'ERR_ORIGIN_CLOUDFLARE_IPS', /wider than \/8/],
    [{ '/ips-v4': V4, '/ips-v6': '::ffff:0:0/96\n' }, 'ERR_ORIGIN_CLOUDFLARE_IPS', /IPv4-mapped/],
    [{ '/ips-v4': 503, '/ips-v6': V6 }, 'ERR_ORIGIN_CLOUDFLARE_IPS_FETCH', /answered HTTP 503/],
    [{ '/ips-v4': V4, '/ips-v6': 404 }, 'ERR_ORIGIN_CLOUDFLARE_IPS', /answered HTTP 404/],
  ];
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-cf-ips-'));
  const file = join(dir, 'cloudflare-ips.json');
  const before = await readFile(new URL('../../data/cloudflare-ips.json', import.meta.url), 'utf8');
  await writeFile(file, before);
  for (const [bodies, code, message] of cases) {
    const { base } = await serve(t, bodies);
    const error = await t.throwsAsync(async () => writeCloudflareIps(file, (await refreshCloudflareIps(loadCloudflareIps(file), fetch, { base })).data), { code });
    t.regex(error?.message ?? '', message);
  }
  t.is(await readFile(file, 'utf8'), before, 'nothing written');
});

test('an unreachable server is a retryable fetch error', async (t) => {
  const { base } = await serve(t, {});
  const closed = base.replace(/:\d+$/, ':1');
  const error = await t.throwsAsync(refreshCloudflareIps(loadCloudflareIps(), fetch, { base: closed, timeoutMs: 2_000 }), { code: 'ERR_ORIGIN_CLOUDFLARE_IPS_FETCH' });
  t.true((error as unknown as { retryable: boolean }).retryable);
});

test('a data file with a bad entry does not load', (t) => {
  const good = loadCloudflareIps();
  t.throws(() => parseCloudflareIps({ ...good, ipv4: [...good.ipv4, '10.0.0.0/33'] }, 'x'), { code: 'ERR_ORIGIN_CLOUDFLARE_IPS', message: /ipv4\[15\] is not a CIDR/ });
  t.throws(() => parseCloudflareIps({ ...good, ipv6: [] }, 'x'), { code: 'ERR_ORIGIN_CLOUDFLARE_IPS' });
  t.throws(() => parseCloudflareIps({ ...good, extra: 1 }, 'x'), { code: 'ERR_ORIGIN_CLOUDFLARE_IPS', message: /unknown keys extra/ });
  t.deepEqual(parseCloudflareList('10.1.2.3/8\n10.0.0.0/8\n', 4, 'x'), ['10.0.0.0/8'], 'host bits cleared, duplicates dropped');
});
