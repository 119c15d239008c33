import test from 'ava';
import { OVERFLOW_HOST, TrafficAggregator, type ClosedRow, type TrafficAggregatorOptions, type TrafficItem } from './traffic-aggregator.js';
import { trafficRowId, type TrafficRow } from './traffic-row.js';
import { tableValidator } from './schema.js';
import { T0, trafficItem, verdict } from './test-support.js';

const validate = tableValidator('traffic_1m');
const WALL = T0 + 3_600_000;

function make(overrides: Partial<TrafficAggregatorOptions> = {}) {
  const discarded = new Map<string, number>();
  const aggregator = new TrafficAggregator(
    { allowed_lateness_ms: 60_000, max_open_rows: 1_000, max_verdicts: 1_000, top_subjects: 10, max_future_ms: 300_000, ...overrides },
    { discarded: (reason, count = 1) => discarded.set(reason, (discarded.get(reason) ?? 0) + count) },
  );
  return { aggregator, discarded };
}

const rowsOf = (closed: ClosedRow[]): TrafficRow[] => closed.map((c) => c.row);
const byClass = (rows: TrafficRow[]) => new Map(rows.map((row) => [row.class, row]));

/** Offsets counted per partition, so tests need not number items by hand. */
function items(events: Parameters<typeof trafficItem>[1][], partition = 'events/0', from = 0, rebuild = false): TrafficItem[] {
  return events.map((event, i) => trafficItem(from + i, event, partition, rebuild));
}

test('requests are split by class and counted in bot-score buckets', (t) => {
  const { aggregator } = make();
  aggregator.absorb(items([
    { verified_bot_category: 'Search Engine Crawler', bot_score: 95 },
    { bot_score: 1 },
    { bot_score: 1 },
    { bot_score: 2 },
    { bot_score: 29 },
    { bot_score: 30 },
    { bot_score: 99 },
    { bot_score: null },
    { bot_score: 0 },
    { verified_bot_category: '', bot_score: 50 },
  ]), WALL);
  const rows = byClass(rowsOf(aggregator.flush(WALL)));
  t.deepEqual([...rows.keys()].sort(), ['automated', 'likely_automated', 'likely_human', 'unscored', 'verified_bot']);
  t.is(rows.get('verified_bot')?.requests, 1);
  t.is(rows.get('verified_bot')?.bot_score_30_99, 1, 'a verified bot is still counted in its score bucket');
  t.like(rows.get('automated'), { requests: 2, bot_score_1: 2, bot_score_2_29: 0 });
  t.like(rows.get('likely_automated'), { requests: 2, bot_score_2_29: 2 });
  t.like(rows.get('likely_human'), { requests: 3, bot_score_30_99: 3 });
  t.like(rows.get('unscored'), { requests: 2, bot_score_missing: 2 });
  for (const row of rows.values()) t.is(validate(row), undefined);
});

test('a verdict covers requests only inside [decided_at, decided_at + ttl) in event time', (t) => {
  const { aggregator } = make();
  aggregator.observeVerdicts([verdict('ip:192.0.2.1', 'block', T0 + 10_000, 30_000)]);
  aggregator.absorb(items([
    { timestamp_ms: T0 + 9_999 },
    { timestamp_ms: T0 + 10_000 },
    { timestamp_ms: T0 + 39_999 },
    { timestamp_ms: T0 + 40_000 },
    { timestamp_ms: T0 + 20_000, ip: '192.0.2.77' },
  ]), WALL);
  const [row] = rowsOf(aggregator.flush(WALL));
  t.like(row, { requests: 5, blocked: 2, challenged: 0, logged: 0 });
  t.deepEqual(row?.mitigated_by, [{ action: 'block', detector: 'volumetric', requests: 2 }]);
  t.deepEqual(row?.top_subjects.map((s) => [s.subject, s.requests, s.action]), [['ip:192.0.2.1', 4, 'block'], ['ip:192.0.2.77', 1, 'allow']]);
});

