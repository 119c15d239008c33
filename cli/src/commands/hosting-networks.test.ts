/** `botsieve hosting-networks refresh` end to end: the real binary against a local HTTP server (never the internet). */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/botsieve.js', import.meta.url));
const SHA = 'c'.repeat(40);
const RAW = `/raw/X4BNet/lists_vpn/${SHA}/input/datacenter/ASN.txt`;

const DATA = {
  repository: 'X4BNet/lists_vpn',
  path: 'input/datacenter/ASN.txt',
  commit: 'd'.repeat(40),
  license: 'MIT',
  fetched_at: '2026-01-01T00:00:00.000Z',
  provenance: 'test',
  asns: [14061, 16276],
};

async function serve(t: { teardown(fn: () => void): void }, raw: string | number = 'AS14061 # DIGITALOCEAN-ASN\r\nAS24940 # HETZNER-AS, DE\r\nas14061 # again\r\n'): Promise<{ base: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    hits.push(`${url} ${req.headers.accept ?? ''} ${req.headers['user-agent'] ?? ''}`);
    if (url === '/api/repos/X4BNet/lists_vpn/commits/main') return res.end(SHA);
    if (url === RAW && typeof raw === 'number') {
      res.statusCode = raw;
      return res.end();
    }
    if (url === RAW) return res.end(raw);
    res.statusCode = 404;
    return res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

async function dataFile(): Promise<{ dir: string; file: string; before: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-hosting-cli-'));
  const file = join(dir, 'hosting-asns.json');
  const before = JSON.stringify(DATA);
  await writeFile(file, before);
  return { dir, file, before };
}

test('hosting-networks refresh rewrites the list at one commit and says what changed', async (t) => {
  const { base, hits } = await serve(t);
  const { dir, file } = await dataFile();
  const started = Date.now();
  const { stdout, stderr } = await run(process.execPath, [BIN, 'hosting-networks', 'refresh', '--out', file, '--api-base', `${base}/api`, '--raw-base', `${base}/raw`]);
  t.deepEqual(hits, [
    '/api/repos/X4BNet/lists_vpn/commits/main application/vnd.github.sha botsieve hosting-networks refresh',
    `${RAW} text/plain botsieve hosting-networks refresh`,
  ]);
  const written = JSON.parse(await readFile(file, 'utf8')) as typeof DATA;
  t.deepEqual(written.asns, [14061, 24940]);
  t.like(written, { repository: 'X4BNet/lists_vpn', path: 'input/datacenter/ASN.txt', commit: SHA, license: 'MIT' });
  t.true(Date.parse(written.fetched_at) >= started - 1000 && Date.parse(written.fetched_at) <= Date.now());
  t.true(written.provenance.includes(`fetched from ${base}${RAW} by \`botsieve hosting-networks refresh\``));
  t.is(stdout, '');
  t.deepEqual(stderr.trimEnd().split('\n'), [`hosting networks: 2 → 2 ASNs (+1 −1) at ${SHA} from ${base}${RAW}`, `wrote ${file}`]);
  t.deepEqual(await readdir(dir), ['hosting-asns.json'], 'no temporary file left');
});

test('hosting-networks refresh: a failing fetch or a bad list writes nothing', async (t) => {
  const cases = [
    [503, /ERR_DETECTOR_DATA_FETCH: hosting networks: http:\/\/127\.0\.0\.1:\d+\/raw\/.*ASN\.txt answered HTTP 503/],
    ['<html><body>rate limited</body></html>', /ERR_DETECTOR_CONFIG: .*looks like an HTML page/],
    ['AS14061 # DigitalOcean\nAS-something\n', /ERR_DETECTOR_CONFIG: .*line 2 is not `AS<n> # comment`.*"AS-something"/],
  ] as const;
  // Each run starts the whole binary (about 2 s here), so the cases run side by side.
  await Promise.all(
    cases.map(async ([raw, message]) => {
      const { base } = await serve(t, raw);
      const { dir, file, before } = await dataFile();
      const failed = await t.throwsAsync(run(process.execPath, [BIN, 'hosting-networks', 'refresh', '--out', file, '--api-base', `${base}/api`, '--raw-base', `${base}/raw`]));
      t.is((failed as { code?: number }).code, 1);
      t.regex(String((failed as { stderr?: string }).stderr), message);
      t.is(await readFile(file, 'utf8'), before, 'all or nothing');
      t.deepEqual(await readdir(dir), ['hosting-asns.json']);
    }),
  );
});

test('hosting-networks refresh: bad arguments are usage errors and fetch nothing', async (t) => {
  const { base, hits } = await serve(t);
  const { file, before } = await dataFile();
  const common = ['--out', file, '--api-base', `${base}/api`, '--raw-base', `${base}/raw`];
  const cases = [
    [['hosting-networks'], /ERR_CLI_USAGE: usage: botsieve hosting-networks refresh \[--out FILE\]/],
    [['hosting-networks', 'update', ...common], /ERR_CLI_USAGE: usage: botsieve hosting-networks refresh .* \(got 'update'\)/],
    [['hosting-networks', 'refresh', 'now', ...common], /\(got 'refresh now'\)/],
    [['hosting-networks', 'refresh', '--ref', 'main; rm', ...common], /--ref main; rm: expected a branch, tag or commit/],
    [['hosting-networks', 'refresh', ...common, '--raw-base', 'ftp://x'], /--raw-base ftp:\/\/x: expected an http\(s\) URL/],
    [['hosting-networks', 'refresh', ...common, '--timeout-ms', '0'], /--timeout-ms 0: expected a whole number of milliseconds/],
    [['hosting-networks', 'refresh', ...common, '--timeout-ms', '1.5'], /--timeout-ms 1\.5: expected a whole number/],
    [['hosting-networks', 'refresh', '--since', 'yesterday'], /Unknown option '--since'/],
  ] as const;
  await Promise.all(
    cases.map(async ([args, message]) => {
      const usage = await t.throwsAsync(run(process.execPath, [BIN, ...args]));
      t.regex(String((usage as { stderr?: string }).stderr), message, args.join(' '));
    }),
  );
  t.deepEqual(hits, []);
  t.is(await readFile(file, 'utf8'), before);
  const { stdout } = await run(process.execPath, [BIN, 'help']);
  t.regex(stdout, /^ {2}hosting-networks refresh \[--out FILE\] \[--ref REF\] \[--api-base URL\] \[--raw-base URL\] \[--timeout-ms N\]$/m);
});
