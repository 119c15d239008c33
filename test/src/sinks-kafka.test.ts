/**
 * `botsieve start --role sink` on Kafka (librdkafka's mock cluster, the real protocol) with every
 * sink configured against a real peer or a local API server driven by the real client:
 * a 6-node Redis Cluster, the Cloudflare Lists API, BigQuery insertAll, and Pub/Sub over gRPC.
 * Verdicts produced to the verdicts topic reach every target; a verdict another region
 * published to Pub/Sub reaches this region's Redis; SIGTERM drains and exits 0.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestEvent, Verdict } from '@botsieve/core';
import { createBus, busConfigSchema } from '@botsieve/bus';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import { PubSubVerdictPublisher, RedisVerdictLookup, SCHEMA_DIRECTORY, pubsubConfigSchema, redisClusterConfigSchema } from '@botsieve/sinks';
import { BigQueryApiServer, CloudflareApiServer, MOCK_KAFKA_EXTRA, PubSubServer, startMockKafka, startRedisCluster, type MockKafka, type TestRedisCluster } from '@botsieve/testkit';
import { KafkaObserver } from './test-support/kafka-observer.js';
import { waitFor } from './test-support/logpush.js';

const BIN = fileURLToPath(new URL('../../cli/bin/botsieve.js', import.meta.url));

let kafka: MockKafka;
let redis: TestRedisCluster;
test.before(async () => {
  [kafka, redis] = await Promise.all([startMockKafka(), startRedisCluster()]);
});
test.after.always(async () => {
  await Promise.all([kafka?.stop(), redis?.stop()]);
});

function verdict(i: number, action: 'block' | 'challenge', now: number): Verdict {
  return { id: `v-${i}-${action}`, subject: `ip:198.51.100.${i}`, action, score: action === 'block' ? 3 : 20, ttl_ms: 600_000, decided_at: now, detectors: [{ id: 'volumetric', score: 3, evidence: { requests: 500 + i } }] };
}

function event(i: number, now: number): RequestEvent {
  return {
    ray_id: `ray-${i}`, timestamp_ms: now - 120_000, host: 'shop.example', ip: `198.51.100.${i % 20}`, prefix: '198.51.100.0/24', asn: 64500, country: 'de', method: 'GET', protocol: 'HTTP/2', path: '/', uri: '/',
    user_agent: 'Mozilla/5.0', referer: '', status: 200, origin_status: 200, origin_duration_ms: 10, content_type: 'text/html', cache_status: 'miss', response_bytes: 100,
    bot_score: 10, bot_score_src: 'Heuristics', verified_bot_category: null, ja4: null, ja3_hash: null, bot_tags: null, source: 'logpush',
  };
}

test('botsieve start --role sink writes verdicts to Redis Cluster, Cloudflare lists, BigQuery and Pub/Sub', async (t) => {
  const suffix = randomBytes(4).toString('hex');
  const topics = { events: `events-${suffix}`, verdicts: `verdicts-${suffix}`, deadletter: `deadletter-${suffix}`, rollups: `rollups-${suffix}` };
  const cloudflare = await CloudflareApiServer.start({ token: 'test-token', account_id: 'acct' });
  const bigquery = await BigQueryApiServer.start({ schema_directory: SCHEMA_DIRECTORY });
  const pubsub = await PubSubServer.start('proj');
  pubsub.createTopic('verdicts');
  pubsub.createSubscription('verdicts-eu', { topic: 'verdicts', ordering: true });
  t.teardown(async () => {
    await Promise.all([cloudflare.close(), bigquery.close(), pubsub.close()]);
  });

  const key_prefix = `e2e-${suffix}:`;
  const config = {
    log_level: 'warn',
    admin: { port: 0 },
    bus: { kind: 'kafka', kafka: { brokers: kafka.brokers, extra: MOCK_KAFKA_EXTRA }, topics },
    sinks: {
      process_group_id_prefix: `e2e-${suffix}`,
      redis_cluster: { nodes: redis.startupNodes, key_prefix },
      cloudflare_lists: { api_token: 'test-token', account_id: 'acct', base_url: cloudflare.baseURL, create_missing_lists: true, operation_poll_interval_ms: 50 },
      bigquery: { project_id: 'proj', api_endpoint: bigquery.url, dataset: 'botsieve', allowed_lateness_ms: 1_000 },
      pubsub: { project_id: 'proj', emulator_host: pubsub.host, topic: 'verdicts', subscription: 'verdicts-eu', region: 'eu' },
    },
  };
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-sinks-'));
  const file = join(dir, 'botsieve.json');
  await writeFile(file, JSON.stringify(config));
  const child = spawn(process.execPath, [BIN, 'start', '--role', 'sink', '--config', file], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor('the start banner', () => (/botsieve running \(sink\) on the kafka bus/.test(stderr) ? true : undefined), 30_000);

  const observer = new KafkaObserver(kafka.brokers);
  await observer.start([topics.deadletter]);
  t.teardown(() => observer.stop());

  // Verdicts and events on the topics, as the detector and ingest tiers produce them.
  const bus = createBus(busConfigSchema.parse({ kind: 'kafka', kafka: { brokers: kafka.brokers, extra: MOCK_KAFKA_EXTRA }, topics }), nullTelemetry());
  const producer = bus.producer();
  await producer.connect();
  const now = Date.now();
  const verdicts = [...Array.from({ length: 20 }, (_, i) => verdict(i + 1, i % 2 === 0 ? 'block' : 'challenge', now))];
  const batch = producer.batch();
  for (const v of verdicts) batch.send(topics.verdicts, v.subject, Buffer.from(JSON.stringify(v)));
  batch.send(topics.verdicts, 'bad', Buffer.from('{not a verdict'));
  for (let i = 0; i < 100; i += 1) batch.send(topics.events, `198.51.100.${i % 20}`, Buffer.from(JSON.stringify(event(i, now))));
  await batch.seal();
  await producer.close();
  await bus.close();

  // Redis Cluster: every verdict, through the origins' lookup API.
  const lookup = new RedisVerdictLookup(redisClusterConfigSchema.parse({ nodes: redis.startupNodes, key_prefix }), { telemetry: nullTelemetry().component('lookup'), clock: systemClock });
  await lookup.connect();
  t.teardown(() => lookup.close());
  for (const v of verdicts) {
    const ip = v.subject.slice(3);
    const found = await waitFor(`${v.subject} in Redis`, async () => {
      const result = await lookup.lookup({ ip });
      return result.action === v.action ? result : undefined;
    }, 30_000);
    t.is(found.verdict?.id, v.id);
  }

  // Cloudflare: block and challenge verdicts in their lists.
  const blocked = verdicts.filter((v) => v.action === 'block').map((v) => v.subject.slice(3)).sort();
  const challenged = verdicts.filter((v) => v.action === 'challenge').map((v) => v.subject.slice(3)).sort();
  await waitFor('the Cloudflare lists', () => (cloudflare.values('botsieve_block_ip').length === blocked.length && cloudflare.values('botsieve_challenge_ip').length === challenged.length ? true : undefined), 30_000);
  t.deepEqual([...cloudflare.values('botsieve_block_ip')].sort(), blocked);
  t.deepEqual([...cloudflare.values('botsieve_challenge_ip')].sort(), challenged);

  // BigQuery: one verdict row per verdict (insertId = verdict id), and traffic rows for the events.
  await waitFor('verdict rows in BigQuery', () => (bigquery.rows('verdicts').length >= verdicts.length ? true : undefined), 30_000);
  t.deepEqual(bigquery.rows('verdicts').map((row) => row.verdict_id).sort(), verdicts.map((v) => v.id).sort());
  // Pub/Sub: every verdict published with its subject as ordering key and this region.
  await waitFor('verdicts on Pub/Sub', () => (pubsub.published('verdicts').length >= verdicts.length ? true : undefined), 30_000);
  const published = pubsub.published('verdicts');
  t.deepEqual(published.map((m) => m.ordering_key).sort(), verdicts.map((v) => v.subject).sort());
  t.true(published.every((m) => m.attributes.region === 'eu'));

  // Another region's verdict reaches this region's Redis through the subscriber.
  const us = new PubSubVerdictPublisher(pubsubConfigSchema.parse({ project_id: 'proj', emulator_host: pubsub.host, topic: 'verdicts', region: 'us' }), { telemetry: nullTelemetry().component('us'), clock: systemClock });
  await us.connect();
  const foreign: Verdict = { ...verdict(200, 'block', now), id: 'from-us' };
  await us.writeBatch([foreign]);
  await us.close();
  const applied = await waitFor('the other region’s verdict in Redis', async () => {
    const result = await lookup.lookup({ ip: '198.51.100.200' });
    return result.action === 'block' ? result : undefined;
  }, 30_000);
  t.is(applied.verdict?.id, 'from-us');

  // The record that is not a verdict is dead-lettered by every sink reading verdicts, with its
  // reason. A sink may dead-letter it twice (a redelivery: duplicates are expected), so wait for
  // every sink's letter rather than for five letters.
  const sinks = ['redis-cluster', 'cloudflare-lists', 'bigquery-verdicts', 'pubsub', 'memory-verdict-store'];
  const letters = () => observer.on(topics.deadletter).map((m) => JSON.parse(m.value) as { reason: string; sink: string; value: string });
  const dead = await waitFor('a dead letter from every sink', () => {
    const now = letters();
    return sinks.every((sink) => now.some((letter) => letter.sink === sink)) ? now : undefined;
  }, 30_000).catch((error: unknown) => {
    throw new Error(`${String(error)}; dead letters: ${JSON.stringify(letters().map(({ sink, reason }) => ({ sink, reason })))}`);
  });
  t.true(dead.every((letter) => letter.reason === 'ERR_SINK_DECODE' && letter.value === '{not a verdict'), `dead letters: ${JSON.stringify(dead.map(({ sink, reason, value }) => ({ sink, reason, value: value.slice(0, 120) })))}`);

  child.kill('SIGTERM');
  t.is(await exited, 0, stderr);

  // Traffic minutes still open (their event time has not passed the lateness yet) are stored at
  // shutdown, so the 100 events are counted once.
  const traffic = bigquery.rows('traffic_1m');
  t.is(traffic.reduce((sum, row) => sum + Number(row.requests), 0), 100);
});
