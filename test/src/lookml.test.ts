/**
 * The LookML in dashboards/looker is the generator's output for the BigQuery schemas in
 * sinks/schemas/bigquery: it cannot drift from them, every file parses with lookml-parser (the
 * dashboard through js-yaml), every schema column is a dimension, and the dashboard only names
 * fields the views define.
 */
import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffLookml, generateLookml, GENERATED_MARKER, REGENERATE_COMMAND, writeLookml } from '@botsieve/looker';
import { loadBigQuerySchemas, parseBigQuerySchemas } from '@botsieve/sinks';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const LOOKER_DIR = join(REPO, 'dashboards/looker');
const SCHEMA_DIR = join(REPO, 'sinks/schemas/bigquery');

interface LookmlParser {
  parse(text: string): Record<string, any>;
  parseFiles(options: { source: Array<{ path: string; content: string }>; console?: unknown }): Promise<Record<string, any>>;
}
const lookml = createRequire(import.meta.url)('lookml-parser') as LookmlParser;

interface RawField {
  name: string;
  type: string;
  mode?: string;
  description?: string;
  fields?: RawField[];
}
interface RawTable {
  schema_file: string;
  insert_id_field: string;
  partition_field: string;
}

async function rawSchemas(): Promise<{ tables: Record<string, RawTable>; files: Record<string, RawField[]> }> {
  const tables = JSON.parse(await readFile(join(SCHEMA_DIR, 'tables.json'), 'utf8')) as Record<string, RawTable>;
  const files: Record<string, RawField[]> = {};
  for (const table of Object.values(tables)) files[table.schema_file] = JSON.parse(await readFile(join(SCHEMA_DIR, table.schema_file), 'utf8')) as RawField[];
  return { tables, files };
}

async function checkedInFiles(): Promise<Array<{ path: string; content: string }>> {
  const generated = generateLookml(await loadBigQuerySchemas());
  return Promise.all([...generated.keys()].map(async (path) => ({ path, content: await readFile(join(LOOKER_DIR, path), 'utf8') })));
}

