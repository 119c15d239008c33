/** `botsieve attack-signatures refresh` end to end: the real binary against a local HTTP server (never the internet). */
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
const SHA = 'c'.repeat(40);

const list = (path: string, entries: string[]) => ({ repository: 'coreruleset/coreruleset', path, commit: 'd'.repeat(40), license: 'Apache-2.0', fetched_at: '2026-01-01T00:00:00Z', provenance: 'test', entries });
const DATA = {
  lists: {
    attack_tools: list('rules/scanners-user-agents.data', ['sqlmap']),
    restricted_files: list('rules/restricted-files.data', ['.env']),
    os_files: list('rules/lfi-os-files.data', ['etc/passwd']),
  },
};

async function serve(t: { teardown(fn: () => void): void }, failing = ''): Promise<string> {
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/api/repos/coreruleset/coreruleset/commits/main') return res.end(SHA);
    if (url === failing) {
      res.statusCode = 503;
      return res.end();
    }
    if (url === `/raw/coreruleset/coreruleset/${SHA}/rules/scanners-user-agents.data`) return res.end('# tools\nsqlmap\nnuclei\n');
    if (url === `/raw/coreruleset/coreruleset/${SHA}/rules/restricted-files.data`) return res.end('.env\n.git/\n');
    if (url === `/raw/coreruleset/coreruleset/${SHA}/rules/lfi-os-files.data`) return res.end('etc/passwd\n');
    res.statusCode = 404;
    return res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('attack-signatures refresh rewrites every list at one commit and says what changed', async (t) => {
  const base = await serve(t);
  const file = join(await mkdtemp(join(tmpdir(), 'botsieve-attack-cli-')), 'attack-signatures.json');
  await writeFile(file, JSON.stringify(DATA));
  const { stderr } = await run(process.execPath, [BIN, 'attack-signatures', 'refresh', '--out', file, '--api-base', `${base}/api`, '--raw-base', `${base}/raw`]);
  const written = JSON.parse(await readFile(file, 'utf8')) as typeof DATA;
  t.deepEqual(written.lists.attack_tools.entries, ['sqlmap', 'nuclei']);
  t.deepEqual(written.lists.restricted_files.entries, ['.env', '.git/']);
  t.is(written.lists.os_files.commit, SHA);
  t.regex(stderr, /attack_tools: 1 → 2 entries \(\+1 −0\) at c{40} from http:\/\/127\.0\.0\.1:\d+\/raw\//);
  t.regex(stderr, /wrote .*attack-signatures\.json/);
});

test('attack-signatures refresh: a failing list writes nothing; bad arguments are usage errors', async (t) => {
  const base = await serve(t, `/raw/coreruleset/coreruleset/${SHA}/rules/lfi-os-files.data`);
  const file = join(await mkdtemp(join(tmpdir(), 'botsieve-attack-cli-')), 'attack-signatures.json');
  const before = JSON.stringify(DATA);
  await writeFile(file, before);
  const failed = await t.throwsAsync(run(process.execPath, [BIN, 'attack-signatures', 'refresh', '--out', file, '--api-base', `${base}/api`, '--raw-base', `${base}/raw`]));
  t.regex(String((failed as { stderr?: string }).stderr), /ERR_DETECTOR_DATA_FETCH.*os_files: .* answered HTTP 503/);
  t.is(await readFile(file, 'utf8'), before, 'all or nothing');
  const usage = await t.throwsAsync(run(process.execPath, [BIN, 'attack-signatures', 'update']));
  t.regex(String((usage as { stderr?: string }).stderr), /usage: botsieve attack-signatures refresh/);
  const badBase = await t.throwsAsync(run(process.execPath, [BIN, 'attack-signatures', 'refresh', '--raw-base', 'ftp://x']));
  t.regex(String((badBase as { stderr?: string }).stderr), /--raw-base ftp:\/\/x: expected an http\(s\) URL/);
});
