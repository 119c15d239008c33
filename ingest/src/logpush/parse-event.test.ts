import { readFileSync } from 'node:fs';
import test from 'ava';
import { DEFAULT_FIELD_LIMITS, isValidationUpload, parseLogpushLine, parseLogpushRecord, type ParseResult } from './parse-event.js';

const testdata = (name: string): string => readFileSync(new URL(`../../src/logpush/testdata/${name}`, import.meta.url), 'utf8');
const lines = (text: string): string[] => text.split('\n').filter((line) => line.length > 0);

/** The golden form of a parse result: the event, or just the reject reason. */
function golden(result: ParseResult): unknown {
  return result.ok ? result.event : { reject: result.reason };
}

test('golden: testdata/input.ndjson → testdata/expected.ndjson', (t) => {
  const input = lines(testdata('input.ndjson'));
  const expected = lines(testdata('expected.ndjson')).map((line) => JSON.parse(line) as unknown);
  t.is(input.length, expected.length);
  input.forEach((line, index) => t.deepEqual(golden(parseLogpushLine(line, 'logpush')), expected[index], `line ${index + 1}`));
});

const base = { RayID: 'r1', EdgeStartTimestamp: 1_793_534_400, ClientIP: '192.0.2.1' };

function reject(record: unknown): string {
  const result = parseLogpushRecord(record, 'events');
  return result.ok ? 'ok' : result.reason;
}

test('zones without Bot Management: bot fields are null, neutral defaults elsewhere', (t) => {
  const result = parseLogpushRecord(base, 'events');
  if (!result.ok) return t.fail(result.detail);
  const event = result.event;
  t.is(event.bot_score, null);
  t.is(event.bot_score_src, null);
  t.is(event.verified_bot_category, null);
  t.is(event.ja4, null);
  t.is(event.ja3_hash, null);
  t.is(event.bot_tags, null);
  t.is(event.asn, 0);
  t.is(event.path, '');
  t.is(event.uri, '');
  t.is(event.source, 'events');
  t.is(Object.keys(event).length, 30, 'every RequestEvent field present (the optional ones too: one shape for every event)');
});

test('required fields: missing_field', (t) => {
  t.is(reject({ ...base, RayID: undefined }), 'missing_field');
  t.is(reject({ ...base, RayID: '' }), 'missing_field');
  t.is(reject({ ...base, ClientIP: null }), 'missing_field');
  t.is(reject({ ...base, EdgeStartTimestamp: undefined }), 'missing_field');
});

test('classes of invalid records', (t) => {
  t.is(reject({ ...base, ClientIP: 'not-an-ip' }), 'invalid_ip');
  t.is(reject({ ...base, ClientIP: 42 }), 'invalid_ip');
  t.is(reject({ ...base, EdgeStartTimestamp: 'soon' }), 'invalid_timestamp');
  t.is(reject({ ...base, RayID: 7 }), 'invalid_field');
  t.is(reject({ ...base, EdgeResponseStatus: '200' }), 'invalid_field');
  t.is(reject({ ...base, ClientASN: 1.5 }), 'invalid_field');
  t.is(reject({ ...base, ClientASN: -1 }), 'invalid_field');
  t.is(reject({ ...base, ClientRequestUserAgent: { a: 1 } }), 'invalid_field');
  t.is(reject({ ...base, BotScore: '12' }), 'invalid_field');
  t.is(reject({ ...base, BotTags: 'api' }), 'invalid_field');
  t.is(reject({ ...base, BotTags: [1] }), 'invalid_field');
  t.is(reject('text'), 'not_object');
  t.is(reject(null), 'not_object');
  t.is(reject([base]), 'not_object');
  const bad = parseLogpushLine('{"RayID": ', 'logpush');
  t.false(bad.ok);
  if (!bad.ok) t.is(bad.reason, 'invalid_json');
});

