import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_SCHEMA_DIR, SCHEMA_DIRECTORY, loadBigQuerySchemas, readBigQuerySchemas } from './index.js';

// The validation rules themselves are tested through the LookML generator (lookml.test.ts).

test('the shipped schemas read the same by path, by URL and through the promise', async (t) => {
  const byUrl = readBigQuerySchemas(SCHEMA_DIRECTORY);
  t.deepEqual(byUrl.tables.map((table) => table.name), ['verdicts', 'traffic_1m']);
  t.deepEqual(readBigQuerySchemas(DEFAULT_SCHEMA_DIR), byUrl);
  t.deepEqual(await loadBigQuerySchemas(), byUrl);
});

test('a missing or broken file is an ERR_SINK_SCHEMA naming it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-schemas-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.throws(() => readBigQuerySchemas(dir), { code: 'ERR_SINK_SCHEMA', message: /cannot read .*tables\.json/ });
  await writeFile(join(dir, 'tables.json'), JSON.stringify({ events: { schema_file: 'events.json', insert_id_field: 'id', partition_field: 'day' } }));
  t.throws(() => readBigQuerySchemas(pathToFileURL(`${dir}/`)), { code: 'ERR_SINK_SCHEMA', message: /cannot read .*events\.json/ });
  await writeFile(join(dir, 'events.json'), '[{');
  await t.throwsAsync(loadBigQuerySchemas(dir), { code: 'ERR_SINK_SCHEMA', message: /events\.json is not JSON/ });
  await writeFile(join(dir, 'events.json'), JSON.stringify([{ name: 'id', type: 'STRING' }, { name: 'day', type: 'DATE' }]));
  t.deepEqual(readBigQuerySchemas(dir).tables.map((table) => table.fields.map((field) => field.name)), [['id', 'day']], 'control: with both files it reads');
});
