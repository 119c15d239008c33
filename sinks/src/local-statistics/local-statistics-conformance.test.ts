import test from 'ava';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullTelemetry } from '@botsieve/runtime';
import { statisticsConformance } from '../statistics/statistics-conformance.js';
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

async function target() {
  const directory = await mkdtemp(join(tmpdir(), 'botsieve-conformance-'));
  return { directory, config: localStatisticsConfigSchema.parse({ directory }) };
}

statisticsConformance(test, 'local-statistics', {
  async verdicts(clock) {
    const { directory, config } = await target();
    const sink = new LocalStatisticsVerdictsSink(config, { telemetry: nullTelemetry().component('sink.local-statistics-verdicts'), clock });
    return { sink, subjects: async () => (await rows(directory, 'verdicts')).map((row) => row.subject as string) };
  },
  async traffic(clock) {
    const { directory, config } = await target();
    const sink = new LocalStatisticsTrafficSink(config, { telemetry: nullTelemetry().component('sink.local-statistics-traffic'), clock });
    return { sink, hosts: async () => (await rows(directory, 'traffic_1m')).map((row) => row.host as string) };
  },
});
