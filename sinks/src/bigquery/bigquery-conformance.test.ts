import test from 'ava';
import type { Verdict } from '@botsieve/core';
import { ManualClock, nullTelemetry } from '@botsieve/runtime';
import { sinkConformance } from '../runtime/sink-conformance.js';
import { BigQueryApiServer, anonymousAuthClient } from '../testing/bigquery-api-server.js';
import { T0, requestEvent } from '../statistics/fixtures.js';
import type { TrafficItem } from '../statistics/traffic-aggregator.js';
import { BigQueryTrafficSink, BigQueryVerdictsSink } from './bigquery.js';
import { bigqueryConfigSchema } from './config.js';

const servers: BigQueryApiServer[] = [];
test.after.always(async () => {
  for (const server of servers) await server.close();
});

async function target() {
  const server = await BigQueryApiServer.start();
  servers.push(server);
  const config = bigqueryConfigSchema.parse({ project_id: 'conformance', api_endpoint: server.url, timeout_ms: 5_000 });
  return { server, config };
}

sinkConformance<Verdict>(test, 'bigquery-verdicts', {
  async make() {
    const { server, config } = await target();
    const sink = new BigQueryVerdictsSink(config, { telemetry: nullTelemetry().component('sink.bigquery-verdicts'), clock: new ManualClock(T0), authClient: anonymousAuthClient() });
    return { sink, stored: async () => server.rows('verdicts').map((row) => row.subject as string) };
  },
  item(i) {
    const verdict: Verdict = { id: `v${i}`, subject: `ip:192.0.2.${i}`, action: 'block', score: 5, ttl_ms: 60_000, decided_at: T0, detectors: [] };
    return { value: Buffer.from(JSON.stringify(verdict)), identity: verdict.subject };
  },
  decode: (value) => JSON.parse(value.toString('utf8')) as Verdict,
});

/**
 * Each item is one request on its own host and source partition, so each becomes one traffic
 * row. Rows appear once their minute closes: `stored()` lets the (manual) wall clock move on
 * and runs the sink's upkeep, as the runtime's maintain timer would.
 */
sinkConformance<TrafficItem>(test, 'bigquery-traffic', {
  async make() {
    const { server, config } = await target();
    const clock = new ManualClock(T0 + 10_000);
    const sink = new BigQueryTrafficSink(config, { telemetry: nullTelemetry().component('sink.bigquery-traffic'), clock, authClient: anonymousAuthClient() });
    const stored = async () => {
      clock.advance(60_000);
      await sink.maintain();
      return server.rows('traffic_1m').map((row) => row.host as string);
    };
    return { sink, stored };
  },
  item(i) {
    const item: TrafficItem = { source_partition: `events/${i}`, offset: 0, rebuild: false, event: requestEvent({ host: `h${i}.example`, timestamp_ms: T0 + i }) };
    return { value: Buffer.from(JSON.stringify(item)), identity: `h${i}.example` };
  },
  decode: (value) => JSON.parse(value.toString('utf8')) as TrafficItem,
});
