import test from 'ava';
import type { RequestEvent } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import { parseDetectConfig } from '../config.js';
import { makeEvent } from '../test-support/events.js';
import { createReplay } from './replay.js';

const T0 = 1_700_000_000_000;
const config = parseDetectConfig({
  allowed_lateness_ms: 1_000,
  detectors: [{ type: 'request-rate', id: 'ip-flood', config: { ttl_ms: 5_000, reemit_before_expiry_ms: 1_000, subjects: { ip: { log_requests: null, challenge_requests: 3, block_requests: 5 }, prefix: { enabled: false } } } }],
});

function events(): RequestEvent[] {
  const out: RequestEvent[] = [];
  for (let i = 0; i < 6; i++) out.push(makeEvent({ ray_id: `r${i}`, ip: '192.0.2.1', timestamp_ms: T0 + i * 100 }));
  out.push(makeEvent({ ray_id: 'other', ip: '192.0.2.2', timestamp_ms: T0 + 700 }));
  out.push(makeEvent({ ray_id: 'after-ttl', ip: '192.0.2.1', timestamp_ms: T0 + 400 + 5_000 + 10_000 }));
  return out;
}

test('push annotates each event from verdicts issued before it, in input order', (t) => {
  const replay = createReplay(config, nullTelemetry());
  const results = events().map((event) => replay.push(event));
  t.deepEqual(
    results.map((r) => [r.annotation.RayID, r.annotation.action, r.verdicts.map((v) => v.action).join(',')]),
    [
      ['r0', 'allow', ''],
      ['r1', 'allow', ''],
      ['r2', 'allow', 'challenge'],
      ['r3', 'challenge', ''],
      ['r4', 'challenge', 'block'],
      ['r5', 'block', ''],
      ['other', 'allow', ''],
      ['after-ttl', 'allow', ''],
    ],
  );
  t.deepEqual(results[5]?.annotation.reasons, ['ip-flood']);
  t.is(results[5]?.annotation.subject, 'ip:192.0.2.1');
  t.deepEqual(replay.finish(), []);
  t.is(replay.host.stateSize().keys, 0);
});

test('annotation lines keep their exact shape and key order', (t) => {
  const replay = createReplay(config, nullTelemetry());
  const lines = events().map((event) => JSON.stringify(replay.push(event).annotation));
  t.is(lines[0], '{"RayID":"r0","action":"allow","score":null,"subject":null,"reasons":[]}');
  t.is(lines[5], '{"RayID":"r5","action":"block","score":10,"subject":"ip:192.0.2.1","reasons":["ip-flood"]}');
});

test('replay is deterministic: same input, same verdicts and ids', (t) => {
  const run = () => {
    const replay = createReplay(config, nullTelemetry());
    return events().flatMap((event) => {
      const { verdicts, annotation } = replay.push(event);
      return [JSON.stringify(annotation), ...verdicts.map((v) => JSON.stringify(v))];
    });
  };
  t.deepEqual(run(), run());
});
