import test from 'ava';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPartialWriteError, type PartialWriteError, type Verdict } from '@botsieve/core';
import { ManualClock, nullTelemetry } from '@botsieve/runtime';
import { caught } from '@botsieve/testkit';
import { T0, trafficItem, verdict } from '../statistics/test-support.js';
import { tableValidator } from '../statistics/schema.js';
import { localStatisticsConfigSchema, type LocalStatisticsConfig } from './config.js';
import { LocalStatisticsTrafficSink, LocalStatisticsVerdictsSink } from './local-statistics.js';

const DAY_MS = 86_400_000;

async function setup(overrides: Partial<LocalStatisticsConfig> = {}) {
  const directory = await mkdtemp(join(tmpdir(), 'botsieve-statistics-'));
  const config = localStatisticsConfigSchema.parse({ directory, ...overrides });
  const deps = { telemetry: nullTelemetry().component('sink.local-statistics'), clock: new ManualClock(T0 + 300_000) };
  const verdicts = new LocalStatisticsVerdictsSink(config, deps);
  const traffic = new LocalStatisticsTrafficSink(config, deps);
  await verdicts.connect();
  await traffic.connect();
  return { directory, verdicts, traffic, deps };
}

async function lines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('verdict rows are appended to verdicts/<day>.ndjson, valid, carrying their id; a redelivered batch is not appended twice', async (t) => {
  const { directory, verdicts } = await setup();
  const batch = [verdict('ip:192.0.2.1', 'block', T0), verdict('asn:64500', 'challenge', T0 + DAY_MS)];
  await verdicts.writeBatch(batch);
  await verdicts.writeBatch(batch);
  const first = await lines(join(directory, 'verdicts', '2024-05-01.ndjson'));
  const second = await lines(join(directory, 'verdicts', '2024-05-02.ndjson'));
  t.deepEqual(first.map((row) => row.verdict_id), [batch[0]?.id]);
  t.deepEqual(second.map((row) => row.verdict_id), [batch[1]?.id]);
  const validate = tableValidator('verdicts');
  for (const row of [...first, ...second]) t.is(validate(row), undefined);
  await verdicts.close();
  await rm(directory, { recursive: true });
});

test('traffic rows are written when their minute closes; a retried batch does not double count', async (t) => {
  const { directory, traffic } = await setup();
  const batch = Array.from({ length: 40 }, (_, i) => trafficItem(i, { timestamp_ms: T0 + i * 4_000 }));
  await traffic.writeBatch(batch.slice(0, 30));
  const path = join(directory, 'traffic_1m', '2024-05-01.ndjson');
  t.deepEqual(await lines(path), []);
  await traffic.writeBatch(batch.slice(30));
  await traffic.writeBatch(batch.slice(30));
  await traffic.writeBatch(batch);
  t.deepEqual((await lines(path)).map((row) => row.requests), [15]);
  await traffic.close();
  const rows = await lines(path);
  t.is(rows.reduce((sum, row) => sum + (row.requests as number), 0), 40);
  const validate = tableValidator('traffic_1m');
  for (const row of rows) t.is(validate(row), undefined);
  t.is(new Set(rows.map((row) => row.row_id)).size, rows.length);
  await rm(directory, { recursive: true });
});

test('the directory stays under max_total_bytes: the oldest days go first, the day just written stays', async (t) => {
  const { directory, verdicts } = await setup({ max_total_bytes: 4_000 });
  for (let day = 0; day < 6; day += 1) {
    await verdicts.writeBatch(Array.from({ length: 3 }, (_, i) => verdict(`ip:192.0.2.${i}`, 'block', T0 + day * DAY_MS)));
  }
  const files = (await readdir(join(directory, 'verdicts'))).sort();
  t.true(files.includes('2024-05-06.ndjson'), 'the newest day is kept');
  t.false(files.includes('2024-05-01.ndjson'), 'the oldest day was removed');
  let bytes = 0;
  for (const file of files) bytes += (await stat(join(directory, 'verdicts', file))).size;
  t.true(bytes <= 4_000, `${bytes} bytes on disk`);
  t.true(files.length >= 2, 'only as many days as needed were removed');
  await verdicts.close();
  await rm(directory, { recursive: true });
});

test('a row that fails the schema is not written and comes back rejected; a write error is retryable', async (t) => {
  const { directory, verdicts } = await setup();
  const bad: Verdict = { ...verdict('ip:192.0.2.9', 'block', T0), id: 'bad', detectors: [{ id: 'x', score: 3, evidence: { v: Number.NaN } }] };
  const error = (await caught(verdicts.writeBatch([bad, verdict('ip:192.0.2.1', 'log', T0)]))) as PartialWriteError<Verdict>;
  t.true(isPartialWriteError(error));
  t.deepEqual(error.rejected.map((r) => [r.item.id, r.reason]), [['bad', 'schema']]);
  t.deepEqual((await lines(join(directory, 'verdicts', '2024-05-01.ndjson'))).map((row) => row.subject), ['ip:192.0.2.1']);
  // The table directory replaced by a file: appends fail.
  await rm(join(directory, 'verdicts'), { recursive: true });
  await writeFile(join(directory, 'verdicts'), '');
  t.like(await caught(verdicts.writeBatch([verdict('ip:192.0.2.2', 'log', T0)])), { code: 'ERR_SINK_WRITE', retryable: true });
  await verdicts.close();
  await rm(directory, { recursive: true });
});
