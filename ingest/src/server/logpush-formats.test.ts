/**
 * What a Logpush job configured away from the default NDJSON sends: a JSON array
 * (batch_prefix/record_delimiter) is read element by element, streaming; CSV and record templates
 * are answered 400 ERR_INGEST_NOTHING_USABLE once their dead letters are on the bus.
 */
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { startOnEmbeddedBus } from '../test-support/embedded.js';
import { line, post } from '../test-support/harness.js';

interface DeadLetter {
  reason: string;
}

test('every line invalid JSON: 400 ERR_INGEST_NOTHING_USABLE naming the reason, the lines still dead-lettered', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const body = Array.from({ length: 1_000 }, (_, i) => `{"RayID": "r${i}", `).join('\n');
  const answer = await post(ingest.port, '/logpush', gzipSync(body));
  t.is(answer.status, 400);
  const json = answer.json as { error: string; message: string };
  t.is(json.error, 'ERR_INGEST_NOTHING_USABLE');
  t.regex(json.message, /1,000 of 1,000 lines invalid_json/);
  t.regex(json.message, /output_type csv/);
  t.is((await ingest.readJson<DeadLetter>(ingest.topics.deadletter, 1_000)).length, 1_000);
  t.is((await ingest.read(ingest.topics.events, 0)).length, 0);
});

test('a CSV body (output_type csv) is answered 400', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const body = 'RayID,ClientIP,EdgeStartTimestamp\n8f1b,192.0.2.1,2026-11-01T12:00:00Z\n8f1c,192.0.2.2,2026-11-01T12:00:01Z\n';
  const answer = await post(ingest.port, '/logpush', gzipSync(body));
  t.is(answer.status, 400);
  t.regex((answer.json as { message: string }).message, /3 of 3 lines invalid_json/);
  const deadletters = await ingest.readJson<DeadLetter>(ingest.topics.deadletter, 3);
  t.deepEqual(deadletters.map((record) => record.reason), ['invalid_json', 'invalid_json', 'invalid_json']);
});

test('a record_template body (valid JSON, other field names) is answered 400 naming missing_field', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const body = ['{"ray":"8f1b","ip":"192.0.2.1","ts":1793534400}', '{"ray":"8f1c","ip":"192.0.2.2","ts":1793534401}'].join('\n');
  const answer = await post(ingest.port, '/logpush', body);
  t.is(answer.status, 400);
  t.deepEqual((answer.json as { error: string }).error, 'ERR_INGEST_NOTHING_USABLE');
  t.regex((answer.json as { message: string }).message, /2 of 2 lines missing_field/);
});

test('some lines usable: 200 as before; an empty upload stays 200 {0, 0}', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const mixed = await post(ingest.port, '/logpush', gzipSync(['not json', line(), 'a,b,c'].join('\n')));
  t.is(mixed.status, 200);
  t.deepEqual(mixed.json, { accepted: 1, rejected: 2 });
  const empty = await post(ingest.port, '/logpush', gzipSync(''));
  t.is(empty.status, 200);
  t.deepEqual(empty.json, { accepted: 0, rejected: 0 });
  const blank = await post(ingest.port, '/logpush', '\n\n');
  t.deepEqual(blank.json, { accepted: 0, rejected: 0 });
});

test('ack enqueued: the all-rejected upload is answered 400 too', async (t) => {
  const ingest = await startOnEmbeddedBus({ ack: 'enqueued' });
  t.teardown(() => ingest.close());
  const answer = await post(ingest.port, '/logpush', 'x\ny\n');
  t.is(answer.status, 400);
  t.is((await ingest.readJson<DeadLetter>(ingest.topics.deadletter, 2)).length, 2);
});

test('a JSON-array batch (batch_prefix "[", record_delimiter ",", batch_suffix "]") is read element by element', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const records = [line(), line({ ClientIP: '192.0.2.77' }), line()];
  const compact = await post(ingest.port, '/logpush', gzipSync(`[${records.join(',')}]`), { 'content-encoding': 'gzip' });
  t.is(compact.status, 200);
  t.deepEqual(compact.json, { accepted: 3, rejected: 0 });
  const withNewlines = await post(ingest.port, '/logpush', gzipSync(`[\n${records.join(',\n')}\n]\n`));
  t.deepEqual(withNewlines.json, { accepted: 3, rejected: 0 });
  t.is((await ingest.read(ingest.topics.events, 6)).length, 6);
});

test('a JSON-array batch: bad elements are dead-lettered one by one, with the per-line limits', async (t) => {
  const ingest = await startOnEmbeddedBus({ max_line_bytes: 2_048, max_json_depth: 8 });
  t.teardown(() => ingest.close());
  const body = `[${[line(), '[1,2]', line({ ClientIP: 'nope' }), line({ ClientRequestUserAgent: 'A'.repeat(5_000) }), '{"x":' + '['.repeat(20) + ']'.repeat(20) + '}', line()].join(',')}]`;
  const answer = await post(ingest.port, '/logpush', gzipSync(body));
  t.is(answer.status, 200);
  t.deepEqual(answer.json, { accepted: 2, rejected: 4 });
  const reasons = (await ingest.readJson<DeadLetter>(ingest.topics.deadletter, 4)).map((record) => record.reason).sort();
  t.deepEqual(reasons, ['invalid_ip', 'json_too_deep', 'line_too_long', 'not_object']);
});

test('a JSON-array batch streams: it is not held whole (larger than max_array_bytes is fine on /logpush)', async (t) => {
  const ingest = await startOnEmbeddedBus({ max_array_bytes: 64 * 1024 });
  t.teardown(() => ingest.close());
  const records = Array.from({ length: 5_000 }, () => line());
  const body = Buffer.from(`[${records.join(',')}]`);
  t.true(body.length > 64 * 1024);
  const answer = await post(ingest.port, '/logpush', gzipSync(body));
  t.is(answer.status, 200);
  t.deepEqual(answer.json, { accepted: 5_000, rejected: 0 });
});

test('a JSON-array batch whose structure is broken is 400 ERR_INGEST_BAD_REQUEST; all elements bad is 400 NOTHING_USABLE', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const unclosed = await post(ingest.port, '/logpush', gzipSync(`[${line()},${line()}`));
  t.is(unclosed.status, 400);
  t.is((unclosed.json as { error: string }).error, 'ERR_INGEST_BAD_REQUEST');
  t.regex((unclosed.json as { message: string }).message, /not closed/);
  const allBad = await post(ingest.port, '/logpush', gzipSync('[1,2,3]'));
  t.is(allBad.status, 400);
  t.regex((allBad.json as { message: string }).message, /3 of 3 lines not_object/);
  const empty = await post(ingest.port, '/logpush', gzipSync('[]'));
  t.deepEqual(empty.json, { accepted: 0, rejected: 0 });
});

test('well-formed records all outside the time window (a backlog after an outage) stay 200: no misconfigured job', async (t) => {
  const ingest = await startOnEmbeddedBus();
  t.teardown(() => ingest.close());
  const old = (Date.now() - 3 * 86_400_000) * 1_000_000;
  const answer = await post(ingest.port, '/logpush', [line({ EdgeStartTimestamp: old }), 'not json'].join('\n'));
  t.is(answer.status, 200);
  t.deepEqual(answer.json, { accepted: 0, rejected: 2 });
});
