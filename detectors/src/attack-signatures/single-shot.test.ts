/**
 * End to end through the engine, fusion and the causal annotator (`replay --annotate`): a request
 * that gives itself away acts on its address from the next request on, with a short block that
 * grows for repeat offenders; generic automation is only logged; shadow mode reports without
 * acting. Default config, so this is what `botsieve start` does.
 */
import test from 'ava';
import type { RequestEvent } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import { parseDetectConfig } from '../config.js';
import { createReplay } from '../replay/replay.js';
import { makeEvent } from '../test-support/events.js';

const T0 = 1_700_000_000_000;
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
let ray = 0;
const request = (ip: string, ts: number, target: string, extra: Partial<RequestEvent> = {}): RequestEvent => {
  const q = target.indexOf('?');
  return makeEvent({ ray_id: `r${++ray}`, ip, timestamp_ms: ts, host: 'shop.example', path: q === -1 ? target : target.slice(0, q), uri: target, user_agent: CHROME, status: 404, ...extra });
};

test('the default detector list runs both new detectors after heuristics', (t) => {
  const types = parseDetectConfig({}).detectors.map((d) => d.type);
  t.true(types.includes('attack-signatures') && types.includes('address-bursts'));
  t.true(types.indexOf('heuristics') < types.indexOf('attack-signatures'));
});

test('one probe blocks its address from the next request on, for 5 minutes; a repeat offender for 10', (t) => {
  const replay = createReplay(parseDetectConfig({}), nullTelemetry());
  const ip = '203.0.113.5';
  const first = replay.push(request(ip, T0, '/.env'));
  t.is(first.annotation.action, 'allow', 'the request that gives it away is not covered by its own verdict');
  t.like(first.verdicts[0], { subject: `ip:${ip}`, action: 'block', ttl_ms: 300_000 });
  t.deepEqual(first.verdicts[0]?.detectors.map((d) => d.id), ['attack-signatures/restricted_file']);
  const next = replay.push(request(ip, T0 + 1_000, '/', { status: 200 }));
  t.like(next.annotation, { action: 'block', subject: `ip:${ip}`, reasons: ['attack-signatures/restricted_file'] });
  t.is(replay.push(request(ip, T0 + 299_000, '/', { status: 200 })).annotation.action, 'block');
  t.is(replay.push(request(ip, T0 + 301_000, '/', { status: 200 })).annotation.action, 'allow', 'expired');
  const again = replay.push(request(ip, T0 + 400_000, '/?id=1+union+select+1,2'));
  t.like(again.verdicts[0], { action: 'block', ttl_ms: 600_000 });
  t.like(again.verdicts[0]?.detectors.at(-1), { id: 'fusion', evidence: { offences: 2, ttl_multiplier: 2 } });
  t.is(replay.push(request(ip, T0 + 999_000, '/', { status: 200 })).annotation.action, 'block');
});

test('origin-streamed events are judged too: a scanner user agent and a bad request line', (t) => {
  const replay = createReplay(parseDetectConfig({}), nullTelemetry());
  const tool = replay.push(request('203.0.113.6', T0, '/', { user_agent: 'Mozilla/5.0 zgrab/0.x', source: 'events', status: 200 }));
  // zgrab is on isbot's list too: heuristics logs it, the attack-tool signal escalates to a block.
  t.deepEqual(tool.verdicts.map((v) => [v.action, v.ttl_ms]), [['log', 120_000], ['block', 300_000]]);
  t.true(tool.verdicts[1]?.detectors.some((d) => d.id === 'attack-signatures/attack_tool'));
  const proxy = replay.push(request('203.0.113.7', T0 + 1, 'http://proxy-judge.example/azenv.php', { source: 'stream', status: 400 }));
  t.deepEqual(proxy.verdicts.map((v) => [v.action, v.detectors[0]?.id, v.detectors[0]?.evidence.signature]), [['block', 'attack-signatures/protocol', 504]]);
});

test('curl and python-requests are logged by heuristics, never blocked by the new detectors', (t) => {
  const replay = createReplay(parseDetectConfig({}), nullTelemetry());
  for (const [i, ua] of ['curl/8.4.0', 'python-requests/2.31.0', 'Go-http-client/1.1'].entries()) {
    const result = replay.push(request(`198.51.100.${i + 1}`, T0 + i, '/products/red-dress', { user_agent: ua, status: 200 }));
    t.deepEqual(result.verdicts.map((v) => [v.action, v.detectors.map((d) => d.id).join()]), [['log', 'heuristics/automation_ua']], ua);
  }
});

test('a fuzzer is blocked within a second of starting, by address-bursts, before any window closes', (t) => {
  const replay = createReplay(parseDetectConfig({}), nullTelemetry());
  const annotations: string[] = [];
  let blockedAt = -1;
  for (let i = 0; i < 40; i++) {
    const { verdicts, annotation } = replay.push(request('203.0.113.8', T0 + i * 40, `/${['a', 'b', 'c'][i % 3]}${i}`, { user_agent: CHROME }));
    annotations.push(annotation.action);
    if (blockedAt === -1 && verdicts.some((v) => v.action === 'block')) blockedAt = i;
  }
  t.is(blockedAt, 19);
  t.is(annotations[20], 'block');
});

test('shadow mode: the signals become log verdicts of their own, nothing is enforced', (t) => {
  const config = parseDetectConfig({
    detectors: [
      { type: 'attack-signatures', id: 'attack-signatures', mode: 'shadow' },
      { type: 'address-bursts', id: 'address-bursts', mode: 'shadow' },
    ],
  });
  const replay = createReplay(config, nullTelemetry());
  const probe = replay.push(request('203.0.113.9', T0, '/wp-config.php.bak'));
  t.deepEqual(probe.verdicts.map((v) => [v.action, v.score, v.detectors[0]?.id]), [['log', 4, 'attack-signatures/restricted_file']]);
  let last = probe;
  for (let i = 1; i < 30; i++) last = replay.push(request('203.0.113.9', T0 + i * 50, `/x${i}`));
  t.not(last.annotation.action, 'block');
  t.not(last.annotation.action, 'challenge');
});
