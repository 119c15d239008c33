import test from 'ava';
import { z } from 'zod';
import { LoginSurge, loginSurgeSchema } from './login-surge.js';

const T0 = 1_700_000_000_000;
const schema = loginSurgeSchema({ prior_share: 0.15, min_short_excess: 8, min_long_excess: 20 });
const surge = (raw: z.input<typeof schema> = {}) => new LoginSurge(schema.parse(raw));

/** `perMinute` logins spread evenly over `minutes` from `start`, `share` of them failing. */
function logins(s: LoginSurge, start: number, minutes: number, perMinute: number, share: number): boolean[] {
  const states: boolean[] = [];
  const gap = 60_000 / perMinute;
  let failed = 0;
  for (let i = 0; i < minutes * perMinute; i++) {
    const ts = start + i * gap;
    // Deterministic: a failure whenever the running share falls below `share`.
    const fail = failed < share * (i + 1);
    if (fail) failed += 1;
    s.add(ts, 1, fail ? 1 : 0);
    states.push(s.surging(ts));
  }
  return states;
}

test('customers failing their usual share never surge, at any volume: a spike of 4× the logins is no surge', (t) => {
  const s = surge();
  t.false(logins(s, T0, 60, 20, 0.15).some(Boolean));
  t.false(logins(s, T0 + 3_600_000, 10, 80, 0.15).some(Boolean), 'four times the logins, the same share failing');
  t.true(Math.abs(s.share() - 0.15) < 0.01);
});

test('cold start: the prior judges the first minutes; a run of failures surges within seconds', (t) => {
  const s = surge();
  // 10 failed attempts in 5 s with no history: excess 10 − 0.15 × 10 = 8.5 ≥ 8.
  let at = -1;
  for (let i = 0; i < 10; i++) {
    s.add(T0 + i * 500, 1, 1);
    if (at < 0 && s.surging(T0 + i * 500)) at = i;
  }
  t.is(at, 9);
  const evidence: Record<string, number> = {};
  s.evidence(evidence);
  t.like(evidence, { route_attempts: 10, route_failures: 10, route_excess: 8.5, route_baseline_share: 0.15, route_learnt_attempts: 0 });
});

test('the share is learnt from the route, so a shop whose customers fail 40 % needs more to surge, one whose customers never fail less', (t) => {
  const high = surge();
  const low = surge();
  logins(high, T0, 60, 30, 0.4);
  logins(low, T0, 60, 30, 0.02);
  t.true(high.share() > 0.35);
  t.true(low.share() < 0.05);
  // The same run on both: 12 failures in 30 s beside the usual traffic.
  const after = T0 + 3_600_000;
  for (const s of [high, low]) {
    logins(s, after, 1, 30, s === high ? 0.4 : 0.02);
    for (let i = 0; i < 12; i++) s.add(after + 60_000 + i * 2_500, 1, 1);
  }
  t.false(high.surging(after + 90_000));
  t.true(low.surging(after + 90_000));
});

test('a surge is hardly learnt: a sustained low-rate campaign stays a surge for hours', (t) => {
  const s = surge();
  logins(s, T0, 60, 20, 0.1);
  // Customers as usual plus 4 failed attempts a minute (a low-rate campaign: never 8 in a minute
  // above the usual, so only the long window sees it), for 3 hours.
  const states: boolean[] = [];
  for (let minute = 0; minute < 180; minute++) {
    const start = T0 + 3_600_000 + minute * 60_000;
    logins(s, start, 1, 20, 0.1);
    for (let k = 0; k < 4; k++) s.add(start + 10_000 + k * 12_000, 1, 1);
    states.push(s.surging(start + 59_000));
  }
  t.false(states[0], 'a minute of it is no surge');
  // Its first minutes are learnt in full until the long window sees it (0.105 → 0.127), then at
  // a tenth: a surge for over two hours, until what it taught (the share nears 0.16) makes it
  // ordinary.
  t.true(states.slice(10, 140).every(Boolean), 'on once the long window holds the excess, for two hours');
});

test('the surge holds for hold_ms after its condition was last seen, then the route is learnt again', (t) => {
  const s = surge({ hold_ms: 120_000 });
  for (let i = 0; i < 20; i++) s.add(T0 + i * 1_000, 1, 1);
  t.true(s.surging(T0 + 20_000));
  // The run stopped: the short window empties after a minute; the long one still holds the 20
  // failures (excess 17 < 20), so only the hold is left: 120 s after it was last seen at 20 s.
  t.true(s.surging(T0 + 140_000));
  t.false(s.surging(T0 + 141_000));
  // The run's buckets counted a tenth (2 attempts, 2 failures beside the prior's 100 at 15 %).
  t.is(Math.round(s.share() * 1_000), 167);
});

test('cold start in a shop whose customers fail 30 % (a 15 % prior): its own share is learnt, no surge', (t) => {
  const s = surge();
  t.false(logins(s, T0, 90, 20, 0.3).some(Boolean));
  t.true(s.share() > 0.28, `share ${s.share()}`);
  // Even at once, 60 logins a minute from the start: the excess stays within z deviations.
  const busy = surge();
  t.false(logins(busy, T0, 30, 60, 0.3).some(Boolean));
});

test('late contributions within the long window count; older ones are dropped and counted', (t) => {
  const s = surge();
  s.add(T0 + 700_000, 1, 0);
  s.add(T0 + 650_000, 1, 1);
  s.add(T0, 1, 1);
  t.is(s.late, 1);
  const evidence: Record<string, number> = {};
  s.surging(T0 + 700_000);
  s.evidence(evidence);
  t.like(evidence, { route_attempts: 2, route_failures: 1, route_long_attempts: 2 });
});

test('config: windows must be whole buckets, the short one within the long one', (t) => {
  t.throws(() => schema.parse({ short_window_ms: 7_000 }));
  t.throws(() => schema.parse({ short_window_ms: 600_000, long_window_ms: 300_000 }));
  t.like(schema.parse({}), { bucket_ms: 5_000, short_window_ms: 60_000, long_window_ms: 600_000, z: 4, prior_attempts: 100, hold_ms: 120_000 });
});
