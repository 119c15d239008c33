export { LocalStatisticsTrafficSink, LocalStatisticsVerdictsSink } from './local-statistics.js';
export { NdjsonTableWriter } from './ndjson-table-writer.js';
export type { NdjsonTableWriterOptions } from './ndjson-table-writer.js';
export { localStatisticsConfigSchema } from './config.js';
export type { LocalStatisticsConfig } from './config.js';