test('long strings are truncated to their limits; a long RayID is rejected', (t) => {
  const limits = { ...DEFAULT_FIELD_LIMITS, max_user_agent_chars: 20, max_uri_chars: 30, max_string_chars: 16, max_bot_tags: 2 };
  const result = parseLogpushRecord({
    ...base,
    ClientRequestUserAgent: 'U'.repeat(5_000),
    ClientRequestURI: `/${'p'.repeat(100)}?q=1`,
    JA4: 'J'.repeat(40),
    BotTags: ['a', 'b', 'c'],
  }, 'logpush', limits);
  if (!result.ok) return t.fail(result.detail);
  t.is(result.event.user_agent.length, 20);
  t.is(result.event.uri.length, 30);
  t.is(result.event.path.length, 30, 'path derived from the truncated URI has no query');
  t.is(result.event.ja4, 'J'.repeat(16));
  t.deepEqual(result.event.bot_tags, ['a', 'b']);
  t.is(reject({ ...base, RayID: 'r'.repeat(300) }), 'invalid_field');
});

test('truncation never splits a surrogate pair', (t) => {
  const limits = { ...DEFAULT_FIELD_LIMITS, max_user_agent_chars: 16 };
  const result = parseLogpushRecord({ ...base, ClientRequestUserAgent: `${'a'.repeat(15)}😀😀` }, 'logpush', limits);
  if (!result.ok) return t.fail(result.detail);
  t.is(result.event.user_agent, 'a'.repeat(15));
});

test('validation upload is recognised as text or value, and nothing else is', (t) => {
  t.true(isValidationUpload('{"content":"tests"}'));
  t.true(isValidationUpload('{ "content" : "tests" }'));
  t.true(isValidationUpload({ content: 'tests' }));
  t.false(isValidationUpload('{"content":"tests","RayID":"x"}'));
  t.false(isValidationUpload('{"content":"other"}'));
  t.false(isValidationUpload(JSON.stringify(base)));
  t.false(isValidationUpload(null));
});

test('BotDetectionIDs, BotDetectionTags, JA4Signals, ClientRequestSource: read when sent, checked, null when absent', (t) => {
  const result = parseLogpushRecord(
    { ...base, BotDetectionIDs: [33554817], BotDetectionTags: ['scraper'], JA4Signals: { h2h3_ratio_1h: 0.9, heuristic_ratio_1h: 'n/a', ['__proto__']: 1 }, ClientRequestSource: 'edgeWorkerFetch' },
    'logpush',
  );
  if (!result.ok) return t.fail(result.detail);
  t.deepEqual(result.event.bot_detection_ids, [33554817]);
  t.deepEqual(result.event.bot_detection_tags, ['scraper']);
  t.deepEqual(result.event.ja4_signals, { h2h3_ratio_1h: 0.9 }, 'entries that are not numbers are left out');
  t.is(Object.getPrototypeOf(result.event.ja4_signals), Object.prototype);
  t.is(result.event.client_request_source, 'edgeWorkerFetch');
  const plain = parseLogpushRecord(base, 'logpush');
  if (!plain.ok) return t.fail(plain.detail);
  t.is(plain.event.bot_detection_ids, null);
  t.is(plain.event.bot_detection_tags, null);
  t.is(plain.event.ja4_signals, null);
  t.is(plain.event.client_request_source, null);
  t.is(reject({ ...base, BotDetectionIDs: ['33554817'] }), 'invalid_field');
  t.is(reject({ ...base, BotDetectionIDs: 5 }), 'invalid_field');
  t.is(reject({ ...base, BotDetectionTags: [1] }), 'invalid_field');
  t.is(reject({ ...base, JA4Signals: [0.5] }), 'invalid_field');
  t.is(reject({ ...base, ClientRequestSource: 1 }), 'invalid_field');
  const many = parseLogpushRecord({ ...base, BotDetectionIDs: Array.from({ length: 100 }, (_, i) => i) }, 'logpush');
  t.is(many.ok && many.event.bot_detection_ids?.length, DEFAULT_FIELD_LIMITS.max_bot_tags);
});
