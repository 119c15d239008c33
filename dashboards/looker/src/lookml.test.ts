import test from 'ava';
import { loadBigQuerySchemas, parseBigQuerySchemas } from '@botsieve/sinks';
import { generateLookml } from './index.js';
import { lookmlConfigSchema } from './config.js';
import { toYaml } from './dashboard.js';
import { queryableNames, renderView } from './lookml-text.js';
import { buildTableViews } from './views.js';

const tables = {
  events: { description: 'Test table.', schema_file: 'events.json', insert_id_field: 'id', partition_field: 'day', clustering: ['kind'] },
};

function schemaWith(fields: unknown[]) {
  return parseBigQuerySchemas(tables, { 'events.json': fields });
}

const BASE = [
  { name: 'id', type: 'STRING', mode: 'REQUIRED', description: 'Row id.' },
  { name: 'day', type: 'DATE', mode: 'REQUIRED', description: 'Partition day.' },
  { name: 'kind', type: 'STRING' },
];

test('schema files are validated: unknown types, missing keys, repeated or excess clustering columns', (t) => {
  t.throws(() => schemaWith([...BASE, { name: 'x', type: 'VARCHAR' }]), { code: 'ERR_SINK_SCHEMA', message: /unknown BigQuery type/ });
  t.throws(() => schemaWith(BASE.filter((field) => field.name !== 'day')), { code: 'ERR_SINK_SCHEMA', message: /no column day/ });
  t.throws(() => schemaWith([...BASE, { name: 'KIND', type: 'STRING' }]), { code: 'ERR_SINK_SCHEMA', message: /duplicate column/ });
  t.throws(() => parseBigQuerySchemas({ events: { ...tables.events, partition_field: 'kind' } }, { 'events.json': BASE }), { code: 'ERR_SINK_SCHEMA', message: /partition_field/ });
  t.throws(() => parseBigQuerySchemas({ events: { ...tables.events, clustering: ['kind', 'id', 'day', 'kind', 'id'] } }, { 'events.json': BASE }), { code: 'ERR_SINK_SCHEMA', message: /at most 4/ });
  t.throws(() => parseBigQuerySchemas({ events: { ...tables.events, schema_file: 'missing.json' } }, {}), { code: 'ERR_SINK_SCHEMA', message: /not found/ });
  t.notThrows(() => schemaWith(BASE));
});

test('a table the semantics do not know still gets views: DATE partitions, structs flattened, scalar arrays unnested', (t) => {
  const schemas = schemaWith([
    ...BASE,
    { name: 'geo', type: 'STRUCT', fields: [{ name: 'country', type: 'STRING', description: 'Country.' }] },
    { name: 'tags', type: 'STRING', mode: 'REPEATED', description: 'Tags.' },
    { name: 'bytes', type: 'INT64' },
  ]);
  const views = buildTableViews(schemas.tables[0]!, lookmlConfigSchema.parse({}));
  t.deepEqual(views.joins.map((join) => join.view), ['events__tags']);
  const base = queryableNames(views.base);
  for (const name of ['id', 'day_date', 'day_month', 'kind', 'geo__country', 'bytes', 'total_bytes', 'count', 'day_range']) t.true(base.includes(name), name);
  t.false(base.includes('day_time'), 'a DATE has no time of day');
  t.regex(renderView(views.base), /WHERE \{% condition events\.day_range %\} TIMESTAMP\(`day`\) \{% endcondition %\}/);
  t.regex(renderView(views.base), /sql: \$\{TABLE\}\.`geo`\.`country` ;;/);
  t.regex(renderView(views.nested[0]!), /dimension: tags \{\n    type: string\n    description: "Tags\."\n    sql: \$\{TABLE\} ;;/);
  // The bundled dashboard is about the repository's tables: without them generation says so.
  t.throws(() => generateLookml(schemas), { code: 'ERR_SINK_SCHEMA', message: /dashboard needs the tables/ });
});

test('generated views for the repository schemas: nested key uses the parent key, partition filter before QUALIFY', async (t) => {
  const files = generateLookml(await loadBigQuerySchemas(), { project: 'my-project-1', dataset: 'bots', connection: 'bq' });
  const verdicts = files.get('views/verdicts.view.lkml') ?? '';
  t.regex(verdicts, /FROM `my-project-1\.bots\.verdicts`/);
  t.regex(verdicts, /CONCAT\(CAST\(\$\{verdicts__detectors\.pk\} AS STRING\), '\|', CAST\(verdicts__detectors__evidence_offset AS STRING\)\)/);
  t.true(verdicts.indexOf('{% condition verdicts.decided_at_range %}') < verdicts.indexOf('QUALIFY'));
  t.regex(files.get('botsieve.model.lkml') ?? '', /^connection: "bq"$/m);
  t.throws(() => generateLookml(parseBigQuerySchemas(tables, { 'events.json': BASE }), { dataset: 'no-dashes' }), { code: 'ERR_SINK_CONFIG' });
});

test('toYaml quotes what YAML would misread and keeps identifiers plain', (t) => {
  const yaml = toYaml([{ a: 'yes', b: '7 days', c: 'traffic_1m.minute_hour', d: 5, e: true, f: ['x.y', 'z desc'], g: { h: '' } }]);
  t.is(yaml, '\n- a: "yes"\n  b: "7 days"\n  c: traffic_1m.minute_hour\n  d: 5\n  e: true\n  f: [x.y, "z desc"]\n  g:\n    h: ""');
});
