import test from 'ava';
import type { Verdict } from '@botsieve/core';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import { sinkConformance } from '../runtime/sink-conformance.js';
import { startRedisCluster, type TestRedisCluster } from '../testing/redis-cluster.js';
import { RedisClusterVerdictStore } from './redis-cluster.js';
import { Inspector, testConfig } from './test-support.js';

let cluster: TestRedisCluster;
let inspect: Inspector;

test.before(async () => {
  cluster = await startRedisCluster();
  inspect = await new Inspector(cluster).ready();
});

test.after.always(async () => {
  await inspect?.close();
  await cluster?.stop();
});

const decided_at = Date.now();

sinkConformance<Verdict>(test, 'redis-cluster', {
  // Each store gets its own key prefix on the shared cluster: a fresh, empty view.
  async make() {
    const config = testConfig(cluster);
    const sink = new RedisClusterVerdictStore(config, { telemetry: nullTelemetry().component('sink.redis-cluster'), clock: systemClock });
    return { sink, stored: () => inspect.subjects(config) };
  },
  item(i) {
    const verdict: Verdict = { id: `v${i}`, subject: `ip:192.0.2.${i}`, action: 'block', score: 5, ttl_ms: 600_000, decided_at, detectors: [] };
    return { value: Buffer.from(JSON.stringify(verdict)), identity: verdict.subject };
  },
  decode: (value) => JSON.parse(value.toString('utf8')) as Verdict,
});
