/** Record decoders of the topics the sinks consume: core's codecs, plus where a traffic record came from. */
import { decodeEvent, decodeVerdict, type BusRecord, type Verdict } from '@botsieve/core';
import type { TrafficItem } from '../statistics/index.js';

/** Decodes a verdict record; undefined (dead-lettered) when core's verdict codec refuses it. */
export function decodeVerdictRecord(record: BusRecord): Verdict | undefined {
  const decoded = decodeVerdict(record.value);
  return decoded.ok ? decoded.verdict : undefined;
}

/** Decodes an event record into a traffic item with where it came from; undefined when core's event codec refuses it. */
export function decodeTrafficRecord(record: BusRecord): TrafficItem | undefined {
  const decoded = decodeEvent(record.value);
  return decoded.ok ? { source_partition: `${record.topic}/${record.partition}`, offset: record.offset, rebuild: record.rebuild === true, event: decoded.event } : undefined;
}