test('the strongest covering verdict over ip, prefix, asn, ja4 and ua wins; a fusion-only verdict has detector none', (t) => {
  const { aggregator } = make();
  aggregator.observeVerdicts([
    verdict('prefix:192.0.2.0/24', 'challenge', T0),
    verdict('asn:64500', 'log', T0),
    verdict('ua:evil-bot/1.0', 'block', T0, 60_000, [{ id: 'fusion', score: 2, evidence: {} }]),
    verdict('ja4:t13d_other', 'block', T0),
  ]);
  aggregator.absorb(items([
    { timestamp_ms: T0 + 1_000 },
    { timestamp_ms: T0 + 2_000, user_agent: 'evil-bot/1.0' },
    { timestamp_ms: T0 + 3_000, ip: '198.51.100.1', prefix: '198.51.100.0/24' },
    { timestamp_ms: T0 + 4_000, ip: '198.51.100.1', prefix: '198.51.100.0/24', asn: 1 },
  ]), WALL);
  const [row] = rowsOf(aggregator.flush(WALL));
  t.like(row, { requests: 4, blocked: 1, challenged: 1, logged: 1 });
  t.deepEqual(row?.mitigated_by, [
    { action: 'block', detector: 'none', requests: 1 },
    { action: 'challenge', detector: 'volumetric', requests: 1 },
    { action: 'log', detector: 'volumetric', requests: 1 },
  ]);
});

test('an ipua: verdict covers that user agent on that address only, and is the most specific on a tie', (t) => {
  const { aggregator } = make();
  aggregator.observeVerdicts([
    verdict('ipua:192.0.2.1 curl/8.0', 'block', T0, 60_000, [{ id: 'heuristics', score: 5, evidence: {} }]),
    verdict('ipua:192.0.2.1 ', 'challenge', T0),
    verdict('ip:192.0.2.9', 'block', T0),
  ]);
  aggregator.absorb(items([
    { timestamp_ms: T0 + 1_000 },
    { timestamp_ms: T0 + 2_000, user_agent: 'Mozilla/5.0 (iPhone)' },
    { timestamp_ms: T0 + 3_000, ip: '192.0.2.2' },
    { timestamp_ms: T0 + 4_000, user_agent: '' },
  ]), WALL);
  const [row] = rowsOf(aggregator.flush(WALL));
  t.like(row, { requests: 4, blocked: 1, challenged: 1 }, 'another user agent on the address, and the user agent on another address, are not covered');
  t.deepEqual(row?.mitigated_by, [{ action: 'block', detector: 'heuristics', requests: 1 }, { action: 'challenge', detector: 'volumetric', requests: 1 }]);
  const { aggregator: tie } = make();
  tie.observeVerdicts([verdict('ip:192.0.2.1', 'block', T0), verdict('ipua:192.0.2.1 curl/8.0', 'block', T0, 60_000, [{ id: 'heuristics', score: 5, evidence: {} }])]);
  tie.absorb(items([{ timestamp_ms: T0 + 1_000 }]), WALL);
  t.deepEqual(rowsOf(tie.flush(WALL))[0]?.mitigated_by, [{ action: 'block', detector: 'heuristics', requests: 1 }]);
});

test('verdict replacement follows the store: stronger wins, a weaker one never replaces an active stronger one', (t) => {
  const { aggregator } = make();
  aggregator.observeVerdicts([verdict('ip:192.0.2.1', 'challenge', T0, 600_000), verdict('ip:192.0.2.1', 'block', T0 + 1_000, 600_000), verdict('ip:192.0.2.1', 'log', T0 + 2_000, 6_000_000)]);
  aggregator.absorb(items([{ timestamp_ms: T0 + 30_000 }]), WALL);
  t.like(rowsOf(aggregator.flush(WALL))[0], { blocked: 1, challenged: 0, logged: 0 });
});

test('a minute closes per partition when its watermark passes the minute end; later events of it are late', (t) => {
  const { aggregator, discarded } = make();
  t.deepEqual(aggregator.absorb(items([{ timestamp_ms: T0 + 5_000 }, { timestamp_ms: T0 + 119_999 }]), WALL), []);
  t.deepEqual(aggregator.absorb(items([{ timestamp_ms: T0 + 59_000 }], 'events/1'), WALL), []);
  const closed = aggregator.absorb(items([{ timestamp_ms: T0 + 120_000 }], 'events/0', 2), WALL);
  t.deepEqual(rowsOf(closed).map((row) => [row.minute, row.source_partition, row.requests]), [['2024-05-01T12:00:00.000Z', 'events/0', 1]]);
  t.deepEqual(aggregator.absorb(items([{ timestamp_ms: T0 + 30_000 }], 'events/0', 3), WALL), []);
  t.is(discarded.get('late'), 1);
  aggregator.absorb(items([{ timestamp_ms: T0 + 30_000 }], 'events/1', 1), WALL);
  t.is(discarded.get('late'), 1, 'the other partition still has minute 0 open');
  const rest = rowsOf(aggregator.flush(WALL)).map((row) => `${row.minute} ${row.source_partition} ${row.requests}`).sort();
  t.deepEqual(rest, ['2024-05-01T12:00:00.000Z events/1 2', '2024-05-01T12:01:00.000Z events/0 1', '2024-05-01T12:02:00.000Z events/0 1']);
});

