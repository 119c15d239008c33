import { gzipSync } from 'node:zlib';
import test from 'ava';
import { startOnEmbeddedBus } from '../test-support/embedded.js';
import { line, post } from '../test-support/harness.js';

test('/events takes NDJSON; events carry source "events"', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const answer = await post(ingest.port, '/events', `\n${line()}\n${line()}\n`, { 'content-type': 'application/x-ndjson' });
  t.deepEqual(answer.json, { accepted: 2, rejected: 0 });
  const events = await ingest.readJson<{ source: string }>(ingest.topics.events, 2);
  t.deepEqual(events.map((event) => event.source), ['events', 'events']);
});

test('/events takes a JSON array, plain or gzip; bad elements are dead-lettered', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const records = [JSON.parse(line()) as unknown, { RayID: 'r', EdgeStartTimestamp: 1_793_534_400, ClientIP: 'nope' }, JSON.parse(line()) as unknown, 42];
  t.deepEqual((await post(ingest.port, '/events', ` \n${JSON.stringify(records)}`, { 'content-type': 'application/json' })).json, { accepted: 2, rejected: 2 });
  t.deepEqual((await post(ingest.port, '/events', gzipSync(JSON.stringify(records)))).json, { accepted: 2, rejected: 2 });
  const deadletters = await ingest.readJson<{ reason: string; line: string; source: string }>(ingest.topics.deadletter, 4);
  t.deepEqual(deadletters.map((record) => record.reason).sort(), ['invalid_ip', 'invalid_ip', 'not_object', 'not_object']);
  t.true(deadletters.every((record) => record.source === 'events'));
  t.true(deadletters.some((record) => record.line === '42'));
  t.is((await ingest.read(ingest.topics.events, 4)).length, 4);
});

test('/events: an array over max_array_bytes is 413, a broken array 400', async (t) => {
  const ingest = await startOnEmbeddedBus({ max_array_bytes: 10_000 });
  t.teardown(() => ingest.close());
  const big = JSON.stringify(Array.from({ length: 100 }, () => JSON.parse(line()) as unknown));
  const tooLarge = await post(ingest.port, '/events', big);
  t.is(tooLarge.status, 413);
  t.is((tooLarge.json as { error: string }).error, 'ERR_INGEST_BODY_TOO_LARGE');
  const broken = await post(ingest.port, '/events', `[${line()},`);
  t.is(broken.status, 400);
  t.is((broken.json as { error: string }).error, 'ERR_INGEST_BAD_REQUEST');
  t.is((await ingest.read(ingest.topics.events, 0)).length, 0);
});
