/**
 * The BigQuery statistics sinks: verdict rows into `verdicts_table`, per-minute traffic rows
 * into `traffic_table`. Both are the shared statistics sinks over a BigQueryTableWriter; rows are
 * validated against sinks/schemas/bigquery/ before they are sent.
 */
import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { BotsieveError } from '@botsieve/core';
import { SINK_ERRORS } from '../errors.js';
import { TrafficStatisticsSink } from '../statistics/traffic-statistics-sink.js';
import { VerdictStatisticsSink, type StatisticsSinkDependencies } from '../statistics/verdict-statistics-sink.js';
import { BigQueryTableWriter } from './bigquery-table-writer.js';
import type { BigQueryConfig } from './config.js';

export interface BigQuerySinkDependencies extends StatisticsSinkDependencies {
  /** A client to share between the two sinks; made from the config when absent. */
  bigquery?: BigQuery;
  /** Explicit credentials (a key held elsewhere than a file). */
  credentials?: BigQueryOptions['credentials'];
  /** An auth client to use instead of Application Default Credentials (tests: an anonymous one, so nothing probes the metadata server). */
  authClient?: BigQueryOptions['authClient'];
}

/**
 * The client, with its own retries off: `retryOptions.autoRetry` is what @google-cloud/common
 * 8 reads (the top-level `autoRetry` is its deprecated alias; setting both throws).
 */
export function makeBigQueryClient(config: BigQueryConfig, auth: Pick<BigQuerySinkDependencies, 'credentials' | 'authClient'> = {}): BigQuery {
  if (config.project_id === '') throw new BotsieveError(SINK_ERRORS.ERR_SINK_CONFIG.code, 'bigquery.project_id is empty: the BigQuery sinks are disabled');
  // No `timeout` here: @google-cloud/common hands it to teeny-request, whose own transport (v11)
  // restarts it at every chunk received, an idle timeout rather than a bound on the request.
  // BigQueryTableWriter bounds each request itself (timeout_ms).
  const options: BigQueryOptions = {
    projectId: config.project_id,
    retryOptions: { autoRetry: false, maxRetries: 0 },
  };
  if (config.api_endpoint !== undefined) options.apiEndpoint = config.api_endpoint;
  if (config.key_filename !== undefined) options.keyFilename = config.key_filename;
  if (auth.credentials !== undefined) options.credentials = auth.credentials;
  if (auth.authClient !== undefined) options.authClient = auth.authClient;
  return new BigQuery(options);
}

function writer(config: BigQueryConfig, table: string, deps: BigQuerySinkDependencies): BigQueryTableWriter {
  const client = deps.bigquery ?? makeBigQueryClient(config, deps);
  return new BigQueryTableWriter(client, { dataset: config.dataset, table, max_rows_per_request: config.max_rows_per_request, max_request_bytes: config.max_request_bytes, timeout_ms: config.timeout_ms }, deps.telemetry, deps.clock);
}

export class BigQueryVerdictsSink extends VerdictStatisticsSink {
  constructor(config: BigQueryConfig, deps: BigQuerySinkDependencies) {
    super('bigquery-verdicts', config.region, writer(config, config.verdicts_table, deps), deps);
  }
}

/** Items are request events with where they came from; `verdictFeed()` must be subscribed to the verdicts topic. */
export class BigQueryTrafficSink extends TrafficStatisticsSink {
  constructor(config: BigQueryConfig, deps: BigQuerySinkDependencies) {
    super('bigquery-traffic', config, writer(config, config.traffic_table, deps), deps);
  }
}
