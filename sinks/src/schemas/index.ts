export { DEFAULT_SCHEMA_DIR, SCHEMA_DIRECTORY, loadBigQuerySchemas, parseBigQuerySchemas, readBigQuerySchemas, topLevelField } from './bigquery-schemas.js';
export type { BigQueryField, BigQueryMode, BigQuerySchemas, BigQueryType, TableSchema } from './bigquery-schemas.js';
