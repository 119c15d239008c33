/**
 * One table → its LookML views: a base view over a de-duplicating derived table, and one view per
 * REPEATED column (joined with UNNEST in the model), recursively. Every column becomes a dimension
 * (TIMESTAMP/DATE/DATETIME a time dimension group) carrying the schema's description.
 */
import type { BotsieveError } from '@botsieve/core';
import { sinkError, topLevelField, type BigQueryField, type TableSchema } from '@botsieve/sinks';
import type { LookmlConfig } from './config.js';
import { bare, block, ident, list, param, queryableNames, sql, str } from './lookml-text.js';
import type { FieldSpec, LookmlParam, ViewSpec } from './lookml-text.js';
import { semanticsFor } from './semantics.js';
import type { TableSemantics } from './semantics.js';

export const TIME_TIMEFRAMES = ['raw', 'time', 'minute', 'minute5', 'hour', 'date', 'week', 'month'];
export const DATE_TIMEFRAMES = ['raw', 'date', 'week', 'month', 'year'];
/** Hidden primary key of every nested view (parent key + array offset), for symmetric aggregates. */
export const NESTED_KEY = 'pk';

/** A nested view and how the model joins it: `LEFT JOIN UNNEST(${parent.column}) AS view WITH OFFSET AS offset`. */
export interface NestedJoin {
  view: string;
  parent_view: string;
  /** Hidden dimension of the parent view holding the array. */
  parent_dimension: string;
  offset_alias: string;
}

export interface TableViews {
  table: TableSchema;
  base: ViewSpec;
  /** Nested views, parents before children. */
  nested: ViewSpec[];
  joins: NestedJoin[];
  /** Filter field of the base view that bounds the partitions scanned. */
  range_filter: string;
}

/** A scalar column as a dimension, remembered for the measures built on it. */
interface ColumnDimension {
  field: string;
  column: string;
  numeric: boolean;
  description: string;
  primary_key: boolean;
}

interface ViewBuild {
  view: ViewSpec;
  columns: ColumnDimension[];
  /** LookML reference to the view's primary key. */
  key_ref: string;
}

function schemaError(message: string): BotsieveError {
  return sinkError('ERR_SINK_SCHEMA', message);
}

/** "traffic_1m__top_subjects" → "Traffic 1m: Top subjects". */
export function humanise(name: string): string {
  return name
    .split('__')
    .map((part) => part.replace(/_/g, ' ').replace(/^./, (first) => first.toUpperCase()))
    .join(': ');
}

function tableRef(table: TableSchema, config: LookmlConfig): string {
  const path = config.project === null ? `${config.dataset}.${table.name}` : `${config.project}.${config.dataset}.${table.name}`;
  return `\`${path}\``;
}

export function buildTableViews(table: TableSchema, config: LookmlConfig): TableViews {
  const semantics = semanticsFor(table.name);
  const partition = topLevelField(table, table.partition_field);
  const rangeFilter = `${partition.name}_range`;
  const order = semantics.keep_first_by.map(({ column, direction }) => `${ident(topLevelField(table, column).name)} ${direction}`);
  const window = `PARTITION BY ${ident(table.insert_id_field)}${order.length > 0 ? ` ORDER BY ${order.join(', ')}` : ''}`;
  // Copies of a row share its partition column (same verdict, same minute), so filtering
  // partitions before de-duplicating cannot separate copies; it only bounds the scan.
  const partitionExpr = partition.type === 'TIMESTAMP' ? ident(partition.name) : `TIMESTAMP(${ident(partition.name)})`;
  const derivedSql = [
    'SELECT *',
    `FROM ${tableRef(table, config)}`,
    `WHERE {% condition ${table.name}.${rangeFilter} %} ${partitionExpr} {% endcondition %}`,
    `QUALIFY ROW_NUMBER() OVER (${window}) = 1`,
  ].join('\n');

  const base: ViewBuild = {
    view: {
      name: table.name,
      comment: [table.description, `One row per ${table.insert_id_field}: copies of a re-sent row are collapsed (keeping the first by ${order.length > 0 ? order.join(', ') : 'any order'}).`],
      params: [param('derived_table', block([param('sql', sql(derivedSql))]))],
      fields: [
        {
          kind: 'filter',
          name: rangeFilter,
          params: [
            param('type', bare('date')),
            param('label', str(`${humanise(partition.name)} range`)),
            param('description', str(`Partitions scanned (on ${partition.name}), applied before de-duplication. Keep it bounded: BigQuery bills the partitions read.`)),
          ],
          timeframes: [],
        },
      ],
    },
    columns: [],
    key_ref: `\${${table.name}.${table.insert_id_field}}`,
  };
  const nested: ViewBuild[] = [];
  const joins: NestedJoin[] = [];
  for (const field of table.fields) addColumn(base, field, `\${TABLE}.${ident(field.name)}`, '', table, nested, joins);

  const all = [base, ...nested];
  for (const build of all) addMeasures(build, semantics, build === base);
  for (const build of all) assertUniqueFields(build.view);
  checkSemantics(table, semantics, base, all);
  return { table, base: base.view, nested: nested.map((build) => build.view), joins, range_filter: rangeFilter };
}

