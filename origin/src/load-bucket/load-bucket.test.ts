import test from 'ava';
import { ManualClock } from '@botsieve/runtime';
import { VerdictReplica } from '@botsieve/decisions';
import { systemClock } from '@botsieve/runtime';
import { OriginGuard } from '../middleware/origin-guard.js';
import { get, serve } from '../middleware/test-support.js';
import { LoadBucket } from './load-bucket.js';

function bucket(overrides: { delay?: () => number; max_inflight?: number } = {}) {
  const clock = new ManualClock(1_000_000);
  let delay = 0;
  const load = new LoadBucket({ clock, max_inflight: overrides.max_inflight ?? 2, max_event_loop_delay_ms: 50, bot_score_below: 30, rate_per_s: 2, burst: 3, sample_ms: 100, event_loop_delay_ms: overrides.delay ?? (() => delay) });
  return { clock, load, setDelay: (ms: number) => (delay = ms) };
}

test('nothing is limited while the origin is not loaded', (t) => {
  const { load } = bucket();
  for (let i = 0; i < 100; i += 1) t.is(load.admit(1, false), 0);
  t.like(load.stats(), { loaded: false, admitted: 0, limited: 0 });
});

test('under in-flight load, low-score unverified requests share one bucket; people, verified bots and unscored requests never draw', (t) => {
  const { clock, load } = bucket();
  for (let i = 0; i < 3; i += 1) load.enter();
  t.true(load.loaded());
  t.deepEqual([load.admit(5, false), load.admit(10, null), load.admit(29, false)], [0, 0, 0], 'the burst of 3');
  t.is(load.admit(5, false), 1, 'over the bucket: Retry-After 1 s (2 tokens per second)');
  t.is(load.admit(80, false), 0, 'a high score is never limited');
  t.is(load.admit(30, false), 0, 'the threshold is exclusive');
  t.is(load.admit(1, true), 0, 'a verified bot is never limited');
  t.is(load.admit(null, null), 0, 'no score (no Bot Management) is never limited');
  clock.advance(500);
  t.is(load.admit(5, false), 0, 'half a second refills one token');
  t.is(load.admit(5, false), 1);
  t.like(load.stats(), { inflight: 3, loaded: true, admitted: 4, limited: 2 });
  for (let i = 0; i < 3; i += 1) load.leave();
  t.is(load.admit(5, false), 0, 'load gone: no limit');
});

test('event-loop delay over the threshold counts as load, sampled at most every sample_ms', (t) => {
  const { clock, load, setDelay } = bucket();
  setDelay(80);
  t.true(load.loaded());
  setDelay(10);
  t.true(load.loaded(), 'the sample holds until sample_ms passed');
  clock.advance(100);
  t.false(load.loaded());
});

test('the real event-loop monitor sees a blocked loop', async (t) => {
  const load = new LoadBucket({ max_event_loop_delay_ms: 20, sample_ms: 1 });
  t.teardown(() => load.close());
  const end = Date.now() + 120;
  await new Promise<void>((resolve) => setTimeout(resolve, 30));
  while (Date.now() < end) {
    // block the loop
  }
  await new Promise<void>((resolve) => setTimeout(resolve, 30));
  t.true(load.loaded(), `p99 delay ${load.stats().event_loop_delay_ms} ms`);
});

test('through node:http: a loaded origin answers 429 with Retry-After to low-score bots only', async (t) => {
  const { load } = bucket({ delay: () => 500 });
  const guard = new OriginGuard({ source: new VerdictReplica({ clock: systemClock }), address: { cloudflare: ['127.0.0.1/32'] }, load_bucket: load });
  const served = await serve('node:http', guard);
  t.teardown(() => served.close());
  const bot = { 'cf-connecting-ip': '203.0.113.5', 'botsieve-bot-score': '2' };
  const statuses = [];
  for (let i = 0; i < 4; i += 1) statuses.push((await get(served.port, bot)).status);
  t.deepEqual(statuses, [200, 200, 200, 429]);
  const limited = await get(served.port, bot);
  t.is(limited.status, 429);
  t.is(limited.headers['retry-after'], '1');
  t.is((await get(served.port, { 'cf-connecting-ip': '203.0.113.6', 'botsieve-bot-score': '90' })).status, 200);
  t.is(guard.metrics.snapshot().rate_limited, 2);
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.is(load.stats().inflight, 0, 'every request left the in-flight count');
});

test('bad options are ERR_ORIGIN_CONFIG', (t) => {
  t.throws(() => new LoadBucket({ rate_per_s: 0, event_loop_delay_ms: () => 0 }), { code: 'ERR_ORIGIN_CONFIG' });
  t.throws(() => new LoadBucket({ bot_score_below: 1, event_loop_delay_ms: () => 0 }), { code: 'ERR_ORIGIN_CONFIG' });
});
