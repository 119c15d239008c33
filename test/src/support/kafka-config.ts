/** Configuration for a pipeline on a test's mock Kafka cluster: random topics, free ports, quiet logs. */
import { randomBytes } from 'node:crypto';
import { MOCK_KAFKA_EXTRA } from '@botsieve/bus/testing/mock-kafka.js';
import { loadConfig, type BotsieveConfig } from '@botsieve/cli';
import { mergeConfig } from '@botsieve/runtime';

export function kafkaTestConfig(brokers: string, overrides: Record<string, unknown> = {}): BotsieveConfig {
  const suffix = randomBytes(4).toString('hex');
  const base = {
    log_level: 'silent',
    admin: { port: 0 },
    ingest: { port: 0 },
    bus: {
      kind: 'kafka',
      kafka: { brokers, extra: MOCK_KAFKA_EXTRA },
      topics: { events: `events-${suffix}`, verdicts: `verdicts-${suffix}`, deadletter: `deadletter-${suffix}`, rollups: `rollups-${suffix}` },
    },
  };
  return loadConfig({ flags: mergeConfig(base, overrides) as Record<string, unknown> });
}
