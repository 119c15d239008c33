import test from 'ava';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Verdict } from '@botsieve/core';
import { ManualClock, nullTelemetry } from '@botsieve/runtime';
import { sinkConformance } from '../runtime/sink-conformance.js';
import { T0, requestEvent } from '../statistics/fixtures.js';
import type { TrafficItem } from '../statistics/traffic-aggregator.js';
import { localStatisticsConfigSchema } from './config.js';
import { LocalStatisticsTrafficSink, LocalStatisticsVerdictsSink } from './local-statistics.js';

/** Every row of every day file of a table. */
async function rows(directory: string, table: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  const files = await readdir(join(directory, table)).catch(() => [] as string[]);
  for (const file of files) {
    const text = await readFile(join(directory, table, file), 'utf8');
    for (const line of text.split('\n')) if (line !== '') out.push(JSON.parse(line) as Record<string, unknown>);
  }
  return out;
}

sinkConformance<Verdict>(test, 'local-statistics-verdicts', {
  async make() {
    const directory = await mkdtemp(join(tmpdir(), 'botsieve-conformance-'));
    const config = localStatisticsConfigSchema.parse({ directory });
    const sink = new LocalStatisticsVerdictsSink(config, { telemetry: nullTelemetry().component('sink.local-statistics-verdicts'), clock: new ManualClock(T0) });
    return { sink, stored: async () => (await rows(directory, 'verdicts')).map((row) => row.subject as string) };
  },
  item(i) {
    const verdict: Verdict = { id: `v${i}`, subject: `ip:192.0.2.${i}`, action: 'block', score: 5, ttl_ms: 60_000, decided_at: T0, detectors: [] };
    return { value: Buffer.from(JSON.stringify(verdict)), identity: verdict.subject };
  },
  decode: (value) => JSON.parse(value.toString('utf8')) as Verdict,
});

/** One request per host and source partition; `stored()` moves the wall clock on and runs upkeep so minutes close. */
sinkConformance<TrafficItem>(test, 'local-statistics-traffic', {
  async make() {
    const directory = await mkdtemp(join(tmpdir(), 'botsieve-conformance-'));
    const config = localStatisticsConfigSchema.parse({ directory });
    const clock = new ManualClock(T0 + 10_000);
    const sink = new LocalStatisticsTrafficSink(config, { telemetry: nullTelemetry().component('sink.local-statistics-traffic'), clock });
    const stored = async () => {
      clock.advance(60_000);
      await sink.maintain();
      return (await rows(directory, 'traffic_1m')).map((row) => row.host as string);
    };
    return { sink, stored };
  },
  item(i) {
    const item: TrafficItem = { source_partition: `events/${i}`, offset: 0, rebuild: false, event: requestEvent({ host: `h${i}.example`, timestamp_ms: T0 + i }) };
    return { value: Buffer.from(JSON.stringify(item)), identity: `h${i}.example` };
  },
  decode: (value) => JSON.parse(value.toString('utf8')) as TrafficItem,
});
