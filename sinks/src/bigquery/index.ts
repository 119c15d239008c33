export { anonymousAuthClient } from './anonymous-auth.js';
export { BigQueryTrafficSink, BigQueryVerdictsSink, makeBigQueryClient } from './bigquery.js';
export type { BigQuerySinkDependencies } from './bigquery.js';
export { BigQueryTableWriter } from './bigquery-table-writer.js';
export type { BigQueryTableWriterOptions } from './bigquery-table-writer.js';
export { REJECTED_ROW_REASONS, classifyBigQueryError } from './bigquery-errors.js';
export { bigqueryConfigSchema } from './config.js';
export type { BigQueryConfig } from './config.js';
export type { TrafficItem } from '../statistics/traffic-aggregator.js';