function addColumn(build: ViewBuild, field: BigQueryField, sqlRef: string, prefix: string, table: TableSchema, nested: ViewBuild[], joins: NestedJoin[]): void {
  const name = prefix + field.name;
  if (field.mode === 'REPEATED') {
    build.view.fields.push(dimension(name, [param('hidden', bare('yes')), ...describe(field.description), param('sql', sql(sqlRef))]));
    const childName = `${build.view.name}__${name}`;
    const offset = `${childName}_offset`;
    const child: ViewBuild = {
      view: {
        name: childName,
        comment: [`Elements of ${build.view.name}.${name}: ${field.description}`.trimEnd()],
        params: [],
        fields: [
          dimension(NESTED_KEY, [
            param('primary_key', bare('yes')),
            param('hidden', bare('yes')),
            param('sql', sql(`CONCAT(CAST(${build.key_ref} AS STRING), '|', CAST(${offset} AS STRING))`)),
          ]),
        ],
      },
      columns: [],
      key_ref: `\${${childName}.${NESTED_KEY}}`,
    };
    if (field.type === 'RECORD') for (const sub of field.fields) assertNotKey(sub.name, childName);
    nested.push(child);
    joins.push({ view: childName, parent_view: build.view.name, parent_dimension: name, offset_alias: offset });
    if (field.type === 'RECORD') {
      for (const sub of field.fields) addColumn(child, sub, `\${TABLE}.${ident(sub.name)}`, '', table, nested, joins);
    } else {
      addScalar(child, { ...field, mode: 'NULLABLE' }, '${TABLE}', field.name, false);
    }
    return;
  }
  if (field.type === 'RECORD') {
    // A non-repeated STRUCT: its fields are flattened into `<record>__<field>` dimensions.
    for (const sub of field.fields) addColumn(build, sub, `${sqlRef}.${ident(sub.name)}`, `${name}__`, table, nested, joins);
    return;
  }
  const primaryKey = prefix === '' && build.view.name === table.name && field.name === table.insert_id_field;
  addScalar(build, field, sqlRef, name, primaryKey);
}

function assertNotKey(name: string, view: string): void {
  if (name === NESTED_KEY) throw schemaError(`${view}: a column named ${NESTED_KEY} collides with the generated key of nested views`);
}

function addScalar(build: ViewBuild, field: BigQueryField, sqlRef: string, name: string, primaryKey: boolean): void {
  const described = describe(field.description);
  const key = primaryKey ? [param('primary_key', bare('yes'))] : [];
  switch (field.type) {
    case 'TIMESTAMP':
    case 'DATETIME':
      build.view.fields.push({
        kind: 'dimension_group',
        name,
        params: [
          param('type', bare('time')),
          ...described,
          param('timeframes', list(TIME_TIMEFRAMES)),
          ...(field.type === 'DATETIME' ? [param('datatype', bare('datetime'))] : []),
          param('sql', sql(sqlRef)),
        ],
        timeframes: TIME_TIMEFRAMES,
      });
      return;
    case 'DATE':
      build.view.fields.push({
        kind: 'dimension_group',
        name,
        params: [param('type', bare('time')), ...described, param('timeframes', list(DATE_TIMEFRAMES)), param('datatype', bare('date')), param('convert_tz', bare('no')), param('sql', sql(sqlRef))],
        timeframes: DATE_TIMEFRAMES,
      });
      return;
    case 'INTEGER':
    case 'FLOAT':
    case 'NUMERIC':
    case 'BIGNUMERIC':
      build.view.fields.push(dimension(name, [param('type', bare('number')), ...key, ...described, param('sql', sql(sqlRef))]));
      build.columns.push({ field: name, column: field.name, numeric: !primaryKey, description: field.description, primary_key: primaryKey });
      return;
    case 'BOOLEAN':
      build.view.fields.push(dimension(name, [param('type', bare('yesno')), ...key, ...described, param('sql', sql(sqlRef))]));
      build.columns.push({ field: name, column: field.name, numeric: false, description: field.description, primary_key: primaryKey });
      return;
    default: {
      const expression = STRING_CASTS[field.type]?.(sqlRef) ?? sqlRef;
      build.view.fields.push(dimension(name, [param('type', bare('string')), ...key, ...described, param('sql', sql(expression))]));
      build.columns.push({ field: name, column: field.name, numeric: false, description: field.description, primary_key: primaryKey });
    }
  }
}