test('a quiet partition closes by the wall clock, extrapolated from its own last event', (t) => {
  const { aggregator } = make();
  aggregator.absorb(items([{ timestamp_ms: T0 + 5_000 }]), WALL);
  // watermark = last event + quiet time − lateness; minute 0 ends at T0 + 60 s.
  t.deepEqual(aggregator.advance(WALL + 114_999), []);
  t.is(aggregator.advance(WALL + 115_000).length, 1);
  // Control: a backlog far behind the wall clock is not closed wholesale by `now − lateness`.
  aggregator.absorb(items([{ timestamp_ms: T0 + 300_000 }, { timestamp_ms: T0 + 330_000 }], 'events/2'), WALL + 200_000);
  t.deepEqual(aggregator.advance(WALL + 201_000), []);
});

test('row_id is a deterministic hash of minute, host, class and partition', (t) => {
  const run = () => {
    const { aggregator } = make();
    aggregator.absorb(items([{ bot_score: 1 }, { host: 'api.example' }]), WALL);
    aggregator.absorb(items([{ bot_score: 1 }], 'events/1'), WALL);
    return rowsOf(aggregator.flush(WALL)).map((row) => row.row_id).sort();
  };
  const first = run();
  t.deepEqual(run(), first);
  t.is(new Set(first).size, 3);
  t.true(first.includes(trafficRowId(T0, 'shop.example', 'automated', 'events/1')));
  t.regex(first[0] ?? '', /^[0-9a-f]{32}$/);
});

test('a retried batch is not counted twice: offsets at or below the highest absorbed are skipped', (t) => {
  const { aggregator, discarded } = make();
  const batch = items(Array.from({ length: 10 }, () => ({})));
  aggregator.absorb(batch, WALL);
  aggregator.absorb(batch, WALL);
  aggregator.absorb(items(Array.from({ length: 10 }, () => ({})), 'events/0', 5), WALL);
  t.is(rowsOf(aggregator.flush(WALL))[0]?.requests, 15);
  t.is(discarded.get('duplicate'), 15);
});

test('top subjects: the heaviest IPs of the row with their action, from a bounded sketch', (t) => {
  const { aggregator } = make();
  aggregator.observeVerdicts([verdict('ip:203.0.113.9', 'challenge', T0, 120_000)]);
  const events: Parameters<typeof trafficItem>[1][] = [];
  for (let i = 0; i < 300; i += 1) events.push({ timestamp_ms: T0 + i, ip: `198.51.100.${i % 250}` });
  for (let i = 0; i < 40; i += 1) events.push({ timestamp_ms: T0 + 1_000 + i, ip: '203.0.113.9' });
  for (let i = 0; i < 25; i += 1) events.push({ timestamp_ms: T0 + 2_000 + i, ip: '203.0.113.10' });
  aggregator.absorb(items(events), WALL);
  const [row] = rowsOf(aggregator.flush(WALL));
  t.is(row?.top_subjects.length, 10);
  t.deepEqual(row?.top_subjects.slice(0, 2).map((s) => [s.subject, s.action]), [['ip:203.0.113.9', 'challenge'], ['ip:203.0.113.10', 'allow']]);
  // Space-saving overestimates by at most what the sketch held before; never underestimates.
  t.true((row?.top_subjects[0]?.requests ?? 0) >= 40);
  t.true((row?.top_subjects[1]?.requests ?? 0) >= 25);
});

test('open rows are capped: new hosts past the cap fold into (other), counted', (t) => {
  const { aggregator, discarded } = make({ max_open_rows: 3 });
  aggregator.absorb(items(Array.from({ length: 10 }, (_, i) => ({ host: `h${i}.example` }))), WALL);
  t.is(aggregator.openRows(), 4);
  const rows = rowsOf(aggregator.flush(WALL));
  t.deepEqual(rows.map((row) => [row.host, row.requests]), [['h0.example', 1], ['h1.example', 1], ['h2.example', 1], [OVERFLOW_HOST, 7]]);
  t.is(discarded.get('row_cap'), 7);
  t.is(aggregator.openRows(), 0);
});

