/** Refresh against a local HTTP server on 127.0.0.1 serving CRS-format fixtures (never the internet). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { BotsieveError } from '@botsieve/core';
import { loadAttackData, parseAttackData, type AttackData } from './data.js';
import { formatAttackRefreshSummary, refreshAttackData, writeAttackData } from './refresh.js';

const SHA = 'a'.repeat(40);
const FIXTURES: Record<string, string> = {
  'rules/scanners-user-agents.data': '# scanners\nsqlmap\n\n# https://github.com/projectdiscovery/nuclei\nnuclei\nnewscanner\n',
  'rules/restricted-files.data': '# Apache\n.htaccess\n.env\n',
  'rules/lfi-os-files.data': '# os files\netc/passwd\n# .pac\nwin.ini\n',
};

const list = (path: string, entries: string[]) => ({ repository: 'coreruleset/coreruleset', path, commit: 'b'.repeat(40), license: 'Apache-2.0', fetched_at: '2026-01-01T00:00:00Z', provenance: 'test', entries });
const current: AttackData = parseAttackData({
  lists: {
    attack_tools: list('rules/scanners-user-agents.data', ['sqlmap', 'nuclei', 'oldscanner']),
    restricted_files: list('rules/restricted-files.data', ['.htaccess', '.env']),
    os_files: list('rules/lfi-os-files.data', ['etc/passwd', 'win.ini']),
  },
});

async function serve(t: { teardown(fn: () => void): void }, override: Record<string, string | number> = {}): Promise<{ base: string; hits: string[] }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    hits.push(`${url} ${req.headers.accept ?? ''}`);
    const forced = override[url];
    if (typeof forced === 'number') {
      res.statusCode = forced;
      return res.end('unavailable');
    }
    if (typeof forced === 'string') return res.end(forced);
    if (url === '/repos/coreruleset/coreruleset/commits/main') return res.end(`${SHA}\n`);
    const prefix = `/raw/coreruleset/coreruleset/${SHA}/`;
    const body = url.startsWith(prefix) ? FIXTURES[url.slice(prefix.length)] : undefined;
    if (body === undefined) {
      res.statusCode = 404;
      return res.end('404: Not Found');
    }
    return res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

const now = () => new Date('2026-12-06T15:00:00.000Z');

test('refresh resolves the ref to one commit, reads every list at it and records where it came from', async (t) => {
  const { base, hits } = await serve(t);
  const { data, summaries } = await refreshAttackData(current, fetch, { apiBase: base, rawBase: `${base}/raw`, now });
  t.deepEqual(hits, [
    '/repos/coreruleset/coreruleset/commits/main application/vnd.github.sha',
    `/raw/coreruleset/coreruleset/${SHA}/rules/scanners-user-agents.data text/plain`,
    `/raw/coreruleset/coreruleset/${SHA}/rules/restricted-files.data text/plain`,
    `/raw/coreruleset/coreruleset/${SHA}/rules/lfi-os-files.data text/plain`,
  ]);
  const tools = data.lists.attack_tools;
  t.deepEqual(tools.entries, ['sqlmap', 'nuclei', 'newscanner']);
  t.is(tools.commit, SHA);
  t.is(tools.fetched_at, '2026-12-06T15:00:00.000Z');
  t.is(tools.license, 'Apache-2.0');
  t.true(tools.provenance.includes(`${base}/raw/coreruleset/coreruleset/${SHA}/rules/scanners-user-agents.data`) && tools.provenance.includes('ref main'));
  t.deepEqual(data.lists.os_files.entries, ['etc/passwd', 'win.ini'], 'a commented-out entry stays out');
  t.deepEqual(summaries.map((s) => [s.name, s.before, s.after, s.added, s.removed]), [['attack_tools', 3, 3, 1, 1], ['restricted_files', 2, 2, 0, 0], ['os_files', 2, 2, 0, 0]]);
  t.is(formatAttackRefreshSummary(summaries[0]!), `attack_tools: 3 → 3 entries (+1 −1) at ${SHA} from ${base}/raw/coreruleset/coreruleset/${SHA}/rules/scanners-user-agents.data`);
});

test('a commit as the ref is used as it is; a JSON commit answer is understood too', async (t) => {
  const pinned = await serve(t);
  const first = await refreshAttackData(current, fetch, { ref: SHA, apiBase: pinned.base, rawBase: `${pinned.base}/raw`, now });
  t.is(first.data.lists.restricted_files.commit, SHA);
  t.false(pinned.hits.some((hit) => hit.startsWith('/repos/')));
  const json = await serve(t, { '/repos/coreruleset/coreruleset/commits/v4': JSON.stringify({ sha: SHA }) });
  const second = await refreshAttackData(current, fetch, { ref: 'v4', apiBase: json.base, rawBase: `${json.base}/raw`, now });
  t.is(second.data.lists.os_files.commit, SHA);
});

test('any failure rejects the whole refresh with the list, the URL and why', async (t) => {
  const cases: [Record<string, string | number>, RegExp, boolean][] = [
    [{ [`/raw/coreruleset/coreruleset/${SHA}/rules/lfi-os-files.data`]: 503 }, /os_files: http:\/\/127\.0\.0\.1:\d+\/raw\/.* answered HTTP 503/, true],
    [{ [`/raw/coreruleset/coreruleset/${SHA}/rules/restricted-files.data`]: '<html><body>rate limited</body></html>' }, /restricted_files: .*HTML page/, false],
    [{ [`/raw/coreruleset/coreruleset/${SHA}/rules/scanners-user-agents.data`]: '# nothing\n' }, /attack_tools: .*no entries/, false],
    [{ '/repos/coreruleset/coreruleset/commits/main': 'not a sha' }, /did not answer a commit sha/, false],
    [{ '/repos/coreruleset/coreruleset/commits/main': 429 }, /answered HTTP 429/, true],
  ];
  for (const [override, message, retryable] of cases) {
    const { base } = await serve(t, override);
    const error = await t.throwsAsync(refreshAttackData(current, fetch, { apiBase: base, rawBase: `${base}/raw`, now }), { code: retryable ? 'ERR_DETECTOR_DATA_FETCH' : 'ERR_DETECTOR_CONFIG', message });
    t.is((error as BotsieveError | undefined)?.retryable, retryable, String(message));
  }
});

test('the written file loads again; the write is atomic (no temporary file left)', async (t) => {
  const { base } = await serve(t);
  const { data } = await refreshAttackData(current, fetch, { apiBase: base, rawBase: `${base}/raw`, now });
  const dir = mkdtempSync(join(tmpdir(), 'botsieve-attack-refresh-'));
  const file = join(dir, 'attack-signatures.json');
  await writeAttackData(file, data);
  t.deepEqual(loadAttackData(file), data);
  t.deepEqual(readdirSync(dir), ['attack-signatures.json']);
  t.true(readFileSync(file, 'utf8').endsWith('\n'));
  await t.throwsAsync(writeAttackData(join(dir, 'missing', 'x.json'), data), { code: 'ERR_DETECTOR_CONFIG', message: /cannot write attack signature data/ });
});
