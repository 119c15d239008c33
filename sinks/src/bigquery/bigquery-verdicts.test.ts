import test, { type ExecutionContext } from 'ava';
import { isBotsieveError, isPartialWriteError, type PartialWriteError, type Verdict } from '@botsieve/core';
import { ManualClock, nullTelemetry } from '@botsieve/runtime';
import { BigQueryApiServer, caught } from '@botsieve/testkit';
import { SCHEMA_DIRECTORY } from '../schemas/index.js';
import { T0, verdict } from '../statistics/test-support.js';
import { anonymousAuthClient } from './anonymous-auth.js';
import { BigQueryVerdictsSink } from './bigquery.js';
import { bigqueryConfigSchema, type BigQueryConfig } from './config.js';

async function setup(t: ExecutionContext, overrides: Partial<BigQueryConfig> = {}) {
  const server = await BigQueryApiServer.start({ schema_directory: SCHEMA_DIRECTORY });
  t.teardown(() => server.close());
  const config = bigqueryConfigSchema.parse({ project_id: 'test-project', api_endpoint: server.url, region: 'europe-west1', timeout_ms: 2_000, ...overrides });
  const sink = new BigQueryVerdictsSink(config, { telemetry: nullTelemetry().component('sink.bigquery-verdicts'), clock: new ManualClock(T0 + 60_000), authClient: anonymousAuthClient() });
  await sink.connect();
  return { server, sink };
}

const verdicts = (count: number, from = 0): Verdict[] => Array.from({ length: count }, (_, i) => verdict(`ip:192.0.2.${from + i}`, 'block', T0 + i));
const inserts = (server: BigQueryApiServer) => server.requests.filter((request) => request.path.endsWith('/insertAll'));

test('rows arrive once per verdict, with the verdict id as a stable insertId', async (t) => {
  const { server, sink } = await setup(t);
  const batch = verdicts(12);
  await sink.writeBatch(batch);
  await sink.writeBatch(batch);
  const rows = server.rows('verdicts');
  t.deepEqual(rows.map((row) => row.verdict_id).sort(), batch.map((v) => v.id).sort());
  t.like(rows[0], { subject_kind: 'ip', action: 'block', region: 'europe-west1', top_detector: 'volumetric', ttl_seconds: 60 });
  for (const v of batch) t.is(server.arrivalsOf('verdicts', v.id), 2, 'a re-sent verdict repeats its insertId');
  t.is(server.requests[0]?.path, '/bigquery/v2/projects/test-project/datasets/botsieve/tables/verdicts', 'connect() read the table first');
  await sink.close();
  await server.close();
});

test('invalid rows are rejected before sending: the server never sees them, the valid ones of the batch are stored', async (t) => {
  const { server, sink } = await setup(t);
  const bad: Verdict = { ...verdict('ip:198.51.100.1', 'block', T0), id: 'bad', detectors: [{ id: 'x', score: 5, evidence: { ratio: Number.NaN } }] };
  const batch = [...verdicts(3), bad];
  const error = (await caught(sink.writeBatch(batch))) as PartialWriteError<Verdict>;
  t.true(isPartialWriteError(error));
  t.false(error.retryable);
  t.deepEqual(error.retry, []);
  t.deepEqual(error.rejected.map((r) => [r.item.id, r.reason, r.detail]), [['bad', 'schema', 'detectors[0].evidence[0].value: expected FLOAT']]);
  t.is(server.arrivalsOf('verdicts', 'bad'), 0);
  t.is(server.rows('verdicts').length, 3);
  await sink.close();
  await server.close();
});

test('a partial failure retries only the failed rows: none stored twice, none missing', async (t) => {
  const { server, sink } = await setup(t);
  const batch = verdicts(10);
  const failing = new Set([batch[2]?.id, batch[7]?.id]);
  server.failRowsNext((row) => failing.has(row.insertId), 'backendError');
  const error = (await caught(sink.writeBatch(batch))) as PartialWriteError<Verdict>;
  t.true(isPartialWriteError(error));
  t.true(error.retryable);
  t.deepEqual(error.retry.map((v) => v.id).sort(), [...failing].sort());
  t.is(server.rows('verdicts').length, 8);
  await sink.writeBatch(error.retry);
  t.deepEqual(server.rows('verdicts').map((row) => row.verdict_id).sort(), batch.map((v) => v.id).sort());
  for (const v of batch) t.is(server.arrivalsOf('verdicts', v.id), failing.has(v.id) ? 2 : 1, `${v.id} sent once more only if it failed`);
  await sink.close();
  await server.close();
});

test('a row BigQuery finds invalid is rejected; the rows it stopped are retried', async (t) => {
  const { server, sink } = await setup(t);
  const batch = verdicts(5);
  server.failRowsNext((row) => row.insertId === batch[1]?.id, 'invalid');
  const error = (await caught(sink.writeBatch(batch))) as PartialWriteError<Verdict>;
  t.deepEqual(error.rejected.map((r) => [r.item.id, r.reason]), [[batch[1]?.id, 'invalid']]);
  t.is(error.retry.length, 4, 'stopped rows are retried');
  t.is(server.rows('verdicts').length, 0, 'BigQuery stored nothing of that request');
  await sink.writeBatch(error.retry);
  t.is(server.rows('verdicts').length, 4);
  await sink.close();
  await server.close();
});

