/** `botsieve cloudflare-ips refresh` end to end: the real binary against a local HTTP server (never the internet). */
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

async function serve(t: { teardown(fn: () => void): void }, v4: string): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url === '/ips-v4') return res.end(v4);
    if (req.url === '/ips-v6') return res.end('2400:cb00::/32\n2606:4700::/32\n');
    res.statusCode = 404;
    return res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function dataFile(): Promise<{ dir: string; file: string; before: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-cf-cli-'));
  const file = join(dir, 'cloudflare-ips.json');
  const before = await readFile(fileURLToPath(new URL('../../../origin/data/cloudflare-ips.json', import.meta.url)), 'utf8');
  await writeFile(file, before);
  return { dir, file, before };
}

test('cloudflare-ips refresh rewrites the ranges and says what changed; a bad list writes nothing', async (t) => {
  const [good, bad] = await Promise.all([serve(t, '173.245.48.0/20\n103.21.244.0/22\n'), serve(t, '<html>rate limited</html>')]);
  const [first, second] = await Promise.all([dataFile(), dataFile()]);
  const [ok, failed] = await Promise.allSettled([
    run(process.execPath, [BIN, 'cloudflare-ips', 'refresh', '--out', first.file, '--base', good]),
    run(process.execPath, [BIN, 'cloudflare-ips', 'refresh', '--out', second.file, '--base', bad]),
  ]);
  t.is(ok.status, 'fulfilled');
  const { stderr } = (ok as PromiseFulfilledResult<{ stderr: string }>).value;
  t.deepEqual(stderr.trimEnd().split('\n'), [`cloudflare ips: IPv4 15 → 2 (+0 −13), IPv6 7 → 2 (+0 −5) from ${good}/ips-v4, ${good}/ips-v6`, `wrote ${first.file}`]);
  const written = JSON.parse(await readFile(first.file, 'utf8')) as { ipv4: string[]; ipv6: string[] };
  t.deepEqual(written.ipv4, ['173.245.48.0/20', '103.21.244.0/22']);
  t.deepEqual(await readdir(first.dir), ['cloudflare-ips.json']);
  t.is(failed.status, 'rejected');
  t.regex(String((failed as PromiseRejectedResult).reason.stderr), /ERR_ORIGIN_CLOUDFLARE_IPS: cloudflare ips: http:\/\/127\.0\.0\.1:\d+\/ips-v4: looks like an HTML page/);
  t.is(await readFile(second.file, 'utf8'), second.before);
  t.deepEqual(await readdir(second.dir), ['cloudflare-ips.json']);
});

test('cloudflare-ips: bad arguments are usage errors', async (t) => {
  const cases = [
    [['cloudflare-ips'], /ERR_CLI_USAGE: usage: botsieve cloudflare-ips refresh \[--out FILE\]/],
    [['cloudflare-ips', 'refresh', '--base', 'ftp://x'], /--base ftp:\/\/x: expected an http\(s\) URL/],
    [['cloudflare-ips', 'refresh', '--timeout-ms', '0'], /--timeout-ms 0: expected a whole number/],
  ] as const;
  await Promise.all(
    cases.map(async ([args, message]) => {
      const usage = await t.throwsAsync(run(process.execPath, [BIN, ...args]));
      t.regex(String((usage as { stderr?: string }).stderr), message, args.join(' '));
    }),
  );
});
