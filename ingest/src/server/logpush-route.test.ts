import { gzipSync } from 'node:zlib';
import test from 'ava';
import { startOnEmbeddedBus } from '../test-support/embedded.js';
import { line, post } from '../test-support/harness.js';

interface Event {
  ip: string;
  prefix: string;
  source: string;
  timestamp_ms: number;
}

test('gzip body by Content-Encoding: 200 {accepted, rejected}, events keyed by client IP', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const body = gzipSync([line({ ClientIP: '2001:DB8::1' }), line({ ClientIP: '::ffff:192.0.2.99' })].join('\n'));
  const answer = await post(ingest.port, '/logpush', body, { 'content-encoding': 'gzip' });
  t.is(answer.status, 200);
  t.deepEqual(answer.json, { accepted: 2, rejected: 0 });
  const records = await ingest.read(ingest.topics.events, 2);
  t.deepEqual(records.map((record) => record.key).sort(), ['192.0.2.99', '2001:db8::1']);
  const event = records.map((record) => JSON.parse(record.value.toString()) as Event).find((candidate) => candidate.ip === '2001:db8::1');
  t.is(event?.prefix, '2001:db8::/64');
  t.is(event?.source, 'logpush');
});

test('gzip recognised by its magic bytes; plain NDJSON accepted as is', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  t.deepEqual((await post(ingest.port, '/logpush', gzipSync(`${line()}\n${line()}\n`))).json, { accepted: 2, rejected: 0 });
  t.deepEqual((await post(ingest.port, '/logpush', `${line()}\r\n${line()}`)).json, { accepted: 2, rejected: 0 });
  t.is((await ingest.read(ingest.topics.events, 4)).length, 4);
});

test('every timestamp_format is accepted over HTTP', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  // A recent whole second (ingest refuses implausibly old times), in every format.
  const second = Math.floor(Date.now() / 1_000) - 60;
  const iso = new Date(second * 1_000).toISOString().slice(0, 19);
  const formats = [`${second}123456789`, second, `${iso}Z`, `${iso}.123Z`, `${iso}.123456789Z`];
  const body = formats.map((EdgeStartTimestamp) => line({ EdgeStartTimestamp })).join('\n').replace(`"${second}123456789"`, `${second}123456789`);
  const answer = await post(ingest.port, '/logpush', gzipSync(body));
  t.deepEqual(answer.json, { accepted: 5, rejected: 0 });
  const times = (await ingest.readJson<Event>(ingest.topics.events, 5)).map((event) => event.timestamp_ms).sort();
  const ms = second * 1_000;
  t.deepEqual(times, [ms, ms, ms + 123, ms + 123, ms + 123]);
});

test('Logpush destination validation upload: 200, nothing published', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const answer = await post(ingest.port, '/logpush', gzipSync('{"content":"tests"}'), { 'content-encoding': 'gzip' });
  t.is(answer.status, 200);
  t.deepEqual(answer.json, { accepted: 0, rejected: 0 });
  t.is((await ingest.read(ingest.topics.events, 0)).length, 0);
  t.is((await ingest.read(ingest.topics.deadletter, 0)).length, 0);
});

test('each bad-line class is dead-lettered with its reason; the rest of the batch is accepted', async (t) => {
  const ingest = await startOnEmbeddedBus({ max_line_bytes: 2_048 });
  t.teardown(() => ingest.close());
  const bad: Array<[string, string]> = [
    ['{"RayID": "x", ', 'invalid_json'],
    ['[1,2,3]', 'not_object'],
    [line({ RayID: null }), 'missing_field'],
    [line({ ClientIP: '300.1.2.3' }), 'invalid_ip'],
    [line({ EdgeStartTimestamp: 'tomorrow' }), 'invalid_timestamp'],
    [line({ EdgeResponseStatus: 'teapot' }), 'invalid_field'],
    [line({ ClientRequestUserAgent: 'A'.repeat(5_000) }), 'line_too_long'],
  ];
  const lines = [line()];
  for (const [text] of bad) lines.push(text, line());
  const started = Date.now();
  const answer = await post(ingest.port, '/logpush', gzipSync(lines.join('\n')));
  t.is(answer.status, 200);
  t.deepEqual(answer.json, { accepted: bad.length + 1, rejected: bad.length });
  const deadletters = await ingest.readJson(ingest.topics.deadletter, bad.length);
  t.deepEqual(deadletters.map((record) => record.reason).sort(), bad.map(([, reason]) => reason).sort());
  for (const record of deadletters) {
    t.deepEqual(Object.keys(record), ['reason', 'detail', 'line', 'source', 'received_at_ms']);
    t.is(record.source, 'logpush');
    t.true(typeof record.detail === 'string' && record.detail.length > 0);
    t.true((record.received_at_ms as number) >= started);
    t.true((record.line as string).length <= 4_096);
  }
  t.is(deadletters.find((record) => record.reason === 'invalid_json')?.line, '{"RayID": "x", ');
  t.is((await ingest.read(ingest.topics.events, bad.length + 1)).length, bad.length + 1);
});

test('auth: 401 without or with a wrong token, 200 with the right one; the token is never echoed', async (t) => {
  const ingest = await startOnEmbeddedBus({ auth: { token: 'Bearer s3cret' } });
  t.teardown(() => ingest.close());
  const body = gzipSync(line());
  const missing = await post(ingest.port, '/logpush', body);
  t.is(missing.status, 401);
  t.is((missing.json as { error: string }).error, 'ERR_INGEST_UNAUTHORIZED');
  t.is((await post(ingest.port, '/logpush', body, { authorization: 'Bearer wrong' })).status, 401);
  t.is((await post(ingest.port, '/logpush', body, { authorization: 'Bearer s3cret!' })).status, 401);
  t.is((await post(ingest.port, '/events', line(), { authorization: '' })).status, 401);
  const ok = await post(ingest.port, '/logpush', body, { authorization: 'Bearer s3cret' });
  t.is(ok.status, 200);
  t.false(missing.text.includes('s3cret'));
  t.is((await ingest.read(ingest.topics.events, 1)).length, 1);
});

test('auth with a custom header name', async (t) => {
  const ingest = await startOnEmbeddedBus({ auth: { header: 'X-Logpush-Token', token: 'abc' } });
  t.teardown(() => ingest.close());
  t.is((await post(ingest.port, '/logpush', line(), { 'x-logpush-token': 'abc' })).status, 200);
  t.is((await post(ingest.port, '/logpush', line(), { authorization: 'abc' })).status, 401);
});

test('unknown routes and encodings', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  t.is((await post(ingest.port, '/nope', 'x')).status, 404);
  t.is((await post(ingest.port, '/logpush', line(), { 'content-encoding': 'br' })).status, 415);
  const corrupt = await post(ingest.port, '/logpush', gzipSync(line()).subarray(0, 20));
  t.is(corrupt.status, 400);
  t.is((corrupt.json as { error: string }).error, 'ERR_INGEST_BAD_GZIP');
});

test('a large upload streams through (socket paused while the inflater catches up)', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const { sampleGzip } = await import('../test-support/logpush-sample.js');
  const body = sampleGzip(20_000, 7);
  t.true(body.length > 1024 * 1024, `${body.length} bytes`);
  const answer = await post(ingest.port, '/logpush', body, { 'content-encoding': 'gzip' });
  t.deepEqual(answer.json, { accepted: 20_000, rejected: 0 });
});
