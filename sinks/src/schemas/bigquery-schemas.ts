/**
 * The BigQuery table definitions in `sinks/schemas/bigquery/`: `tables.json` (per table: description,
 * schema file, insert id, partition and clustering fields) and one BigQuery JSON schema per table.
 * They are the single source of truth for the statistics sinks (row validation, local files),
 * Terraform (`schema = file(...)`) and LookML, so this module only reads and validates them; it
 * never carries a copy. Every reader in the sinks package goes through it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BotsieveError } from '@botsieve/core';
import { z } from 'zod';
import { sinkError } from '../errors.js';

/** `sinks/schemas/bigquery/`, from `sinks/dist/schemas/` (and from `sinks/src/schemas/`). */
export const SCHEMA_DIRECTORY = new URL('../../schemas/bigquery/', import.meta.url);
/** SCHEMA_DIRECTORY as a path. */
export const DEFAULT_SCHEMA_DIR = fileURLToPath(SCHEMA_DIRECTORY);

/** Canonical BigQuery legacy type names; the standard-SQL aliases are mapped onto them. */
export type BigQueryType =
  | 'STRING'
  | 'BYTES'
  | 'INTEGER'
  | 'FLOAT'
  | 'NUMERIC'
  | 'BIGNUMERIC'
  | 'BOOLEAN'
  | 'TIMESTAMP'
  | 'DATE'
  | 'TIME'
  | 'DATETIME'
  | 'GEOGRAPHY'
  | 'JSON'
  | 'RECORD';

const TYPE_ALIASES: Readonly<Record<string, BigQueryType>> = {
  STRING: 'STRING',
  BYTES: 'BYTES',
  INTEGER: 'INTEGER',
  INT64: 'INTEGER',
  FLOAT: 'FLOAT',
  FLOAT64: 'FLOAT',
  NUMERIC: 'NUMERIC',
  BIGNUMERIC: 'BIGNUMERIC',
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'DATE',
  TIME: 'TIME',
  DATETIME: 'DATETIME',
  GEOGRAPHY: 'GEOGRAPHY',
  JSON: 'JSON',
  RECORD: 'RECORD',
  STRUCT: 'RECORD',
};

export type BigQueryMode = 'NULLABLE' | 'REQUIRED' | 'REPEATED';

export interface BigQueryField {
  name: string;
  type: BigQueryType;
  mode: BigQueryMode;
  description: string;
  /** Sub-fields of a RECORD; empty for scalars. */
  fields: BigQueryField[];
}

export interface TableSchema {
  /** Table id, the key in tables.json. */
  name: string;
  description: string;
  schema_file: string;
  /** Column whose value is the streaming insertId; re-sent rows repeat it, so views keep one row per value. */
  insert_id_field: string;
  /** TIMESTAMP/DATE column the table is partitioned by day on. */
  partition_field: string;
  clustering: string[];
  fields: BigQueryField[];
}

export interface BigQuerySchemas {
  /** In tables.json order. */
  tables: TableSchema[];
}

interface RawField {
  name: string;
  type: string;
  mode?: string | undefined;
  description?: string | undefined;
  fields?: RawField[] | undefined;
}

// Unknown keys (policyTags, maxLength, ...) are allowed: the schema files belong to BigQuery's format.
const rawFieldSchema: z.ZodType<RawField> = z.lazy(() =>
  z
    .object({
      name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,299}$/, 'a BigQuery column name'),
      type: z.string(),
      mode: z.string().optional(),
      description: z.string().optional(),
      fields: z.array(rawFieldSchema).optional(),
    })
    .loose(),
);

const tableEntrySchema = z
  .object({
    description: z.string().default(''),
    schema_file: z.string().regex(/^[A-Za-z0-9_.-]+\.json$/, 'a JSON file name beside tables.json'),
    insert_id_field: z.string().min(1),
    partition_field: z.string().min(1),
    clustering: z.array(z.string().min(1)).default([]),
  })
  .loose();

const tablesFileSchema = z.record(z.string().regex(/^[A-Za-z0-9_]{1,1024}$/, 'a BigQuery table id'), tableEntrySchema);

function schemaError(message: string, cause?: unknown): BotsieveError {
  return sinkError('ERR_SINK_SCHEMA', message, { cause });
}

function normaliseField(raw: RawField, path: string): BigQueryField {
  const type = TYPE_ALIASES[raw.type.toUpperCase()];
  if (type === undefined) throw schemaError(`${path}: unknown BigQuery type ${JSON.stringify(raw.type)}`);
  const mode = (raw.mode ?? 'NULLABLE').toUpperCase();
  if (mode !== 'NULLABLE' && mode !== 'REQUIRED' && mode !== 'REPEATED') throw schemaError(`${path}: unknown mode ${JSON.stringify(raw.mode)}`);
  const fields = (raw.fields ?? []).map((child) => normaliseField(child, `${path}.${child.name}`));
  if (type === 'RECORD' && fields.length === 0) throw schemaError(`${path}: a RECORD needs fields`);
  if (type !== 'RECORD' && fields.length > 0) throw schemaError(`${path}: only a RECORD has fields`);
  assertUniqueNames(fields, path);
  return { name: raw.name, type, mode, description: raw.description ?? '', fields };
}

