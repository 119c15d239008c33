/**
 * The loop, measured (issue #12): a flood sent through the origin middleware is blocked by that same
 * middleware, and only the flood. Request records stream from the origin to ingest's /stream, the
 * detectors judge them, the verdict reaches the decision service, its verdict stream feeds the
 * origin's replica, and the guard answers 403.
 *
 * The origin runs in this process with createOriginProtection, in front of the real `botsieve`
 * binary: on the embedded default (every tier in one process; bound: the first 403 within 1 s of
 * wall time from the flood's first request), and on the Kafka mock cluster with separate ingest,
 * detect and decide processes (bound: 2 s). The origin answers a `challenge` with 403
 * (`challenge: 'block'`): it has no edge in front of it that could challenge, and the volumetric
 * detector challenges a flood (100 requests in its window) before it blocks it (300). The figures
 * go to the log (`--verbose`) and to decisions/README.md, "The loop, measured".
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MOCK_KAFKA_EXTRA, startMockKafka } from '@botsieve/testkit';
import { runLoop, startBotsieve, startProtectedOrigin, warmUp, type LoopResult, type ProtectedOrigin } from './test-support/decision-loop.js';

const HUMANS = ['198.51.100.10', '198.51.100.11', '198.51.100.12', '192.0.2.20', '192.0.2.21'];

/**
 * What the run shows, in ms from the flood's first request. The volumetric detector's defaults for
 * `ip:` are 100 requests in its window for a challenge and 300 for a block, so the loop's own share
 * is the time from the 100th (300th) request sent to the guard's first challenge (block) answer.
 */
function summary(result: LoopResult, origin: ProtectedOrigin): string {
  const at = (time: number | null | undefined) => (time == null ? null : time - result.started_at);
  const ms = (value: number | null) => (value === null ? 'never' : `${value.toFixed(0)} ms`);
  const challenge = at(origin.first_enforced.challenge);
  const block = at(origin.first_enforced.block);
  const sent100 = at(result.flood_sent_at[99]);
  const sent300 = at(result.flood_sent_at[299]);
  const after = (answer: number | null, sent: number | null) => (answer === null || sent === null ? 'n/a' : ms(answer - sent));
  return [
    `client's first 403 after ${ms(result.first_403_ms)}`,
    `guard: first challenge answered 403 at ${ms(challenge)} (100th request sent at ${ms(sent100)}: ${after(challenge, sent100)} later), first block at ${ms(block)} (300th sent at ${ms(sent300)}: ${after(block, sent300)} later)`,
    `flood ${result.flood_sent} sent ${JSON.stringify(result.flood_statuses)}; people ${result.human_sent} sent ${JSON.stringify(result.human_statuses)}`,
  ].join('; ');
}

// Serial: the two loops would share two cores and slow each other down.
test.serial('embedded default: a flood through the origin middleware is answered 403 within 1 s of its first request; people are untouched', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'botsieve-loop-'));
  const botsieve = await startBotsieve(t, ['--port', '0', '--decide-port', '0', '--log-level', 'warn'], { ingest: true, decide: true }, cwd);
  const origin = await startProtectedOrigin(t, botsieve.decidePort!, botsieve.ingestPort!);

  const result = await runLoop(origin.port, { flood_ip: '203.0.113.50', flood_rate_per_s: 300, human_ips: HUMANS, human_interval_ms: 700, timeout_ms: 10_000, after_block_ms: 1_000 });
  t.log(summary(result, origin));
  t.log(`origin: ${JSON.stringify(origin.protection.guard.metrics.snapshot().decisions)} decisions, feed lag ${origin.protection.feed.lagMs()} ms, stream ${JSON.stringify(origin.protection.stream!.stats())}`);
  t.log(`verdicts held: ${JSON.stringify(origin.protection.replica.snapshot().verdicts.map((v) => ({ subject: v.subject, action: v.action, detectors: v.detectors.map((d) => d.id), })))}`);

  t.not(result.first_403_ms, null, 'the flood was blocked');
  t.true(result.first_403_ms! <= 1_000, `first 403 after ${result.first_403_ms} ms`);
  t.true(result.human_sent >= 20, `people sent ${result.human_sent} requests`);
  t.deepEqual(result.human_statuses, { 200: result.human_sent }, 'every request of a person was answered 200');
  for (const ip of HUMANS) t.is(origin.protection.replica.decide({ ip }).action, 'allow', `no verdict for the person at ${ip}`);
  t.is(result.human_errors + result.flood_errors, 0);
  t.is(result.flood_passed_after_403, 0, 'once answered 403, the flood stayed blocked');
  t.true((result.flood_statuses[403] ?? 0) > 0);
});