test('requests are cut by max_rows_per_request and max_request_bytes; an oversized row is rejected', async (t) => {
  const { server, sink } = await setup(t, { max_rows_per_request: 4 });
  await sink.writeBatch(verdicts(10));
  t.deepEqual(inserts(server).map((request) => request.rows), [4, 4, 2]);
  const small = await setup(t, { max_request_bytes: 1_500 });
  await small.sink.writeBatch(verdicts(4));
  t.true(inserts(small.server).length >= 2, 'two ~600-byte rows at most per 1.5 kB request');
  t.is(small.server.rows('verdicts').length, 4);
  const huge: Verdict = { ...verdict('ip:198.51.100.2', 'log', T0), id: 'huge', detectors: [{ id: 'x', score: 5, evidence: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`e${i}`, i])) }] };
  const error = (await caught(small.sink.writeBatch([huge, ...verdicts(1, 50)]))) as PartialWriteError<Verdict>;
  t.deepEqual(error.rejected.map((r) => [r.item.id, r.reason]), [['huge', 'too_large']]);
  t.is(small.server.arrivalsOf('verdicts', 'huge'), 0);
  t.is(small.server.rows('verdicts').length, 5);
  for (const s of [sink, small.sink]) await s.close();
  for (const s of [server, small.server]) await s.close();
});

test('a request failing after earlier requests were stored retries only the unsent rows', async (t) => {
  const { server, sink } = await setup(t, { max_rows_per_request: 3 });
  const batch = verdicts(7);
  await sink.writeBatch([]);
  t.is(inserts(server).length, 0, 'an empty batch sends nothing');
  server.failNext(1, 503, { after: 1 });
  const error = (await caught(sink.writeBatch(batch))) as PartialWriteError<Verdict>;
  t.true(isPartialWriteError(error));
  t.true(error.retryable);
  t.deepEqual(error.retry.map((v) => v.id), batch.slice(3).map((v) => v.id), 'the failed request and the one not attempted');
  t.deepEqual(inserts(server).map((request) => [request.rows, request.status]), [[3, 200], [0, 503]]);
  t.is(server.rows('verdicts').length, 3);
  await sink.close();
  await server.close();
});

test('HTTP failures map to typed errors, and the client does not retry on its own', async (t) => {
  const { server, sink } = await setup(t, { timeout_ms: 300 });
  const cases: [() => void, string, boolean, number | undefined][] = [
    [() => server.failNext(1, 503), 'ERR_SINK_UNAVAILABLE', true, undefined],
    [() => server.failNext(1, 500), 'ERR_SINK_UNAVAILABLE', true, undefined],
    [() => server.failNext(1, 429, { retry_after_s: 7 }), 'ERR_SINK_RATE_LIMITED', true, 7_000],
    [() => server.failNext(1, 403, { reason: 'quotaExceeded' }), 'ERR_SINK_RATE_LIMITED', true, undefined],
    [() => server.failNext(1, 404), 'ERR_SINK_CONFIG', false, undefined],
    [() => server.failNext(1, 400, { reason: 'invalid' }), 'ERR_SINK_REJECTED', false, undefined],
  ];
  for (const [arm, code, retryable, retry_after_ms] of cases) {
    const before = inserts(server).length;
    arm();
    const error = await caught(sink.writeBatch(verdicts(2)));
    t.true(isBotsieveError(error) && error.code === code && error.retryable === retryable, `${code}: got ${String(error)}`);
    if (isBotsieveError(error)) t.is(error.retry_after_ms, retry_after_ms);
    t.is(inserts(server).length, before + 1, `${code}: exactly one request`);
  }
  server.delay_ms = 1_000;
  t.like(await caught(sink.writeBatch(verdicts(1))), { code: 'ERR_SINK_UNAVAILABLE', retryable: true });
  server.delay_ms = 0;
  server.down();
  t.like(await caught(sink.writeBatch(verdicts(1))), { code: 'ERR_SINK_UNAVAILABLE', retryable: true });
  server.up();
  const [recovered] = verdicts(1, 100);
  await sink.writeBatch([recovered as Verdict]);
  t.is(server.arrivalsOf('verdicts', recovered?.id ?? ''), 1, 'it writes again once the API is back');
  await sink.close();
  await server.close();
});

test('connect() fails on a table that does not exist and tolerates an unreachable API', async (t) => {
  const server = await BigQueryApiServer.start({ schema_directory: SCHEMA_DIRECTORY });
  t.teardown(() => server.close());
  const deps = { telemetry: nullTelemetry().component('sink'), clock: new ManualClock(T0), authClient: anonymousAuthClient() };
  const missing = new BigQueryVerdictsSink(bigqueryConfigSchema.parse({ project_id: 'p', api_endpoint: server.url, verdicts_table: 'nope' }), deps);
  t.like(await caught(missing.connect()), { code: 'ERR_SINK_CONFIG', retryable: false });
  server.down();
  const unreachable = new BigQueryVerdictsSink(bigqueryConfigSchema.parse({ project_id: 'p', api_endpoint: server.url }), deps);
  await t.notThrowsAsync(unreachable.connect());
  t.false(await unreachable.healthcheck());
  server.up();
  t.true(await unreachable.healthcheck());
  await unreachable.close();
  await server.close();
  t.throws(() => new BigQueryVerdictsSink(bigqueryConfigSchema.parse({}), deps), { code: 'ERR_SINK_CONFIG' });
});