function parses(text: string): boolean {
  try {
    lookml.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Every parsed view of the checked-in files, by name (a view file may hold several views). */
async function parsedViews(): Promise<Map<string, Record<string, any>>> {
  const views = new Map<string, Record<string, any>>();
  for (const file of await checkedInFiles()) {
    if (!file.path.endsWith('.view.lkml')) continue;
    for (const [name, view] of Object.entries(lookml.parse(file.content).view ?? {})) views.set(name, view as Record<string, any>);
  }
  return views;
}

/** Field names a parsed view exposes: dimensions, `<group>_<timeframe>`, measures, filters. */
function exposedFields(view: Record<string, any>): Set<string> {
  const names = new Set<string>([...Object.keys(view.dimension ?? {}), ...Object.keys(view.measure ?? {}), ...Object.keys(view.filter ?? {})]);
  for (const [name, group] of Object.entries<Record<string, any>>(view.dimension_group ?? {})) for (const timeframe of group.timeframes as string[]) names.add(`${name}_${timeframe}`);
  return names;
}

test('the checked-in dashboards/looker is exactly what the generator makes of the current schemas', async (t) => {
  const generated = generateLookml(await loadBigQuerySchemas());
  t.deepEqual([...generated.keys()], ['botsieve.dashboard.lookml', 'botsieve.model.lkml', 'views/traffic_1m.view.lkml', 'views/verdicts.view.lkml']);
  const drift = await diffLookml(LOOKER_DIR, generated);
  t.deepEqual(drift, { changed: [], stale: [] }, `dashboards/looker is out of date with sinks/schemas/bigquery; regenerate with: ${REGENERATE_COMMAND}`);
  for (const file of await checkedInFiles()) t.true(file.content.split('\n')[0]?.includes(GENERATED_MARKER), `${file.path} carries the generated marker`);
});

test('every file parses with lookml-parser, and the model assembles its explores from the views', async (t) => {
  const files = await checkedInFiles();
  for (const file of files.filter((candidate) => candidate.path.endsWith('.lkml'))) t.true(parses(file.content), `${file.path} parses`);
  const project = await lookml.parseFiles({ source: files, console: { log() {}, warn() {}, error() {} } });
  t.is(project.errors, undefined, JSON.stringify(project.errors));
  const model = project.model?.botsieve as Record<string, any>;
  t.truthy(model, 'the botsieve model assembles');
  t.deepEqual(Object.keys(model.explore).sort(), ['traffic_1m', 'verdicts']);
  t.truthy(model.dashboard?.botsieve, 'the dashboard (YAML) is parsed and included by the model');
  for (const [name, explore] of Object.entries<Record<string, any>>(model.explore)) {
    t.truthy(model.view[name], `explore ${name} has its view`);
    t.truthy(explore.always_filter, `explore ${name} bounds the partitions scanned by default`);
    for (const [joinName, join] of Object.entries<Record<string, any>>(explore.join ?? {})) {
      t.truthy(model.view[joinName], `join ${joinName} has a view`);
      t.is(join.relationship, 'one_to_many');
      const unnest = /UNNEST\(\$\{(\w+)\.(\w+)\}\) AS (\w+) WITH OFFSET/.exec(join.sql as string);
      t.truthy(unnest, `join ${joinName} unnests an array`);
      const [, parent, column, alias] = unnest as RegExpExecArray;
      t.is(alias, joinName);
      t.truthy(model.view[parent as string]?.dimension?.[column as string], `${parent}.${column} is a dimension`);
    }
  }
  // Control: the parser does reject broken LookML, so the parses above mean something. (It throws
  // a plain object, not an Error, hence no t.throws.)
  const view = files.find((file) => file.path === 'views/verdicts.view.lkml')?.content ?? '';
  t.false(parses(view.replace('type: string', 'type: string {')), 'an unbalanced brace is rejected');
  t.true(parses(view));
});

test('every schema column is a dimension of its view, with the type mapped and the description kept', async (t) => {
  const { tables, files } = await rawSchemas();
  const views = await parsedViews();
  let checked = 0;
  const visit = (viewName: string, fields: RawField[], prefix: string): void => {
    const view = views.get(viewName);
    if (view === undefined) return void t.fail(`no view ${viewName}`);
    for (const field of fields) {
      const name = prefix + field.name;
      checked++;
      if (field.mode === 'REPEATED') {
        t.is(view.dimension?.[name]?.hidden, true, `${viewName}.${name}: the array itself is a hidden dimension`);
        const child = `${viewName}__${name}`;
        t.true(views.has(child), `REPEATED ${viewName}.${name} has its own view ${child}`);
        if (field.type === 'RECORD') visit(child, field.fields ?? [], '');
        continue;
      }
      if (field.type === 'RECORD') {
        visit(viewName, field.fields ?? [], `${name}__`);
        continue;
      }
      const isTime = field.type === 'TIMESTAMP' || field.type === 'DATE' || field.type === 'DATETIME';
      const dimension = isTime ? view.dimension_group?.[name] : view.dimension?.[name];
      if (dimension === undefined) return void t.fail(`${viewName}: column ${name} is not a ${isTime ? 'dimension_group' : 'dimension'}`);
      const expected = isTime ? 'time' : { INTEGER: 'number', INT64: 'number', FLOAT: 'number', FLOAT64: 'number', NUMERIC: 'number', BOOLEAN: 'yesno', BOOL: 'yesno' }[field.type] ?? 'string';
      t.is(dimension.type, expected, `${viewName}.${name} type`);
      t.is(dimension.description, field.description, `${viewName}.${name} description`);
      t.regex(dimension.sql as string, new RegExp(`\`${field.name}\``), `${viewName}.${name} reads its column`);
    }
  };
  for (const [name, table] of Object.entries(tables)) visit(name, files[table.schema_file] ?? [], '');
  t.true(checked >= 30, `all columns visited (${checked})`);
});

test('each base view keeps one row per insert id, partitions filtered before, and has the measures', async (t) => {
  const { tables } = await rawSchemas();
  const views = await parsedViews();
  for (const [name, table] of Object.entries(tables)) {
    const view = views.get(name) ?? {};
    const sql = view.derived_table?.sql as string;
    t.regex(sql, new RegExp(`QUALIFY ROW_NUMBER\\(\\) OVER \\(PARTITION BY \`${table.insert_id_field}\`[^)]*\\) = 1`), `${name} keeps one row per ${table.insert_id_field}`);
    t.regex(sql, new RegExp(`WHERE \\{% condition ${name}\\.${table.partition_field}_range %\\} \`${table.partition_field}\` \\{% endcondition %\\}`), `${name} filters partitions before de-duplicating`);
    t.is(view.dimension?.[table.insert_id_field]?.primary_key, true);
  }
  t.regex(views.get('traffic_1m')?.derived_table?.sql as string, /ORDER BY `requests` DESC/, 'traffic_1m keeps the copy with the most requests');
  const measures = (view: string) => Object.keys(views.get(view)?.measure ?? {});
  for (const measure of ['count', 'total_requests', 'total_blocked', 'total_challenged', 'total_logged', 'mitigation_rate']) t.true(measures('traffic_1m').includes(measure), `traffic_1m.${measure}`);
  for (const measure of ['count', 'subject_count', 'average_score', 'block_count', 'challenge_count', 'log_count']) t.true(measures('verdicts').includes(measure), `verdicts.${measure}`);
  t.true(measures('traffic_1m__top_subjects').includes('subject_count'));
  t.true(measures('traffic_1m__mitigated_by').includes('total_requests'));
  for (const [name, view] of views) if (name.includes('__')) t.is(view.dimension?.pk?.primary_key, true, `${name} has a primary key for symmetric aggregates`);
});

test('the dashboard names only fields the views define, and covers the tiles asked for', async (t) => {
  const files = await checkedInFiles();
  const project = await lookml.parseFiles({ source: files, console: { log() {}, warn() {}, error() {} } });
  const [dashboard] = project.model.botsieve.dashboard.botsieve as Array<Record<string, any>>;
  const views = await parsedViews();
  const known = new Set<string>();
  for (const [name, view] of views) for (const field of exposedFields(view)) known.add(`${name}.${field}`);
  const referenced: string[] = [];
  for (const filter of dashboard?.filters ?? []) referenced.push(filter.field);
  for (const element of dashboard?.elements ?? []) {
    referenced.push(...element.fields, ...(element.pivots ?? []), ...(element.sorts ?? []).map((sort: string) => sort.split(' ')[0]), ...Object.values<string>(element.listen ?? {}));
  }
  t.true(referenced.length > 20);
  for (const field of referenced) t.true(known.has(field), `dashboard field ${field} exists`);
  const fieldSets = (dashboard?.elements ?? []).map((element: Record<string, any>) => (element.fields as string[]).join(','));
  for (const wanted of [/traffic_1m\.minute_\w+,traffic_1m\.class,traffic_1m\.total_requests/, /mitigated_by\.detector,.*mitigated_by\.action/, /top_subjects\.subject/, /verdicts\.decided_at_\w+,verdicts\.action,verdicts\.count/]) {
    t.true(fieldSets.some((fields: string) => wanted.test(fields)), `a tile shows ${wanted}`);
  }
});

test('control: the output follows the schemas (a new column appears, a removed one the semantics need fails)', async (t) => {
  const { tables, files } = await rawSchemas();
  const baseline = generateLookml(parseBigQuerySchemas(tables, files));
  t.deepEqual(baseline, generateLookml(await loadBigQuerySchemas()), 'in-memory parsing matches the loader');

  const trafficFile = tables.traffic_1m?.schema_file ?? '';
  const added = structuredClone(files);
  added[trafficFile]?.push({ name: 'colo', type: 'STRING', mode: 'NULLABLE', description: 'Edge data centre.' });
  const withColumn = generateLookml(parseBigQuerySchemas(tables, added));
  t.not(withColumn.get('views/traffic_1m.view.lkml'), baseline.get('views/traffic_1m.view.lkml'));
  t.is(lookml.parse(withColumn.get('views/traffic_1m.view.lkml') ?? '').view.traffic_1m.dimension.colo.description, 'Edge data centre.');
  t.is(withColumn.get('views/verdicts.view.lkml'), baseline.get('views/verdicts.view.lkml'), 'other tables are untouched');

  const redescribed = structuredClone(files);
  const host = redescribed[trafficFile]?.find((field) => field.name === 'host');
  const tricky = 'The "Host" header, e.g. shop.example; a \\ stays a backslash.';
  if (host !== undefined) host.description = tricky;
  const withDescription = generateLookml(parseBigQuerySchemas(tables, redescribed)).get('views/traffic_1m.view.lkml') ?? '';
  t.not(withDescription, baseline.get('views/traffic_1m.view.lkml'));
  t.is(lookml.parse(withDescription).view.traffic_1m.dimension.host.description, tricky, 'quotes and backslashes survive escaping');

  const removed = structuredClone(files);
  removed[trafficFile] = (removed[trafficFile] ?? []).filter((field) => field.name !== 'requests');
  t.throws(() => generateLookml(parseBigQuerySchemas(tables, removed)), { code: 'ERR_SINK_SCHEMA' });
});

test('control: drift is detected and writeLookml repairs it, deleting stale generated files only', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-lookml-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const schemas = await loadBigQuerySchemas();
  const files = generateLookml(schemas);
  t.deepEqual((await writeLookml(dir, { schemas })).changed, [...files.keys()]);
  t.deepEqual(await diffLookml(dir, files), { changed: [], stale: [] });

  await writeFile(join(dir, 'views/verdicts.view.lkml'), `${files.get('views/verdicts.view.lkml')}\n# hand edit\n`);
  await writeFile(join(dir, 'views/old_table.view.lkml'), `# ${GENERATED_MARKER} earlier\nview: old_table {}\n`);
  await writeFile(join(dir, 'views/handwritten.view.lkml'), 'view: handwritten {}\n');
  t.deepEqual(await diffLookml(dir, files), { changed: ['views/verdicts.view.lkml'], stale: ['views/old_table.view.lkml'] });
  t.deepEqual(await writeLookml(dir, { schemas }), { changed: ['views/verdicts.view.lkml'], stale: ['views/old_table.view.lkml'] });
  t.deepEqual(await diffLookml(dir, files), { changed: [], stale: [] });
  t.is(await readFile(join(dir, 'views/handwritten.view.lkml'), 'utf8'), 'view: handwritten {}\n', 'files without the marker are left alone');
});
