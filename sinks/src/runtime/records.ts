/** Record decoders of the topics the sinks consume. */
import type { BusRecord, RequestEvent, Verdict } from '@botsieve/core';
import type { TrafficItem } from '../statistics/index.js';

/** Decodes a verdict record; undefined (dead-lettered) when it is not a verdict. */
export function decodeVerdictRecord(record: BusRecord): Verdict | undefined {
  try {
    const verdict = JSON.parse(record.value.toString('utf8')) as Verdict;
    const valid = typeof verdict === 'object' && verdict !== null && typeof verdict.id === 'string' && typeof verdict.subject === 'string' && typeof verdict.action === 'string' && Number.isFinite(verdict.score) && Number.isFinite(verdict.ttl_ms) && Number.isFinite(verdict.decided_at) && Array.isArray(verdict.detectors);
    return valid ? verdict : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes an event record into a traffic item with where it came from; undefined when it is not an event. */
export function decodeTrafficRecord(record: BusRecord): TrafficItem | undefined {
  try {
    const event = JSON.parse(record.value.toString('utf8')) as RequestEvent;
    if (typeof event !== 'object' || event === null || !Number.isFinite(event.timestamp_ms) || typeof event.host !== 'string') return undefined;
    return { source_partition: `${record.topic}/${record.partition}`, offset: record.offset, rebuild: record.rebuild === true, event };
  } catch {
    return undefined;
  }
}
