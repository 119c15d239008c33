/**
 * The simulator's contract: deterministic, Logpush lines that ingest parses, event-time order
 * within the jitter, every class present, and the properties each population exists to show
 * (rotating IPs never reused, crawlers inside their ranges, no Bot Management fields without it).
 * Population behaviour (flood step, origin load, humans' assets) is in populations.test.ts.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { parseLogpushLine } from '@botsieve/ingest';
import { parseIPv4 } from '@botsieve/core';
import { BUILT_IN_CRAWLER_RANGES, ipv4Cidr, simulatedCrawlerRanges, type Cidr } from './addresses.js';
import { TRAFFIC_CLASSES, defaultScenario, type ScenarioOptions } from './scenario.js';
import { simulate } from './simulate.js';
import { run, smallRun } from './test-support.js';

const BOT_MANAGEMENT_FIELDS = ['BotScore', 'BotScoreSrc', 'VerifiedBotCategory', 'JA4', 'JA3Hash', 'BotTags'];

function digest(seed: number): string {
  const hash = createHash('sha256');
  for (const { record, label } of simulate(defaultScenario({ seed, duration_s: 60, scale: 0.1 }))) hash.update(JSON.stringify(record)).update(JSON.stringify(label));
  return hash.digest('hex');
}

function fullDigest(options: ScenarioOptions): { requests: number; sha256: string } {
  const hash = createHash('sha256');
  let requests = 0;
  for (const { record, label } of simulate(defaultScenario(options))) {
    hash.update(JSON.stringify(record)).update(JSON.stringify(label));
    requests += 1;
  }
  return { requests, sha256: hash.digest('hex') };
}

/** SHA-256 of the Googlebot and Bingbot IPv4 ranges `crawlers.json` held when the README's report was measured. */
const README_CRAWLER_RANGES = '31faceedf1f17ed92ab273afca96b5147a11d6e33f1a25a0900ed49142cf6cf8';

// Golden: the default scenario (seed 1, 10 minutes, scale 1) is what the README's quality report
// is measured on, and worlds were added without moving one byte of it. Pinned with the built-in
// crawler ranges (so a change of the ranges file does not break it), and with the ranges file as
// long as its Googlebot and Bingbot ranges are the ones the README was measured with.
test('golden: the default scenario, seed 1, is byte for byte what the README measured', (t) => {
  t.deepEqual(fullDigest({ seed: 1, crawler_ranges: { ...BUILT_IN_CRAWLER_RANGES } }), { requests: 807_939, sha256: '294c28297237616cd39e2be5b79e8ae7494fbca991526f49c01a479fad425e12' });
  const ranges = simulatedCrawlerRanges();
  const rangesDigest = createHash('sha256').update(JSON.stringify([ranges.googlebot, ranges.bingbot])).digest('hex');
  if (rangesDigest !== README_CRAWLER_RANGES) {
    t.log(`crawler ranges changed (${ranges.source}): the README figures will differ; the built-in-ranges golden above still holds`);
    return;
  }
  t.deepEqual(fullDigest({ seed: 1, crawler_ranges: ranges }), { requests: 829_020, sha256: 'f5181c236724a8273433846619de2f814c05822c11ab2f571bda2728e540dc0e' });
});

test('the same seed gives byte-identical output; another seed does not', (t) => {
  t.is(digest(7), digest(7));
  t.not(digest(7), digest(8));
});

test('every line parses with ingest, and the fields arrive as botsieve reads them', (t) => {
  const { requests, scenario } = smallRun();
  for (const { record } of requests) {
    const parsed = parseLogpushLine(JSON.stringify(record), 'replay');
    if (!parsed.ok) return t.fail(`${parsed.reason}: ${parsed.detail}`);
  }
  const first = requests[0];
  if (first === undefined) return t.fail('no requests');
  const parsed = parseLogpushLine(JSON.stringify(first.record), 'replay');
  if (!parsed.ok) return t.fail();
  const event = parsed.event;
  t.is(event.ray_id, first.record.RayID);
  t.is(event.timestamp_ms * 1e6, first.record.EdgeStartTimestamp);
  t.is(event.host, scenario.host);
  t.not(event.bot_score, null);
  t.not(event.ja4, null);
  t.true(Array.isArray(event.bot_tags));
  t.true(event.timestamp_ms >= scenario.start_ms && event.timestamp_ms < scenario.start_ms + scenario.duration_s * 1_000);
});

test('RayIDs are unique and labels match records one to one, in order', (t) => {
  const { requests } = smallRun();
  const rays = new Set<string>();
  for (const { record, label } of requests) {
    t.is(label.RayID, record.RayID);
    rays.add(record.RayID);
  }
  t.is(rays.size, requests.length);
  t.regex(requests[0]?.record.RayID ?? '', /^[0-9a-f]{16}$/);
});

test('output is in event-time order within the jitter (well under 2 s)', (t) => {
  const { requests, scenario } = smallRun();
  let newest = 0;
  let worst = 0;
  for (const { record } of requests) {
    const ts = record.EdgeStartTimestamp / 1e6;
    worst = Math.max(worst, newest - ts);
    newest = Math.max(newest, ts);
  }
  t.true(worst <= scenario.jitter_ms, `out of order by ${worst} ms`);
  t.true(scenario.jitter_ms < 2_000);
});

