/**
 * The row validator of the statistics tables, compiled once from the table definitions in
 * `sinks/schemas/bigquery/` (read and checked by `../schemas/bigquery-schemas.ts`, the one loader
 * of those files).
 *
 * The validator is a tree of closures built at start-up, one per field, so checking a row walks
 * the schema without looking anything up by name; it returns the first error with its path
 * (`detectors[2].evidence[0].value: expected FLOAT`) or undefined. It follows the rules BigQuery
 * applies to `insertAll` JSON rows: REQUIRED fields present and non-null, REPEATED fields arrays
 * (null or missing = empty), unknown fields rejected (we never send `ignoreUnknownValues`).
 */
import { BotsieveError } from '@botsieve/core';
import { SINK_ERRORS } from '../errors.js';
import { readBigQuerySchemas, SCHEMA_DIRECTORY, type BigQueryMode, type BigQuerySchemas, type BigQueryType, type TableSchema } from '../schemas/bigquery-schemas.js';

export { SCHEMA_DIRECTORY };

/** A BigQuery type: the canonical names and their standard-SQL aliases (the validator supports the scalar types rows use). */
export type FieldType = BigQueryType | 'INT64' | 'FLOAT64' | 'BOOL' | 'STRUCT';
export type FieldMode = BigQueryMode;

/** A field as the validator takes it: a loaded BigQueryField, or one written by hand (mode defaults to NULLABLE). */
export interface FieldSchema {
  name: string;
  type: FieldType;
  mode?: FieldMode;
  description?: string;
  fields?: FieldSchema[];
}

/** One table: its entry in `tables.json` and its fields. */
export type TableDefinition = TableSchema;

export type StatisticsTable = 'verdicts' | 'traffic_1m';

/** Returns the error (`path: problem`) of the first bad field, or undefined for a good row. */
export type RowValidator = (row: unknown) => string | undefined;

const schemasByDirectory = new Map<string, BigQuerySchemas>();
const validators = new Map<string, RowValidator>();

/** Reads a table's definition (cached: the files are read once per process). */
export function loadTableDefinition(table: StatisticsTable | string, directory: URL = SCHEMA_DIRECTORY): TableDefinition {
  let schemas = schemasByDirectory.get(directory.href);
  if (schemas === undefined) {
    schemas = readBigQuerySchemas(directory);
    schemasByDirectory.set(directory.href, schemas);
  }
  const definition = schemas.tables.find((candidate) => candidate.name === table);
  if (definition === undefined) {
    throw new BotsieveError(SINK_ERRORS.ERR_SINK_SCHEMA.code, `table ${table} is not described in ${new URL('tables.json', directory).pathname}`);
  }
  return definition;
}

/** The compiled validator of a table (compiled once per process). */
export function tableValidator(table: StatisticsTable | string, directory: URL = SCHEMA_DIRECTORY): RowValidator {
  const key = `${directory.href}#${table}`;
  let validator = validators.get(key);
  if (validator === undefined) {
    validator = compileRowValidator(loadTableDefinition(table, directory).fields);
    validators.set(key, validator);
  }
  return validator;
}

/**
 * A checker for one value: undefined when good, else the error relative to the value (`: expected
 * FLOAT`, `.name: required`, `[2].value: expected FLOAT`). Paths are built only on the way out of
 * a failure, so a good row allocates nothing.
 */
type Check = (value: unknown) => string | undefined;

/** Compiles a field list into a row validator. Throws on a schema it does not understand. */
export function compileRowValidator(fields: readonly FieldSchema[]): RowValidator {
  const record = compileRecord(fields, '');
  return (row) => {
    const error = record(row);
    if (error === undefined) return undefined;
    return error.startsWith('.') ? error.slice(1) : `(row)${error}`;
  };
}

function compileRecord(fields: readonly FieldSchema[], where: string): Check {
  const names = new Set<string>();
  const checks: { name: string; check: Check }[] = [];
  for (const field of fields) {
    if (names.has(field.name)) throw new Error(`schema: field ${where}${field.name} is declared twice`);
    names.add(field.name);
    checks.push({ name: field.name, check: compileField(field, `${where}${field.name}.`) });
  }
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return ': expected RECORD';
    const object = value as Record<string, unknown>;
    for (const { name, check } of checks) {
      const error = check(object[name]);
      if (error !== undefined) return `.${name}${error}`;
    }
    for (const key in object) if (!names.has(key)) return `.${key}: unknown field`;
    return undefined;
  };
}

function compileField(field: FieldSchema, where: string): Check {
  const value = compileValue(field, where);
  const mode = field.mode ?? 'NULLABLE';
  if (mode === 'REPEATED') {
    const notArray = `: expected REPEATED ${field.type}`;
    return (input) => {
      if (input === undefined || input === null) return undefined;
      if (!Array.isArray(input)) return notArray;
      for (let i = 0; i < input.length; i += 1) {
        const element: unknown = input[i];
        if (element === null || element === undefined) return `[${i}]: null in REPEATED field`;
        const error = value(element);
        if (error !== undefined) return `[${i}]${error}`;
      }
      return undefined;
    };
  }
  if (mode === 'REQUIRED') return (input) => (input === undefined || input === null ? ': required' : value(input));
  if (mode === 'NULLABLE') return (input) => (input === undefined || input === null ? undefined : value(input));
  throw new Error(`schema: field ${where.slice(0, -1)} has unknown mode ${String(mode)}`);
}

const INTEGER_STRING = /^[+-]?\d{1,19}$/;
const FLOAT_STRING = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Canonical and civil forms BigQuery accepts: `2024-05-01T12:00:00.123Z`, `2024-05-01 12:00:00+02:00`, `... UTC`. */
const TIMESTAMP_STRING = /^(\d{4})-(\d{2})-(\d{2})([T ](\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?| ?UTC)?$/;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function compileValue(field: FieldSchema, where: string): Check {
  switch (field.type) {
    case 'STRING':
      return (value) => (typeof value === 'string' ? undefined : ': expected STRING');
    case 'INTEGER':
    case 'INT64':
      return (value) => (isInteger(value) ? undefined : ': expected INTEGER');
    case 'FLOAT':
    case 'FLOAT64':
      return (value) => ((typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && FLOAT_STRING.test(value)) ? undefined : ': expected FLOAT');
    case 'BOOLEAN':
    case 'BOOL':
      return (value) => (typeof value === 'boolean' ? undefined : ': expected BOOLEAN');
    case 'TIMESTAMP':
      return (value) => (isTimestamp(value) ? undefined : ': expected TIMESTAMP');
    case 'RECORD':
    case 'STRUCT':
      if (field.fields === undefined || field.fields.length === 0) throw new Error(`schema: RECORD field ${where.slice(0, -1)} has no fields`);
      return compileRecord(field.fields, where);
    default:
      throw new Error(`schema: field ${where.slice(0, -1)} has unsupported type ${String(field.type)}`);
  }
}

function isInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value);
  if (typeof value !== 'string' || !INTEGER_STRING.test(value)) return false;
  const big = BigInt(value);
  return big <= INT64_MAX && big >= INT64_MIN;
}

/** An ISO/civil timestamp string with valid calendar fields, or epoch seconds as a number. */
function isTimestamp(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'string') return false;
  const match = TIMESTAMP_STRING.exec(value);
  if (match === null) return false;
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(Number(match[1]), month)) return false;
  if (match[4] === undefined) return true;
  return Number(match[5]) <= 23 && Number(match[6]) <= 59 && (match[8] === undefined || Number(match[8]) <= 59);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] as number;
}
