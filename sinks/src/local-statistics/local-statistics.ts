/**
 * Statistics written locally (the embedded default): the same verdict and traffic rows as the
 * BigQuery sinks, checked by the same validator and built by the same aggregator, appended to
 * NDJSON day files under `directory` (see NdjsonTableWriter).
 */
import { loadTableDefinition } from '../statistics/schema.js';
import { TrafficStatisticsSink } from '../statistics/traffic-statistics-sink.js';
import { VerdictStatisticsSink, type StatisticsSinkDependencies } from '../statistics/verdict-statistics-sink.js';
import type { LocalStatisticsConfig } from './config.js';
import { NdjsonTableWriter } from './ndjson-table-writer.js';

function writer(config: LocalStatisticsConfig, table: 'verdicts' | 'traffic_1m', deps: StatisticsSinkDependencies): NdjsonTableWriter {
  return new NdjsonTableWriter(loadTableDefinition(table), { directory: config.directory, max_total_bytes: config.max_total_bytes }, deps.telemetry);
}

export class LocalStatisticsVerdictsSink extends VerdictStatisticsSink {
  constructor(config: LocalStatisticsConfig, deps: StatisticsSinkDependencies) {
    super('local-statistics-verdicts', config.region, writer(config, 'verdicts', deps), deps);
  }
}

/** Items are request events with where they came from; `verdictFeed()` must be subscribed to the verdicts topic. */
export class LocalStatisticsTrafficSink extends TrafficStatisticsSink {
  constructor(config: LocalStatisticsConfig, deps: StatisticsSinkDependencies) {
    super('local-statistics-traffic', config, writer(config, 'traffic_1m', deps), deps);
  }
}
