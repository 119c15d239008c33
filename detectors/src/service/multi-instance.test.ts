/**
 * Several detector instances sharing partitioned topics (embedded bus, the same consumer-group
 * semantics as Kafka):
 * - an attack spread over every partition (one JA4, each IP used once) is caught by the
 *   aggregation stage as if one instance saw it all — and, as the control, missed when each
 *   instance aggregates only its own share;
 * - an instance killed mid-attack: the partition's new owner rebuilds its windows from the
 *   retained events and still decides — and, as the control, does not without the rebuild.
 */
import test from 'ava';
import type { RequestEvent } from '@botsieve/core';
import { parseDetectConfig } from '../config.js';
import { makeEvent } from '../test-support/events.js';
import { Instances, until } from '../test-support/instances.js';
import { stableHash } from '@botsieve/bus';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const JA4 = 't13d1812h1_85036bcba153_b26ce05bbdd6';
const PARTITIONS = 6;

function config(extra: Record<string, unknown> = {}) {
  return parseDetectConfig({
    ...extra,
    detectors: [
      {
        type: 'volumetric',
        id: 'volumetric',
        config: {
          baseline: { enabled: false },
          subjects: {
            ip: { challenge_requests: 200, block_requests: 300, scale_by_humans: false },
            prefix: { enabled: false },
            ja4: { enabled: true, challenge_requests: 200, block_requests: 300 },
          },
        },
      },
    ],
  });
}

/** `count` requests from `count` distinct public IPs (each used once), one JA4, over ~4 s. */
function rotating(count: number): RequestEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const ip = `45.${(i >> 8) & 255}.${i & 255}.${(i * 7) % 250 + 1}`;
    return makeEvent({ ray_id: `rot-${i}`, ip, asn: 0, timestamp_ms: T0 + i * 10, ja4: JA4, path: `/product/${i}`, user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0' });
  });
}

test('an attack spread over every partition is judged whole by the aggregation stage', async (t) => {
  const cluster = new Instances(PARTITIONS);
  t.teardown(() => cluster.close());
  const detect = config({ aggregation: 'bus' });
  await cluster.start(detect, 'aggregate', 2);
  const partitionStage = await cluster.start(detect, 'partition', 3);
  await cluster.send(rotating(400));
  await cluster.settled(detect.group_id);
  await until(() => cluster.verdicts.some((v) => v.subject === `ja4:${JA4}` && v.action === 'block'), 'a block verdict for the JA4');

  const owners = partitionStage.filter((s) => s.stats().events > 0).length;
  t.true(owners >= 2, `the events were split over the instances (${owners} saw some)`);
  t.true(partitionStage.every((s) => s.stats().events < 300), 'no single instance saw enough to decide alone');
  const verdict = cluster.verdicts.find((v) => v.subject === `ja4:${JA4}` && v.action === 'block');
  const requests = verdict?.detectors[0]?.evidence.requests ?? 0;
  const largestShare = Math.max(...partitionStage.map((s) => s.stats().events));
  t.true(requests >= 300 && requests > largestShare, `the evidence (${requests} requests) counts more than any one instance saw (${largestShare})`);
  t.false(cluster.verdicts.some((v) => v.subject.startsWith('ip:')), 'no IP was judged: each was used once');
});

test('control: instances that aggregate only their own share miss the spread attack', async (t) => {
  const cluster = new Instances(PARTITIONS);
  t.teardown(() => cluster.close());
  const detect = config({ aggregation: 'local' });
  await cluster.start(detect, 'all', 3);
  await cluster.send(rotating(400));
  await cluster.settled(detect.group_id);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.is(cluster.eventsSeen(), 400);
  t.false(cluster.verdicts.some((v) => v.subject === `ja4:${JA4}`), 'no instance saw enough of the JA4');
});

const ATTACKER = '81.2.69.160';

/** The attacker's requests from `from` on, 20 per second of event time, among background traffic. */
function attack(count: number, from: number, startMs: number): RequestEvent[] {
  const events: RequestEvent[] = [];
  for (let i = 0; i < count; i++) {
    const ts = startMs + (from + i) * 25;
    events.push(makeEvent({ ray_id: `atk-${from + i}`, ip: ATTACKER, asn: 0, timestamp_ms: ts, path: '/search' }));
    if (i % 10 === 0) events.push(makeEvent({ ray_id: `bg-${from + i}`, ip: `31.13.${i & 255}.${(i >> 8) + 1}`, asn: 0, timestamp_ms: ts, path: '/' }));
  }
  return events;
}

async function killMidAttack(t: import('ava').ExecutionContext, rebuild: boolean): Promise<boolean> {
  const cluster = new Instances(PARTITIONS);
  t.teardown(() => cluster.close());
  const detect = config({ aggregation: 'bus', ...(rebuild ? {} : { rebuild_max_ms: 0 }) });
  await cluster.start(detect, 'aggregate', 1);
  const [a, b] = await cluster.start(detect, 'partition', 2);
  // 250 requests (≥ challenge, < block) before the kill, 100 after: 350 within the 10 s window.
  await cluster.send(attack(250, 0, T0));
  await cluster.settled(detect.group_id);
  await until(() => cluster.verdicts.some((v) => v.subject === `ip:${ATTACKER}` && v.action === 'challenge'), 'the challenge before the kill');
  const owner = `${cluster.bus.topics.events}/${stableHash(ATTACKER) % PARTITIONS}`;
  const victim = [a, b].find((s) => s?.engines().has(owner));
  if (victim === undefined) throw new Error('no instance owns the attacker partition');
  await cluster.kill(victim);
  await cluster.send(attack(100, 250, T0));
  await cluster.settled(detect.group_id);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const survivor = cluster.services.find((s) => s.engines().has(owner));
  t.truthy(survivor, 'the partition moved to the surviving instance');
  return cluster.verdicts.some((v) => v.subject === `ip:${ATTACKER}` && v.action === 'block');
}

test('failover: the new owner rebuilds the windows from the retained events and still blocks', async (t) => {
  t.true(await killMidAttack(t, true), 'blocked after the failover: 250 + 100 requests in one window');
});

test('control: without the rebuild the new owner starts empty and never reaches the block threshold', async (t) => {
  t.false(await killMidAttack(t, false), 'only the 100 requests after the failover were counted');
});
