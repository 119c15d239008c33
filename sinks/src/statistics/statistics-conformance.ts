/**
 * The shared conformance suite (`sinkConformance`) for the two statistics sinks of one back end
 * (BigQuery, local files): the back end's test file only says how to make each sink on a fresh
 * target and how to read back what that target stored.
 */
import type { TestFn } from 'ava';
import type { Sink, Verdict } from '@botsieve/core';
import { ManualClock } from '@botsieve/runtime';
import { sinkConformance } from '../service/sink-conformance.js';
import { T0, requestEvent } from './test-support.js';
import type { TrafficItem } from './traffic-aggregator.js';
import type { TrafficStatisticsSink } from './traffic-statistics-sink.js';

export interface StatisticsBackEnd {
  /** A verdict sink on a fresh target, and the subjects of the rows stored there. */
  verdicts(clock: ManualClock): Promise<{ sink: Sink<Verdict>; subjects(): Promise<string[]> }>;
  /** A traffic sink on a fresh target, and the hosts of the rows stored there. */
  traffic(clock: ManualClock): Promise<{ sink: TrafficStatisticsSink; hosts(): Promise<string[]> }>;
}

/** Registers `<name>-verdicts` and `<name>-traffic` with sinkConformance. */
export function statisticsConformance(test: TestFn, name: string, backEnd: StatisticsBackEnd): void {
  sinkConformance<Verdict>(test, `${name}-verdicts`, {
    async make() {
      const { sink, subjects } = await backEnd.verdicts(new ManualClock(T0));
      return { sink, stored: subjects };
    },
    item(i) {
      const verdict: Verdict = { id: `v${i}`, subject: `ip:192.0.2.${i}`, action: 'block', score: 5, ttl_ms: 60_000, decided_at: T0, detectors: [] };
      return { value: Buffer.from(JSON.stringify(verdict)), identity: verdict.subject };
    },
    decode: (value) => JSON.parse(value.toString('utf8')) as Verdict,
  });

  /**
   * Each item is one request on its own host and source partition, so each becomes one traffic
   * row. Rows appear once their minute closes: `stored()` lets the (manual) wall clock move on
   * and runs the sink's upkeep, as the runtime's maintain timer would.
   */
  sinkConformance<TrafficItem>(test, `${name}-traffic`, {
    async make() {
      const clock = new ManualClock(T0 + 10_000);
      const { sink, hosts } = await backEnd.traffic(clock);
      const stored = async () => {
        clock.advance(60_000);
        await sink.maintain();
        return hosts();
      };
      return { sink, stored };
    },
    item(i) {
      const item: TrafficItem = { source_partition: `events/${i}`, offset: 0, rebuild: false, event: requestEvent({ host: `h${i}.example`, timestamp_ms: T0 + i }) };
      return { value: Buffer.from(JSON.stringify(item)), identity: `h${i}.example` };
    },
    decode: (value) => JSON.parse(value.toString('utf8')) as TrafficItem,
  });
}
