/** Refresh against a local HTTP server on 127.0.0.1 serving an X4BNet-format ASN list (never the internet). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { BotsieveError } from '@botsieve/core';
import { defaultHostingNetworksPath, hostingAsns, loadHostingNetworks, parseHostingNetworks, type HostingNetworksData } from './hosting-networks.js';
import { formatHostingRefreshSummary, parseAsnList, refreshHostingNetworks, writeHostingNetworks } from './hosting-refresh.js';

const SHA = 'a'.repeat(40);
const RAW = `/raw/X4BNet/lists_vpn/${SHA}/input/datacenter/ASN.txt`;
const LIST = [
  '# X4BNet datacenter ASNs\r',
  'AS45090 # Tencent cloud computing, they dont really monitor their network\r',
  'as3223 # VOXILITY, RO\r',
  '\r',
  'AS42473 # ANEXIA-AS A-9020 # Klagenfurt, AT',
  'AS8560  # IONOS SE',
  'AS45090 # listed twice',
  'AS4294967295',
  '',
].join('\n');

const current: HostingNetworksData = {
  repository: 'X4BNet/lists_vpn',
  path: 'input/datacenter/ASN.txt',
  commit: 'b'.repeat(40),
  license: 'MIT',
  fetched_at: '2026-01-01T00:00:00.000Z',
  provenance: 'test',
  asns: [45090, 3223, 7777],
};

interface Hit {
  url: string;
  accept: string;
  userAgent: string;
}

/** `override`: a status to answer, a body to answer, or 'hang' to never answer. */
async function serve(t: { teardown(fn: () => void): void }, override: Record<string, string | number> = {}, body = LIST): Promise<{ base: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    hits.push({ url, accept: req.headers.accept ?? '', userAgent: req.headers['user-agent'] ?? '' });
    const forced = override[url];
    if (forced === 'hang') return undefined;
    if (typeof forced === 'number') {
      res.statusCode = forced;
      return res.end('unavailable');
    }
    if (typeof forced === 'string') return res.end(forced);
    if (url === '/repos/X4BNet/lists_vpn/commits/main') return res.end(`${SHA}\n`);
    if (url === RAW) return res.end(body);
    res.statusCode = 404;
    return res.end('404: Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.close();
    server.closeAllConnections();
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

const now = () => new Date('2026-12-06T15:00:00.000Z');

test('refresh resolves the ref to one commit, reads the list at it and records where it came from', async (t) => {
  const { base, hits } = await serve(t);
  const { data, summary } = await refreshHostingNetworks(current, fetch, { apiBase: base, rawBase: `${base}/raw`, now });
  t.deepEqual(hits, [
    { url: '/repos/X4BNet/lists_vpn/commits/main', accept: 'application/vnd.github.sha', userAgent: 'botsieve hosting-networks refresh' },
    { url: RAW, accept: 'text/plain', userAgent: 'botsieve hosting-networks refresh' },
  ]);
  t.deepEqual(data.asns, [45090, 3223, 42473, 8560, 4294967295], 'file order, duplicates dropped, comments and blank lines skipped');
  t.deepEqual(Object.keys(data), ['repository', 'path', 'commit', 'license', 'fetched_at', 'provenance', 'asns']);
  t.like(data, { repository: 'X4BNet/lists_vpn', path: 'input/datacenter/ASN.txt', commit: SHA, license: 'MIT', fetched_at: '2026-12-06T15:00:00.000Z' });
  for (const part of [`${base}${RAW}`, `at commit ${SHA} (ref main)`, '`botsieve hosting-networks refresh` at 2026-12-06T15:00:00.000Z', 'github.com/X4BNet/lists_vpn (MIT)']) {
    t.true(data.provenance.includes(part), part);
  }
  t.false(data.provenance.includes('replace `asns`'), 'the manual step is gone');
  t.deepEqual(summary, { url: `${base}${RAW}`, commit: SHA, before: 3, after: 5, added: 3, removed: 1 });
  t.is(formatHostingRefreshSummary(summary), `hosting networks: 3 → 5 ASNs (+3 −1) at ${SHA} from ${base}${RAW}`);
});

test('a commit as the ref is used as it is; a JSON commit answer is understood; a ref is sent encoded', async (t) => {
  const pinned = await serve(t);
  const first = await refreshHostingNetworks(current, fetch, { ref: SHA, apiBase: pinned.base, rawBase: `${pinned.base}/raw`, now });
  t.is(first.data.commit, SHA);
  t.deepEqual(pinned.hits.map((hit) => hit.url), [RAW]);
  const json = await serve(t, { '/repos/X4BNet/lists_vpn/commits/release%2F2026': JSON.stringify({ sha: SHA }) });
  const second = await refreshHostingNetworks(current, fetch, { ref: 'release/2026', apiBase: `${json.base}/`, rawBase: `${json.base}/raw/`, now });
  t.is(second.data.commit, SHA);
  t.true(second.data.provenance.includes('(ref release/2026)'));
  t.deepEqual(json.hits.map((hit) => hit.url), ['/repos/X4BNet/lists_vpn/commits/release%2F2026', RAW]);
});

test('any failure rejects the whole refresh with the URL and why', async (t) => {
  const cases: [Record<string, string | number>, RegExp, boolean][] = [
    [{ [RAW]: 503 }, /^hosting networks: http:\/\/127\.0\.0\.1:\d+\/raw\/X4BNet\/lists_vpn\/a{40}\/input\/datacenter\/ASN\.txt answered HTTP 503/, true],
    [{ [RAW]: 404 }, /answered HTTP 404/, false],
    [{ [RAW]: '\n<!DOCTYPE html>\n<html><body>rate limited</body></html>\n' }, /ASN\.txt: looks like an HTML page/, false],
    [{ [RAW]: '' }, /ASN\.txt: no AS numbers/, false],
    [{ [RAW]: '# only comments\n\n# here\n' }, /no AS numbers/, false],
    [{ [RAW]: 'AS45090 # Tencent\nAS3223 # VOXILITY\n45102 # Alibaba, no AS\n' }, /ASN\.txt: line 3 is not `AS<n> # comment`.*: "45102 # Alibaba, no AS"$/, false],
    [{ [RAW]: 'AS45090\nAS16276 OVH without a hash\n' }, /line 2 is not .*"AS16276 OVH without a hash"/, false],
    [{ [RAW]: 'AS0 # reserved\n' }, /line 1 is not .*"AS0 # reserved"/, false],
    [{ [RAW]: 'AS4294967296 # too large\n' }, /line 1 is not .*"AS4294967296 # too large"/, false],
    [{ '/repos/X4BNet/lists_vpn/commits/main': 'not a sha' }, /X4BNet\/lists_vpn: .* did not answer a commit sha for 'main'/, false],
    [{ '/repos/X4BNet/lists_vpn/commits/main': 429 }, /commits\/main answered HTTP 429/, true],
    [{ [RAW]: 'hang' }, /ASN\.txt failed: timed out after 300 ms/, true],
  ];
  for (const [override, message, retryable] of cases) {
    const { base } = await serve(t, override);
    const error = await t.throwsAsync(refreshHostingNetworks(current, fetch, { apiBase: base, rawBase: `${base}/raw`, now, timeoutMs: 300 }), { code: retryable ? 'ERR_DETECTOR_DATA_FETCH' : 'ERR_DETECTOR_CONFIG', message });
    t.is((error as BotsieveError | undefined)?.retryable, retryable, String(message));
  }
});

test('a body over the size cap is refused', async (t) => {
  const { base } = await serve(t);
  await t.throwsAsync(refreshHostingNetworks(current, fetch, { apiBase: base, rawBase: `${base}/raw`, now, maxBytes: 64 }), { code: 'ERR_DETECTOR_CONFIG', message: /returned \d+ bytes, more than the 64 accepted/ });
});

test('parseAsnList: CR LF, lower-case `as`, a byte-order mark, comments that hold `#`, no comment at all', (t) => {
  t.deepEqual(parseAsnList('\uFEFFas1 # one\r\nAs2#two\r\n  AS3  \r\n# AS4 commented out\r\nAS1 # again\r\n', 'x'), [1, 2, 3]);
  t.throws(() => parseAsnList('AS1\nASN2\n', 'origin'), { code: 'ERR_DETECTOR_CONFIG', message: 'origin: line 2 is not `AS<n> # comment` with an AS number from 1 to 4294967295: "ASN2"' });
});

test('the shipped list refreshes to itself from a list of its own numbers', async (t) => {
  const shipped = loadHostingNetworks(defaultHostingNetworksPath());
  const { base } = await serve(t, {}, shipped.asns.map((asn) => `AS${asn} # network ${asn}\n`).join(''));
  const { data, summary } = await refreshHostingNetworks(shipped, fetch, { apiBase: base, rawBase: `${base}/raw`, now });
  t.deepEqual(data.asns, shipped.asns);
  t.like(summary, { before: shipped.asns.length, after: shipped.asns.length, added: 0, removed: 0 });
});

test('the loader\'s validator checks where the data came from as well as its numbers', (t) => {
  const valid = { ...current };
  t.is(parseHostingNetworks(valid, 'x'), valid);
  t.throws(() => parseHostingNetworks(null, 'x'), { code: 'ERR_DETECTOR_CONFIG', message: 'x: expected an object' });
  t.throws(() => parseHostingNetworks({ ...valid, repository: 'lists_vpn' }, 'x'), { code: 'ERR_DETECTOR_CONFIG', message: /"repository" lists_vpn is not owner\/name/ });
  t.throws(() => parseHostingNetworks({ ...valid, commit: 'main' }, 'x'), { code: 'ERR_DETECTOR_CONFIG', message: /"commit" main is not 40 lower-case hex digits/ });
  t.throws(() => parseHostingNetworks({ ...valid, provenance: undefined }, 'x'), { code: 'ERR_DETECTOR_CONFIG', message: /"provenance" must be a non-empty string/ });
  t.throws(() => parseHostingNetworks({ ...valid, asns: [1, 0] }, 'x'), { code: 'ERR_DETECTOR_CONFIG', message: 'x: 0 is not an AS number' });
});

test('the written file loads again; the write is atomic (no temporary file left)', async (t) => {
  const { base } = await serve(t);
  const { data } = await refreshHostingNetworks(current, fetch, { apiBase: base, rawBase: `${base}/raw`, now });
  const dir = mkdtempSync(join(tmpdir(), 'botsieve-hosting-refresh-'));
  const file = join(dir, 'hosting-asns.json');
  await writeHostingNetworks(file, data);
  t.deepEqual(loadHostingNetworks(file), data);
  t.deepEqual(readdirSync(dir), ['hosting-asns.json']);
  t.true(readFileSync(file, 'utf8').endsWith('\n'));
  await t.throwsAsync(writeHostingNetworks(join(dir, 'missing', 'x.json'), data), { code: 'ERR_DETECTOR_CONFIG', message: /cannot write hosting networks/ });
});

test('a refreshed file reaches a running pipeline at its next reload: hostingAsns reads the file again only when it changed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botsieve-hosting-reload-'));
  const file = join(dir, 'hosting-asns.json');
  const shipped = loadHostingNetworks(defaultHostingNetworksPath());
  await writeHostingNetworks(file, { ...shipped, asns: [64_500, 64_501] });
  utimesSync(file, 1_000, 1_000);
  const first = hostingAsns([], [], file);
  t.deepEqual([...first], [64_500, 64_501]);
  t.is(hostingAsns([], [], file), first, 'unchanged file: the same set, not read again');
  t.deepEqual([...hostingAsns([64_999], [64_500], file)], [64_501, 64_999], 'extra and except apply on top');
  await writeHostingNetworks(file, { ...shipped, asns: [396_982] });
  utimesSync(file, 2_000, 2_000);
  t.deepEqual([...hostingAsns([], [], file)], [396_982], 'changed file: read again');
  writeFileSync(file, '{"asns": "not a list"}');
  utimesSync(file, 3_000, 3_000);
  t.throws(() => hostingAsns([], [], file), { code: 'ERR_DETECTOR_CONFIG' });
});