test.serial('Kafka (mock cluster), separate ingest, detect and decide processes: the flood is answered 403 within 2 s of its first request; people are untouched', async (t) => {
  const kafka = await startMockKafka();
  t.teardown(() => kafka.stop());
  const cwd = await mkdtemp(join(tmpdir(), 'botsieve-loop-kafka-'));
  const suffix = randomBytes(4).toString('hex');
  const config = join(cwd, 'botsieve.json');
  await writeFile(
    config,
    JSON.stringify({
      bus: {
        kind: 'kafka',
        kafka: { brokers: kafka.brokers, extra: MOCK_KAFKA_EXTRA },
        topics: { events: `events-${suffix}`, verdicts: `verdicts-${suffix}`, deadletter: `deadletter-${suffix}`, rollups: `rollups-${suffix}` },
      },
    }),
  );
  const common = ['--config', config, '--log-level', 'warn'];
  // Decide first: its replica rebuilds from the verdicts topic before its banner.
  const decide = await startBotsieve(t, [...common, '--role', 'decide', '--decide-port', '0'], { ingest: false, decide: true }, cwd);
  await startBotsieve(t, [...common, '--role', 'detect'], { ingest: false, decide: false }, cwd);
  const ingest = await startBotsieve(t, [...common, '--role', 'ingest', '--port', '0'], { ingest: true, decide: false }, cwd);
  const origin = await startProtectedOrigin(t, decide.decidePort!, ingest.ingestPort!);
  // A deployment's running state: the topics exist and every consumer group holds its partitions.
  // Here the first produce creates the topics, and the consumers find them and are assigned after
  // that; a first flood waits for it (cold, logged below). So one warm-up flood from an address
  // in another network runs the loop once before the measured one.
  const cold = await warmUp(origin, '81.2.69.160');
  t.log(`warm-up (cold loop: topics created by the first produce, groups assigned): verdict at the origin after ${cold.toFixed(0)} ms`);

  const result = await runLoop(origin.port, { flood_ip: '203.0.113.51', flood_rate_per_s: 300, human_ips: HUMANS, human_interval_ms: 700, timeout_ms: 15_000, after_block_ms: 1_000 });
  t.log(summary(result, origin));
  t.log(`origin: ${JSON.stringify(origin.protection.guard.metrics.snapshot().decisions)} decisions, feed lag ${origin.protection.feed.lagMs()} ms, stream ${JSON.stringify(origin.protection.stream!.stats())}`);
  t.log(`verdicts held: ${JSON.stringify(origin.protection.replica.snapshot().verdicts.map((v) => ({ subject: v.subject, action: v.action, detectors: v.detectors.map((d) => d.id), })))}`);

  t.not(result.first_403_ms, null, 'the flood was blocked');
  t.true(result.first_403_ms! <= 2_000, `first 403 after ${result.first_403_ms} ms`);
  t.true(result.human_sent >= 20, `people sent ${result.human_sent} requests`);
  t.deepEqual(result.human_statuses, { 200: result.human_sent }, 'every request of a person was answered 200');
  for (const ip of HUMANS) t.is(origin.protection.replica.decide({ ip }).action, 'allow', `no verdict for the person at ${ip}`);
  t.is(result.human_errors + result.flood_errors, 0);
  t.is(result.flood_passed_after_403, 0, 'once answered 403, the flood stayed blocked');
});
