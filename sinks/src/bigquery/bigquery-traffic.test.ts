import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import type { BusRecord, RequestEvent, Verdict } from '@botsieve/core';
import { EmbeddedBus, busConfigSchema } from '@botsieve/bus';
import { ManualClock, nullTelemetry, systemClock, type Telemetry } from '@botsieve/runtime';
import { BigQueryApiServer, caught, until } from '@botsieve/testkit';
import { SinkService } from '../service/sink-service.js';
import { SCHEMA_DIRECTORY } from '../schemas/index.js';
import { T0, requestEvent, trafficItem, verdict } from '../statistics/test-support.js';
import type { TrafficItem } from '../statistics/traffic-aggregator.js';
import { anonymousAuthClient } from './anonymous-auth.js';
import { BigQueryTrafficSink, BigQueryVerdictsSink } from './bigquery.js';
import { bigqueryConfigSchema } from './config.js';

interface StoredTrafficRow {
  row_id: string;
  minute: string;
  class: string;
  requests: number;
  blocked: number;
  source_partition: string;
  mitigated_by: { action: string; detector: string; requests: number }[];
}

async function setup(t: ExecutionContext, telemetry: Telemetry = nullTelemetry()) {
  const server = await BigQueryApiServer.start({ schema_directory: SCHEMA_DIRECTORY });
  t.teardown(() => server.close());
  const clock = new ManualClock(T0 + 300_000);
  const config = bigqueryConfigSchema.parse({ project_id: 'test-project', api_endpoint: server.url, timeout_ms: 5_000 });
  const deps = { clock, authClient: anonymousAuthClient() };
  const sink = new BigQueryTrafficSink(config, { ...deps, telemetry: telemetry.component('sink.bigquery-traffic') });
  const verdicts = new BigQueryVerdictsSink(config, { ...deps, telemetry: telemetry.component('sink.bigquery-verdicts') });
  return { server, clock, sink, verdicts, rows: () => server.rows('traffic_1m') as unknown as StoredTrafficRow[] };
}

/** `count` events one every `step_ms` from T0, offsets from `from`. */
function events(count: number, step_ms: number, overrides: Partial<RequestEvent> = {}, from = 0): TrafficItem[] {
  return Array.from({ length: count }, (_, i) => trafficItem(from + i, { timestamp_ms: T0 + (from + i) * step_ms, ...overrides }));
}

const total = (rows: StoredTrafficRow[]) => rows.reduce((sum, row) => sum + row.requests, 0);

test('rows of closed minutes are inserted with their row_id as insertId; open minutes wait; close() flushes them', async (t) => {
  const { server, sink, rows } = await setup(t);
  await sink.connect();
  await sink.writeBatch(events(30, 4_000)); // T0 .. T0+116 s: the watermark (116 − 60 s) closes nothing
  t.is(rows().length, 0);
  await sink.writeBatch(events(10, 4_000, {}, 30)); // up to T0+156 s: minute 0 closes
  t.deepEqual(rows().map((row) => [row.minute, row.requests]), [['2024-05-01T12:00:00.000Z', 15]]);
  t.is(server.allArrivals('traffic_1m').get(rows()[0]?.row_id ?? ''), 1);
  await sink.close();
  t.deepEqual(rows().map((row) => row.minute).sort(), ['2024-05-01T12:00:00.000Z', '2024-05-01T12:01:00.000Z', '2024-05-01T12:02:00.000Z']);
  t.is(total(rows()), 40);
  await server.close();
});

test('a failed insert keeps the rows pending; the retried batch re-sends them and counts nothing twice', async (t) => {
  const { server, sink, rows } = await setup(t);
  await sink.connect();
  await sink.writeBatch(events(30, 4_000));
  server.failNext(1, 503);
  const batch = events(10, 4_000, {}, 30);
  t.like(await caught(sink.writeBatch(batch)), { code: 'ERR_SINK_UNAVAILABLE', retryable: true });
  t.is(rows().length, 0);
  await sink.writeBatch(batch); // the runtime redelivers the same batch
  t.deepEqual(rows().map((row) => row.requests), [15]);
  await sink.close();
  t.is(total(rows()), 40, 'every event counted exactly once');
  await server.close();
});

test('a partial insert re-sends only the rows that failed', async (t) => {
  const { server, sink, rows } = await setup(t);
  await sink.connect();
  const mixed = (from: number, count: number) => Array.from({ length: count }, (_, i) => trafficItem(from + i, { timestamp_ms: T0 + (from + i) * 4_000, bot_score: (from + i) % 2 === 0 ? 1 : 50 }));
  await sink.writeBatch(mixed(0, 30));
  server.failRowsNext((row) => row.json.class === 'automated', 'timeout');
  const batch = mixed(30, 10);
  t.like(await caught(sink.writeBatch(batch)), { code: 'ERR_SINK_WRITE', retryable: true });
  t.deepEqual(rows().map((row) => row.class), ['likely_human']);
  await sink.writeBatch(batch);
  const arrivals = server.allArrivals('traffic_1m');
  t.deepEqual(rows().map((row) => [row.class, arrivals.get(row.row_id)]).sort(), [['automated', 2], ['likely_human', 1]]);
  await sink.close();
  t.is(total(rows()), 40);
  await server.close();
});

