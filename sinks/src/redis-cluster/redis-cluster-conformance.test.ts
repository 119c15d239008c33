import test from 'ava';
import type { Verdict } from '@botsieve/core';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import { sinkConformance } from '../service/sink-conformance.js';
import { RedisClusterVerdictStore } from './redis-cluster.js';
import { testConfig, useSharedCluster } from './test-support.js';

const redis = useSharedCluster(test);

const decided_at = Date.now();

sinkConformance<Verdict>(test, 'redis-cluster', {
  // Each store gets its own key prefix on the shared cluster: a fresh, empty view.
  async make() {
    const config = testConfig(redis.cluster);
    const sink = new RedisClusterVerdictStore(config, { telemetry: nullTelemetry().component('sink.redis-cluster'), clock: systemClock });
    return { sink, stored: () => redis.inspect.subjects(config) };
  },
  item(i) {
    const verdict: Verdict = { id: `v${i}`, subject: `ip:192.0.2.${i}`, action: 'block', score: 5, ttl_ms: 600_000, decided_at, detectors: [] };
    return { value: Buffer.from(JSON.stringify(verdict)), identity: verdict.subject };
  },
  decode: (value) => JSON.parse(value.toString('utf8')) as Verdict,
});
