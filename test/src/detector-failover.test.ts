/**
 * Detector instances on Kafka (librdkafka's mock cluster, the real protocol), each running both
 * detection stages as `botsieve start --role detect` does:
 * - an attack spread over every partition (one JA4, every IP used once) is judged whole by the
 *   aggregation stage, whichever instance's partitions the requests landed on;
 * - an instance killed mid-attack: the next instance takes its partitions, rebuilds their
 *   windows from Kafka (offsets for (now − lookback) up to the committed offsets) and decides
 *   as if nothing had happened.
 */
import test from 'ava';
import type { BusProducer, RequestEvent, Verdict } from '@botsieve/core';
import { createBus } from '@botsieve/bus';
import { startMockKafka, type MockKafka } from '@botsieve/testkit';
import { Pipeline, type BotsieveConfig } from '@botsieve/cli';
import { nullTelemetry } from '@botsieve/runtime';
import { kafkaTestConfig } from './test-support/kafka-config.js';
import { KafkaObserver } from './test-support/kafka-observer.js';
import { waitFor } from './test-support/logpush.js';

let kafka: MockKafka;
test.before(async () => {
  kafka = await startMockKafka();
});
test.after.always(async () => {
  await kafka?.stop();
});

const JA4 = 't13d1812h1_85036bcba153_b26ce05bbdd6';
const ATTACKER = '81.2.69.160';

function config(): BotsieveConfig {
  return kafkaTestConfig(kafka.brokers, {
    detect: {
      aggregation: 'bus',
      // Margins for a loaded CI machine: the successor rebuilds from (wall clock − the lookback,
      // here the 60 s window), and its idle flush may advance event time while the test's next
      // batch is in flight; with a 10 s window and 5 s lateness a failover slower than ~10 s
      // dropped the first requests from the rebuild.
      allowed_lateness_ms: 30_000,
      detectors: [
        {
          type: 'volumetric',
          id: 'volumetric',
          config: { window_ms: 60_000, baseline: { enabled: false }, subjects: { ip: { challenge_requests: 200, block_requests: 300, scale_by_humans: false }, prefix: { enabled: false }, ja4: { enabled: true, challenge_requests: 200, block_requests: 300 } } },
        },
      ],
    },
  });
}

function event(ray: string, ip: string, ts: number, ja4: string | null): RequestEvent {
  return {
    ray_id: ray, timestamp_ms: ts, host: 'shop.example', ip, prefix: `${ip.split('.').slice(0, 3).join('.')}.0/24`, asn: 0, country: 'de', method: 'GET', protocol: 'HTTP/2', path: '/search', uri: '/search',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0', referer: '', status: 200, origin_status: 200, origin_duration_ms: 20, content_type: 'text/html', cache_status: 'miss', response_bytes: 900,
    bot_score: null, bot_score_src: null, verified_bot_category: null, ja4, ja3_hash: null, bot_tags: null, source: 'events',
  };
}

async function send(producer: BusProducer, topic: string, events: RequestEvent[]): Promise<void> {
  const batch = producer.batch();
  for (const e of events) if (!batch.send(topic, e.ip, Buffer.from(JSON.stringify(e)))) throw new Error('producer queue full');
  await batch.seal();
}

async function harness(t: import('ava').ExecutionContext, cfg: BotsieveConfig) {
  const bus = createBus(cfg.bus, nullTelemetry());
  const producer = bus.producer();
  await producer.connect();
  const observer = new KafkaObserver(kafka.brokers);
  await observer.start([cfg.bus.topics.verdicts]);
  const pipelines: Pipeline[] = [];
  t.teardown(async () => {
    for (const p of pipelines) await p.stop(10_000);
    await observer.stop();
    await producer.close();
    await bus.close();
  });
  const verdicts = () => observer.on(cfg.bus.topics.verdicts).map((m) => JSON.parse(m.value) as Verdict);
  const instance = async () => {
    const pipeline = new Pipeline(cfg, { roles: ['detect'], telemetry: nullTelemetry() });
    await pipeline.start();
    pipelines.push(pipeline);
    return pipeline;
  };
  return { producer, verdicts, instance, pipelines };
}

test.serial('two instances: an attack spread over every partition is judged whole', async (t) => {
  const cfg = config();
  const { producer, verdicts, instance } = await harness(t, cfg);
  await instance();
  await instance();
  const now = Date.now();
  const events = Array.from({ length: 400 }, (_, i) => event(`rot-${i}`, `45.${(i >> 8) & 255}.${i & 255}.${(i * 7) % 250 + 1}`, now - 4_000 + i * 10, JA4));
  await send(producer, cfg.bus.topics.events, events);
  const block = await waitFor('a block verdict for the JA4', () => verdicts().find((v) => v.subject === `ja4:${JA4}` && v.action === 'block'), 40_000);
  t.true((block.detectors[0]?.evidence.requests ?? 0) >= 300);
  t.false(verdicts().some((v) => v.subject.startsWith('ip:')), 'no IP judged: each was used once');
});

test.serial('an instance killed mid-attack: its successor rebuilds the windows from Kafka and blocks', async (t) => {
  const cfg = config();
  const { producer, verdicts, instance, pipelines } = await harness(t, cfg);
  const first = await instance();
  const now = Date.now();
  // 250 requests (challenge, not yet block) in the first 5 s of the window…
  await send(producer, cfg.bus.topics.events, Array.from({ length: 250 }, (_, i) => event(`atk-${i}`, ATTACKER, now - 8_000 + i * 20, null)));
  await waitFor('the challenge before the kill', () => verdicts().find((v) => v.subject === `ip:${ATTACKER}` && v.action === 'challenge'), 40_000);
  // …the instance dies (drains and leaves the group), a fresh one takes every partition…
  await first.stop(10_000);
  pipelines.splice(pipelines.indexOf(first), 1);
  await instance();
  // …and 100 more requests arrive: only a rebuilt window holds 350.
  await send(producer, cfg.bus.topics.events, Array.from({ length: 100 }, (_, i) => event(`atk-${250 + i}`, ATTACKER, now - 3_000 + i * 20, null)));
  const block = await waitFor('the block after the failover', () => verdicts().find((v) => v.subject === `ip:${ATTACKER}` && v.action === 'block'), 40_000);
  t.true((block.detectors[0]?.evidence.requests ?? 0) >= 300, `evidence counts the requests before the failover (${block.detectors[0]?.evidence.requests})`);
});