test('maintain() emits the minutes of a quiet stream by the wall clock', async (t) => {
  const { server, sink, clock, rows } = await setup(t);
  await sink.connect();
  await sink.writeBatch(events(5, 1_000));
  await sink.maintain();
  t.is(rows().length, 0);
  clock.advance(125_000); // last event T0+4 s, + 125 s quiet − 60 s lateness passes the minute's end
  await sink.maintain();
  t.deepEqual(rows().map((row) => row.requests), [5]);
  await sink.close();
  await server.close();
});

test('requests covered by a verdict from the feed count as mitigated, by action and top detector', async (t) => {
  const { server, sink, rows } = await setup(t);
  await sink.connect();
  const feed = sink.verdictFeed();
  await feed.writeBatch([verdict('ip:192.0.2.66', 'block', T0 + 10_000, 20_000)]);
  await sink.writeBatch(events(60, 1_000, { ip: '192.0.2.66' }));
  await sink.close();
  const [row] = rows();
  t.like(row, { requests: 60, blocked: 20 });
  t.deepEqual(row?.mitigated_by, [{ action: 'block', detector: 'volumetric', requests: 20 }]);
  await server.close();
});

/** Sum of a counter over lines that mention `label`. */
async function counter(telemetry: Telemetry, metric: string, label: string): Promise<number> {
  let sum = 0;
  for (const line of (await telemetry.exposition()).split('\n')) if (line.startsWith(`${metric}{`) && line.includes(label)) sum += Number(line.split(' ').pop());
  return sum;
}

test('through SinkService on the embedded bus: 5xx, then recovery; every row stored once, none missing', async (t) => {
  const telemetry = nullTelemetry();
  const { server, sink, verdicts } = await setup(t, telemetry);
  const bus = new EmbeddedBus(busConfigSchema.parse({}), telemetry);
  const suffix = randomBytes(4).toString('hex');
  const producer = bus.producer();
  await producer.connect();
  const batch = producer.batch();
  for (let i = 0; i < 60; i += 1) batch.send(`events-${suffix}`, 'one', Buffer.from(JSON.stringify(requestEvent({ timestamp_ms: T0 + i * 4_000, ray_id: `r${i}` }))));
  const sent: Verdict[] = Array.from({ length: 25 }, (_, i) => verdict(`ip:198.51.100.${i}`, 'challenge', T0 + i));
  for (const v of sent) batch.send(`verdicts-${suffix}`, v.subject, Buffer.from(JSON.stringify(v)));
  await batch.seal();
  server.failNext(3, 503);
  const decodeEvent = (record: BusRecord): TrafficItem => ({ source_partition: `${record.topic}/${record.partition}`, offset: record.offset, rebuild: record.rebuild ?? false, event: JSON.parse(record.value.toString('utf8')) as RequestEvent });
  const traffic = new SinkService<TrafficItem>(bus, sink, { group_id: `traffic-${suffix}`, topic: `events-${suffix}`, decode: decodeEvent, max_batch_records: 10 }, { telemetry, clock: systemClock });
  const verdictService = new SinkService<Verdict>(bus, verdicts, { group_id: `verdicts-${suffix}`, topic: `verdicts-${suffix}`, decode: (record) => JSON.parse(record.value.toString('utf8')) as Verdict, max_batch_records: 10 }, { telemetry, clock: systemClock });
  t.teardown(async () => {
    await traffic.close();
    await verdictService.close();
  });
  await traffic.start();
  await verdictService.start();
  await until('every event absorbed and its closed rows stored', async () => (await counter(telemetry, 'botsieve_sent_total', 'sink.bigquery-traffic')) === 60);
  await until('every verdict stored', () => server.rows('verdicts').length === 25);
  await traffic.close();
  await verdictService.close();
  t.true((await counter(telemetry, 'botsieve_errors_total', 'code="ERR_SINK_UNAVAILABLE"')) >= 1, 'the 503s were seen and retried');
  const rows = server.rows('traffic_1m') as unknown as StoredTrafficRow[];
  t.is(total(rows), 60);
  t.deepEqual(rows.map((row) => row.minute).sort(), ['2024-05-01T12:00:00.000Z', '2024-05-01T12:01:00.000Z', '2024-05-01T12:02:00.000Z', '2024-05-01T12:03:00.000Z']);
  for (const [rowId, arrivals] of server.allArrivals('traffic_1m')) t.is(arrivals, 1, `row ${rowId} sent once`);
  t.deepEqual(server.rows('verdicts').map((row) => row.verdict_id).sort(), sent.map((v) => v.id).sort());
  await bus.close?.();
  await server.close();
});