/** Columns shown as strings but stored otherwise. */
const STRING_CASTS: Readonly<Partial<Record<BigQueryField['type'], (ref: string) => string>>> = {
  BYTES: (ref) => `TO_BASE64(${ref})`,
  JSON: (ref) => `TO_JSON_STRING(${ref})`,
  GEOGRAPHY: (ref) => `ST_ASTEXT(${ref})`,
  TIME: (ref) => `CAST(${ref} AS STRING)`,
};

function dimension(name: string, params: LookmlParam[]): FieldSpec {
  return { kind: 'dimension', name, params, timeframes: [] };
}

function measure(name: string, params: LookmlParam[]): FieldSpec {
  return { kind: 'measure', name, params, timeframes: [] };
}

function describe(description: string): LookmlParam[] {
  return description === '' ? [] : [param('description', str(description))];
}

function addMeasures(build: ViewBuild, semantics: TableSemantics, isBase: boolean): void {
  const { view, columns } = build;
  // A nested view's count keeps Looker's default label: the explore shows it under the view's label.
  const countParams = [param('type', bare('count'))];
  if (isBase) countParams.push(param('label', str(semantics.count_label)));
  if (isBase && semantics.drill_fields.length > 0) countParams.push(param('drill_fields', list(semantics.drill_fields)));
  view.fields.push(measure('count', countParams));
  for (const column of columns) {
    if (!column.numeric) continue;
    const sum = semantics.numeric_measure === 'sum';
    view.fields.push(
      measure(`${sum ? 'total' : 'average'}_${column.field}`, [
        param('type', bare(sum ? 'sum' : 'average')),
        param('description', str(`${sum ? 'Sum' : 'Average'} of ${column.field}: ${column.description}`.trimEnd())),
        param('sql', sql(`\${${column.field}}`)),
        ...(sum ? [] : [param('value_format_name', bare('decimal_1'))]),
      ]),
    );
  }
  for (const column of columns) {
    if (!semantics.distinct_columns.includes(column.column)) continue;
    view.fields.push(
      measure(`${column.field}_count`, [
        param('type', bare('count_distinct')),
        param('label', str(`Distinct ${column.field.replace(/_/g, ' ')}s`)),
        param('description', str(`Number of distinct values of ${column.field}.`)),
        param('sql', sql(`\${${column.field}}`)),
      ]),
    );
  }
  if (!isBase) return;
  const countBy = semantics.count_by;
  if (countBy !== undefined) {
    for (const value of countBy.values) {
      view.fields.push(
        measure(`${value}_count`, [
          param('type', bare('count')),
          param('label', str(`${humanise(value)} ${semantics.count_label.toLowerCase()}`)),
          param('filters', list([`${countBy.column}: ${JSON.stringify(value)}`])),
        ]),
      );
    }
  }
  for (const ratio of semantics.ratios) {
    const numerator = ratio.numerator.map((column) => `\${total_${column}}`).join(' + ');
    view.fields.push(
      measure(ratio.name, [
        param('type', bare('number')),
        param('label', str(ratio.label)),
        param('description', str(ratio.description)),
        param('sql', sql(`1.0 * (${numerator}) / NULLIF(\${total_${ratio.denominator}}, 0)`)),
        param('value_format_name', bare('percent_2')),
      ]),
    );
  }
}

function assertUniqueFields(view: ViewSpec): void {
  const seen = new Set<string>();
  for (const name of queryableNames(view)) {
    if (seen.has(name)) throw schemaError(`${view.name}: two fields would be named ${name}`);
    seen.add(name);
  }
}

/** Every column the semantics name must exist, so a renamed column fails here, not in Looker. */
function checkSemantics(table: TableSchema, semantics: TableSemantics, base: ViewBuild, all: readonly ViewBuild[]): void {
  const baseNames = new Set(queryableNames(base.view));
  for (const column of semantics.distinct_columns) {
    if (!all.some((build) => build.columns.some((candidate) => candidate.column === column))) throw schemaError(`table ${table.name}: distinct column ${column} not in the schema`);
  }
  if (semantics.count_by !== undefined && !baseNames.has(semantics.count_by.column)) throw schemaError(`table ${table.name}: count_by column ${semantics.count_by.column} not in the schema`);
  for (const ratio of semantics.ratios) {
    for (const column of [...ratio.numerator, ratio.denominator]) {
      if (!baseNames.has(`total_${column}`)) throw schemaError(`table ${table.name}: ratio ${ratio.name} needs a numeric column ${column} summed`);
    }
  }
  for (const field of semantics.drill_fields) {
    if (!baseNames.has(field)) throw schemaError(`table ${table.name}: drill field ${field} not in the view`);
  }
}