test('the verdict map is capped, evicting the verdicts that expire soonest', (t) => {
  const { aggregator, discarded } = make({ max_verdicts: 8 });
  aggregator.observeVerdicts(Array.from({ length: 100 }, (_, i) => verdict(`ip:81.2.69.${i}`, 'block', T0, 60_000 + i)));
  t.true(aggregator.verdictSubjects() <= 8);
  t.true((discarded.get('verdict_evicted') ?? 0) >= 92);
  aggregator.absorb(items([{ ip: '81.2.69.99' }, { ip: '81.2.69.0' }]), WALL);
  t.like(rowsOf(aggregator.flush(WALL))[0], { requests: 2, blocked: 1 }, 'the longest-lived verdict survived');
});

test('invalid and far-future events are discarded, counted', (t) => {
  const { aggregator, discarded } = make();
  aggregator.absorb([
    trafficItem(0, { timestamp_ms: Number.NaN }),
    trafficItem(1, { timestamp_ms: WALL + 300_001 }),
    { source_partition: 'events/0', offset: 2, rebuild: false, event: null as never },
    trafficItem(3, {}),
  ], WALL);
  t.is(discarded.get('invalid'), 2);
  t.is(discarded.get('future'), 1);
  t.is(rowsOf(aggregator.flush(WALL))[0]?.requests, 1);
});

test('rebuild after a restart: minutes the previous run emitted are not emitted again, open ones come out whole', (t) => {
  // 40 events over 4 minutes, 10 per minute, one partition.
  const all = items(Array.from({ length: 40 }, (_, i) => ({ timestamp_ms: T0 + Math.floor(i / 10) * 60_000 + (i % 10) * 1_000 })));
  const { aggregator: reference } = make({ allowed_lateness_ms: 30_000 });
  const expected = rowsOf([...reference.absorb(all, WALL), ...reference.flush(WALL)]);
  // The previous run committed offsets 0..34 and emitted what closed by then.
  const { aggregator: previous } = make({ allowed_lateness_ms: 30_000 });
  const emitted = rowsOf(previous.absorb(all.slice(0, 35), WALL));
  t.deepEqual(emitted.map((row) => row.minute), ['2024-05-01T12:00:00.000Z', '2024-05-01T12:01:00.000Z']);
  // The new run re-reads from offset 15 (inside minute 1, which it cannot rebuild whole) and goes on.
  const { aggregator: restarted, discarded } = make({ allowed_lateness_ms: 30_000 });
  const rebuilt = all.slice(15, 35).map((item) => ({ ...item, rebuild: true }));
  const after = rowsOf([...restarted.absorb(rebuilt, WALL), ...restarted.absorb(all.slice(35), WALL), ...restarted.flush(WALL)]);
  t.deepEqual(after.map((row) => row.minute), ['2024-05-01T12:02:00.000Z', '2024-05-01T12:03:00.000Z']);
  t.is(discarded.get('already_emitted'), 1, 'the partial copy of minute 1 was suppressed');
  const strip = (row: TrafficRow) => ({ ...row, inserted_at: '' });
  t.deepEqual([...emitted, ...after].map(strip), expected.map(strip));
});

test('open offsets tell where to re-read from; revoked partitions are dropped without emitting', (t) => {
  const { aggregator } = make();
  aggregator.absorb(items([{ timestamp_ms: T0 }, { timestamp_ms: T0 + 61_000 }], 'events/0', 7), WALL);
  aggregator.absorb(items([{ timestamp_ms: T0 }], 'events/1', 3), WALL);
  t.deepEqual([...aggregator.openOffsets()].sort(), [['events/0', 7], ['events/1', 3]]);
  aggregator.revoke(['events/0']);
  t.deepEqual(rowsOf(aggregator.flush(WALL)).map((row) => row.source_partition), ['events/1']);
});

test('a verified bot or safelisted client inside a population a verdict covers is not counted as mitigated', (t) => {
  const { aggregator } = make();
  aggregator.observeVerdicts([verdict('asn:64500', 'block', T0, 600_000)]);
  aggregator.absorb(items([
    { timestamp_ms: T0 + 1_000, asn: 64500, bot_score: 1 },
    { timestamp_ms: T0 + 2_000, asn: 64500, verified_bot_category: 'Search Engine Crawler', bot_score: 95, bot_score_src: 'Verified Bot' },
    { timestamp_ms: T0 + 3_000, asn: 64500, ip: '10.1.2.3', bot_score: 1 },
  ]), WALL);
  const rows = byClass(rowsOf(aggregator.flush(WALL)));
  t.like(rows.get('automated'), { requests: 2, blocked: 1 }, 'the private-range client is exempt, the other blocked');
  t.like(rows.get('verified_bot'), { requests: 1, blocked: 0 }, 'the verified crawler is exempt');
});
