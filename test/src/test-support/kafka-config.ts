/**
 * Configuration for a pipeline on a test's mock Kafka cluster: random topics, free ports, quiet
 * logs, and the local sinks' files in a fresh temporary directory (a verdict snapshot left by an
 * earlier run would otherwise be restored into this one).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MOCK_KAFKA_EXTRA } from '@botsieve/testkit';
import { loadConfig, type BotsieveConfig } from '@botsieve/cli';
import { mergeConfig } from '@botsieve/runtime';

export function kafkaTestConfig(brokers: string, overrides: Record<string, unknown> = {}): BotsieveConfig {
  const suffix = randomBytes(4).toString('hex');
  const data = mkdtempSync(join(tmpdir(), 'botsieve-e2e-'));
  const base = {
    sinks: {
      memory_verdict_store: { snapshot_path: join(data, 'verdicts.snapshot.ndjson') },
      deadletter_file: { path: join(data, 'deadletter.ndjson') },
      local_statistics: { directory: join(data, 'statistics') },
    },
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
