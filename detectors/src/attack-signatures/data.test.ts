import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATTACK_LIST_NAMES, CRS_PATHS, loadAttackData, parseCrsDataFile } from './data.js';

test('the shipped data: three CRS lists, each with its repository, path, commit, licence and provenance', (t) => {
  const data = loadAttackData();
  for (const name of ATTACK_LIST_NAMES) {
    const list = data.lists[name];
    t.is(list.repository, 'coreruleset/coreruleset', name);
    t.is(list.path, CRS_PATHS[name], name);
    t.regex(list.commit, /^[0-9a-f]{40}$/, name);
    t.is(list.license, 'Apache-2.0', name);
    t.true(list.provenance.includes(list.commit) && list.provenance.includes(list.path), name);
    t.false(Number.isNaN(Date.parse(list.fetched_at)), name);
    t.true(list.entries.length > 50, name);
  }
});

test('attack tools: the scanners are listed, generic automation (isbot) is not', (t) => {
  const tools = loadAttackData().lists.attack_tools.entries.map((e) => e.toLowerCase());
  for (const tool of ['sqlmap', 'nikto', 'nuclei', 'masscan', 'zgrab', 'wpscan', 'gobuster', 'nmap']) t.true(tools.includes(tool), tool);
  for (const generic of ['curl', 'python-requests', 'go-http-client', 'wget', 'okhttp', 'scrapy']) t.false(tools.some((e) => e.includes(generic)), generic);
});

test('CRS data format: comments and blank lines dropped, entries trimmed and kept in order (fixture)', (t) => {
  const fixture = '# comment\n\n  sqlmap  \n# http://example.invalid/\nMozilla/4.0 (Hydra)\r\n#docker-compose.yml\ncompose.yml\n';
  t.deepEqual(parseCrsDataFile(fixture, 'fixture'), ['sqlmap', 'Mozilla/4.0 (Hydra)', 'compose.yml']);
  t.throws(() => parseCrsDataFile('# only comments\n\n', 'empty'), { code: 'ERR_DETECTOR_CONFIG', message: /no entries/ });
  t.throws(() => parseCrsDataFile('<!DOCTYPE html>\n<html><body>rate limited</body></html>\n', 'html'), { code: 'ERR_DETECTOR_CONFIG', message: /HTML page/ });
});

test('a data file that is missing, not JSON or of the wrong shape fails with ERR_DETECTOR_CONFIG naming the file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botsieve-attack-data-'));
  t.throws(() => loadAttackData(join(dir, 'missing.json')), { code: 'ERR_DETECTOR_CONFIG', message: /cannot read attack signature data/ });
  writeFileSync(join(dir, 'bad.json'), '{');
  t.throws(() => loadAttackData(join(dir, 'bad.json')), { code: 'ERR_DETECTOR_CONFIG', message: /is not JSON/ });
  writeFileSync(join(dir, 'shape.json'), JSON.stringify({ lists: { attack_tools: { entries: [] } } }));
  t.throws(() => loadAttackData(join(dir, 'shape.json')), { code: 'ERR_DETECTOR_CONFIG', message: /lists\.attack_tools\.repository/ });
});
