import test from 'ava';
import { nullTelemetry } from '@botsieve/runtime';
import { BigQueryApiServer } from '@botsieve/testkit';
import { SCHEMA_DIRECTORY } from '../schemas/index.js';
import { statisticsConformance } from '../statistics/statistics-conformance.js';
import { anonymousAuthClient } from './anonymous-auth.js';
import { BigQueryTrafficSink, BigQueryVerdictsSink } from './bigquery.js';
import { bigqueryConfigSchema } from './config.js';

const servers: BigQueryApiServer[] = [];
test.after.always(async () => {
  for (const server of servers) await server.close();
});

async function target() {
  const server = await BigQueryApiServer.start({ schema_directory: SCHEMA_DIRECTORY });
  servers.push(server);
  const config = bigqueryConfigSchema.parse({ project_id: 'conformance', api_endpoint: server.url, timeout_ms: 5_000 });
  return { server, config };
}

statisticsConformance(test, 'bigquery', {
  async verdicts(clock) {
    const { server, config } = await target();
    const sink = new BigQueryVerdictsSink(config, { telemetry: nullTelemetry().component('sink.bigquery-verdicts'), clock, authClient: anonymousAuthClient() });
    return { sink, subjects: async () => server.rows('verdicts').map((row) => row.subject as string) };
  },
  async traffic(clock) {
    const { server, config } = await target();
    const sink = new BigQueryTrafficSink(config, { telemetry: nullTelemetry().component('sink.bigquery-traffic'), clock, authClient: anonymousAuthClient() });
    return { sink, hosts: async () => server.rows('traffic_1m').map((row) => row.host as string) };
  },
});