test('every class is present, with plausible shares', (t) => {
  const { counts, requests } = smallRun();
  for (const cls of TRAFFIC_CLASSES) t.true((counts.get(cls) ?? 0) > 0, `${cls} missing`);
  const total = requests.length;
  const flood = counts.get('l7_flood') ?? 0;
  const normal = total - flood;
  const humans = (counts.get('human') ?? 0) + (counts.get('human_shared_ip') ?? 0);
  // 30 s of flood at 30× the peak dwarfs two minutes of everything else.
  t.true(flood / total > 0.8, `flood ${flood}/${total}`);
  // Outside the flood, humans make most of the traffic; crawlers are next.
  t.true(humans / normal > 0.7, `humans ${humans}/${normal}`);
  const crawler = counts.get('verified_crawler') ?? 0;
  t.true(crawler / normal > 0.02 && crawler / normal < 0.1, `verified_crawler ${crawler}/${normal}`);
  for (const cls of ['scraper_rotating', 'credential_stuffing', 'scraper', 'fake_googlebot'] as const) t.true((counts.get(cls) ?? 0) / normal < 0.05, cls);
});

test('the rotating scraper never uses an address twice, nor one any other class used', (t) => {
  const { requests } = smallRun();
  const seen = new Map<string, string>();
  const rotating = new Set<string>();
  let count = 0;
  for (const { record, label } of requests) {
    if (label.class === 'scraper_rotating') {
      count += 1;
      t.false(rotating.has(record.ClientIP), `reused ${record.ClientIP}`);
      rotating.add(record.ClientIP);
    }
    const owner = seen.get(record.ClientIP);
    if (owner !== undefined && owner !== label.class) t.fail(`${record.ClientIP} used by ${owner} and ${label.class}`);
    seen.set(record.ClientIP, label.class);
  }
  t.true(count > 100);
  t.is(rotating.size, count);
});

test('verified crawlers come from inside the published ranges; fake Googlebots from outside', (t) => {
  const { requests } = smallRun();
  const ranges = simulatedCrawlerRanges();
  // [first, last] pairs, and one conversion per address: 135k requests × 190 ranges otherwise.
  const spans = (list: readonly string[]): number[][] =>
    list.map((text) => ipv4Cidr(text)).filter((cidr): cidr is Cidr => cidr !== null).map((cidr) => [cidr.base, cidr.base + 2 ** (32 - cidr.bits) - 1]);
  const google = spans(ranges.googlebot);
  const bing = spans(ranges.bingbot);
  const inside = (list: number[][], ip: string): boolean => {
    const value = parseIPv4(ip);
    return list.some(([first, last]) => value >= (first as number) && value <= (last as number));
  };
  let crawler = 0;
  for (const { record, label } of requests) {
    if (label.class === 'verified_crawler') {
      crawler += 1;
      const ua = record.ClientRequestUserAgent;
      t.true(ua.includes('Googlebot') ? inside(google, record.ClientIP) : inside(bing, record.ClientIP), `${record.ClientIP} ${ua}`);
      t.is(record.VerifiedBotCategory, 'Search Engine Crawler');
      t.is(record.BotScoreSrc, 'Verified Bot');
      t.is(record.BotScore, 1);
      t.is(record.ClientASN, ua.includes('Googlebot') ? 15169 : 8075);
    } else {
      t.false(inside(google, record.ClientIP) || inside(bing, record.ClientIP), `${label.class} at ${record.ClientIP}`);
    }
    if (label.class === 'fake_googlebot') {
      t.regex(record.ClientRequestUserAgent, /Googlebot/);
      t.is(record.VerifiedBotCategory, '');
    }
  }
  t.true(crawler > 100);
});

test('without Bot Management the same traffic carries none of its fields', (t) => {
  const withBm = run(defaultScenario({ seed: 3, duration_s: 40, scale: 0.1 }));
  const without = run(defaultScenario({ seed: 3, duration_s: 40, scale: 0.1, bot_management: false }));
  t.is(without.requests.length, withBm.requests.length);
  for (const { record } of without.requests) {
    for (const field of BOT_MANAGEMENT_FIELDS) if (field in record) return t.fail(`${field} present`);
    const parsed = parseLogpushLine(JSON.stringify(record), 'replay');
    if (!parsed.ok || parsed.event.bot_score !== null || parsed.event.ja4 !== null || parsed.event.bot_tags !== null) return t.fail('parsed with BM fields');
  }
  // Same requests otherwise: only the Bot Management fields differ.
  const strip = (record: object): string => JSON.stringify(Object.fromEntries(Object.entries(record).filter(([key]) => !BOT_MANAGEMENT_FIELDS.includes(key) && key !== 'RayID')));
  t.is(strip(without.requests[100]?.record ?? {}), strip(withBm.requests[100]?.record ?? {}));
});

test('a scenario can be restricted to some classes', (t) => {
  const scenario = { ...defaultScenario({ seed: 2, duration_s: 30, scale: 0.1 }), classes: ['brute_force', 'probe'] as const };
  const { counts } = run(scenario);
  t.deepEqual([...counts.keys()].sort(), ['brute_force', 'probe']);
});
