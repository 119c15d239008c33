import test from 'ava';
import type { RequestEvent } from '../event.js';
import { decodeEvent, encodeEvent, eventProblem } from './event.js';

/** Every field set, as ingest writes it. */
const EVENT: RequestEvent = {
  ray_id: '8f1c2d3e4a5b6c7d', timestamp_ms: 1_767_225_600_123, host: 'shop.example', ip: '2001:db8::1', prefix: '2001:db8::/64', asn: 64500, country: 'fr',
  method: 'GET', protocol: 'HTTP/2', path: '/p', uri: '/p?q=1', user_agent: 'Mozilla/5.0', referer: '', status: 200, origin_status: 200, origin_duration_ms: 12,
  content_type: 'text/html', cache_status: 'miss', response_bytes: 5120, bot_score: 87, bot_score_src: 'Machine Learning', verified_bot_category: null,
  ja4: 't13d1516h2_8daaf6152771_02713d6af862', ja3_hash: null, bot_tags: ['api'], source: 'logpush',
};

test('an event round-trips through its wire bytes', (t) => {
  const bytes = encodeEvent(EVENT);
  t.is(bytes.toString('utf8'), JSON.stringify(EVENT), 'the wire form is the JSON');
  t.deepEqual(decodeEvent(bytes), { ok: true, event: EVENT });
  t.deepEqual(decodeEvent(JSON.stringify(EVENT)), { ok: true, event: EVENT });
});

test('zones without Bot Management: every nullable field null', (t) => {
  const plain = { ...EVENT, bot_score: null, bot_score_src: null, verified_bot_category: null, ja4: null, ja3_hash: null, bot_tags: null };
  t.deepEqual(decodeEvent(encodeEvent(plain)), { ok: true, event: plain });
});

test('a record written before `protocol` existed reads with protocol ""', (t) => {
  const { protocol: _, ...old } = EVENT;
  t.deepEqual(decodeEvent(Buffer.from(JSON.stringify(old))), { ok: true, event: { ...old, protocol: '' } });
});

test('the later Bot Management fields: absent (older records), null, or set, all decode as they came', (t) => {
  const full: RequestEvent = {
    ...EVENT,
    bot_detection_ids: [33554817, 50331651],
    bot_detection_tags: ['scraper'],
    ja4_signals: { h2h3_ratio_1h: 0.98, browser_ratio_1h: 0.4, reqs_rank_1h: 120 },
    client_request_source: 'eyeball',
  };
  t.deepEqual(decodeEvent(encodeEvent(full)), { ok: true, event: full });
  const none = { ...EVENT, bot_detection_ids: null, bot_detection_tags: null, ja4_signals: null, client_request_source: null };
  t.deepEqual(decodeEvent(encodeEvent(none)), { ok: true, event: none });
  t.deepEqual(decodeEvent(encodeEvent(EVENT)), { ok: true, event: EVENT }, 'absent stays absent');
});

test('what is not an event, and why', (t) => {
  const { host: _, ...hostless } = EVENT;
  const cases: Array<[unknown, string]> = [
    [null, 'not an object'],
    [[EVENT], 'not an object'],
    [42, 'not an object'],
    [{ ...EVENT, timestamp_ms: 1.5 }, 'timestamp_ms is not a non-negative integer (ms)'],
    [{ ...EVENT, timestamp_ms: '1767225600123' }, 'timestamp_ms is not a non-negative integer (ms)'],
    [{ ...EVENT, timestamp_ms: -1 }, 'timestamp_ms is not a non-negative integer (ms)'],
    [hostless, 'host is not a string'],
    [{ ...EVENT, ray_id: 7 }, 'ray_id is not a string'],
    [{ ...EVENT, user_agent: null }, 'user_agent is not a string'],
    [{ ...EVENT, asn: '64500' }, 'asn is not a number'],
    [{ ...EVENT, status: null }, 'status is not a number'],
    [{ ...EVENT, ja4: 5 }, 'ja4 is neither a string nor null'],
    [{ ...EVENT, bot_score_src: undefined }, 'bot_score_src is neither a string nor null'],
    [{ ...EVENT, bot_score: '87' }, 'bot_score is neither a number nor null'],
    [{ ...EVENT, bot_tags: 'api' }, 'bot_tags is neither an array nor null'],
    [{ ...EVENT, bot_tags: [1] }, 'bot_tags holds a value that is not a string'],
    [{ ...EVENT, source: 'kafka' }, 'unknown source kafka'],
    [{ ...EVENT, protocol: null }, 'protocol is not a string'],
    [{ ...EVENT, bot_detection_ids: 5 }, 'bot_detection_ids is neither an array nor null'],
    [{ ...EVENT, bot_detection_ids: ['5'] }, 'bot_detection_ids holds a value that is not a number'],
    [{ ...EVENT, bot_detection_tags: 'x' }, 'bot_detection_tags is neither an array nor null'],
    [{ ...EVENT, bot_detection_tags: [1] }, 'bot_detection_tags holds a value that is not a string'],
    [{ ...EVENT, ja4_signals: [1] }, 'ja4_signals is neither an object nor null'],
    [{ ...EVENT, ja4_signals: { h2h3_ratio_1h: '0.9' } }, 'ja4_signals holds a value that is not a number'],
    [{ ...EVENT, client_request_source: 1 }, 'client_request_source is neither a string nor null'],
  ];
  for (const [value, reason] of cases) {
    t.is(eventProblem(structuredClone(value)), reason, JSON.stringify(value));
    t.deepEqual(decodeEvent(Buffer.from(JSON.stringify(value) ?? '')), { ok: false, reason }, JSON.stringify(value));
  }
});

test('bytes that are not JSON are an answer, not an exception', (t) => {
  for (const text of ['', 'not json', '{"ray_id":']) t.deepEqual(decodeEvent(Buffer.from(text)), { ok: false, reason: 'not JSON' }, text);
});