function assertUniqueNames(fields: readonly BigQueryField[], path: string): void {
  const seen = new Set<string>();
  for (const field of fields) {
    // BigQuery column names are case-insensitive.
    const key = field.name.toLowerCase();
    if (seen.has(key)) throw schemaError(`${path}: duplicate column ${field.name}`);
    seen.add(key);
  }
}

/**
 * Validates already-parsed `tables.json` content and the schema files it names (by file name).
 * Pure, so tests can check what a changed schema does without touching the files.
 */
export function parseBigQuerySchemas(tablesJson: unknown, schemaFiles: Readonly<Record<string, unknown>>): BigQuerySchemas {
  const parsedTables = tablesFileSchema.safeParse(tablesJson);
  if (!parsedTables.success) throw schemaError(`tables.json: ${z.prettifyError(parsedTables.error)}`, parsedTables.error);
  const tables: TableSchema[] = [];
  for (const [name, entry] of Object.entries(parsedTables.data)) {
    const rawSchema = schemaFiles[entry.schema_file];
    if (rawSchema === undefined) throw schemaError(`table ${name}: schema file ${entry.schema_file} not found`);
    const parsedFields = z.array(rawFieldSchema).min(1).safeParse(rawSchema);
    if (!parsedFields.success) throw schemaError(`${entry.schema_file}: ${z.prettifyError(parsedFields.error)}`, parsedFields.error);
    const fields = parsedFields.data.map((raw) => normaliseField(raw, `${name}.${raw.name}`));
    assertUniqueNames(fields, name);
    const table: TableSchema = {
      name,
      description: entry.description,
      schema_file: entry.schema_file,
      insert_id_field: entry.insert_id_field,
      partition_field: entry.partition_field,
      clustering: entry.clustering,
      fields,
    };
    assertTableKeys(table);
    tables.push(table);
  }
  return { tables };
}

/** The insert id, partition and clustering columns must be top-level columns of fitting types. */
function assertTableKeys(table: TableSchema): void {
  const insertId = topLevelField(table, table.insert_id_field);
  if (insertId.mode === 'REPEATED' || insertId.type === 'RECORD') throw schemaError(`table ${table.name}: insert_id_field ${insertId.name} must be a scalar column`);
  const partition = topLevelField(table, table.partition_field);
  if (partition.mode === 'REPEATED' || !['TIMESTAMP', 'DATE', 'DATETIME'].includes(partition.type)) {
    throw schemaError(`table ${table.name}: partition_field ${partition.name} must be a TIMESTAMP, DATE or DATETIME column`);
  }
  if (table.clustering.length > 4) throw schemaError(`table ${table.name}: BigQuery clusters on at most 4 columns`);
  for (const name of table.clustering) {
    const column = topLevelField(table, name);
    if (column.mode === 'REPEATED' || column.type === 'RECORD') throw schemaError(`table ${table.name}: clustering column ${name} must be a top-level scalar`);
  }
}

/** The top-level column `name` of `table`, or an ERR_SINK_SCHEMA error saying what is missing. */
export function topLevelField(table: TableSchema, name: string): BigQueryField {
  const field = table.fields.find((candidate) => candidate.name === name);
  if (field === undefined) throw schemaError(`table ${table.name}: no column ${name}`);
  return field;
}

/**
 * Reads `tables.json` and every schema file it names from `dir`. Synchronous: a few small files,
 * read once at start-up (the statistics sinks need their table in a constructor).
 */
export function readBigQuerySchemas(dir: string | URL = SCHEMA_DIRECTORY): BigQuerySchemas {
  const root = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const tablesJson = readJson(join(root, 'tables.json'));
  const parsedTables = tablesFileSchema.safeParse(tablesJson);
  if (!parsedTables.success) throw schemaError(`tables.json: ${z.prettifyError(parsedTables.error)}`, parsedTables.error);
  const schemaFiles: Record<string, unknown> = {};
  for (const entry of Object.values(parsedTables.data)) {
    schemaFiles[entry.schema_file] ??= readJson(join(root, entry.schema_file));
  }
  return parseBigQuerySchemas(tablesJson, schemaFiles);
}

/** readBigQuerySchemas, as a promise (the LookML generator's entry point). */
export async function loadBigQuerySchemas(dir: string = DEFAULT_SCHEMA_DIR): Promise<BigQuerySchemas> {
  return readBigQuerySchemas(dir);
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw schemaError(`cannot read ${path}: ${(error as Error).message}`, error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw schemaError(`${path} is not JSON: ${(error as Error).message}`, error);
  }
}
