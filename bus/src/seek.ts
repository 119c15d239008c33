/**
 * What a replica of a topic's recent past needs from the bus beyond core's `Bus`: start a fresh
 * group at a point in time, and know where "now" ends, so it can tell when it has caught up.
 *
 * Both implementations (EmbeddedBus, KafkaBus) offer it. These two members belong in core's
 * `Bus` and `ConsumerOptions`; they live here until core's contract is next revised.
 */
import type { Bus, ConsumerOptions } from '@botsieve/core';

export interface SeekConsumerOptions extends ConsumerOptions {
  /**
   * Where a partition with no committed offset starts: the first record appended at or after
   * this wall time (ms since the epoch), the same position `offsetsForTime` answers. Overrides
   * `from` for such partitions; a committed offset still wins.
   */
  from_time_ms?: number;
}

/** One partition's positions for a point in time. */
export interface PartitionRange {
  partition: number;
  /** First record appended at or after the time; `end` when none. */
  start: number;
  /** The offset the next appended record gets. */
  end: number;
}

export interface SeekableBus extends Bus {
  consumer(options: SeekConsumerOptions): ReturnType<Bus['consumer']>;
  /** Per partition of `topic`, where `from_time_ms: time_ms` starts and where the partition ends now. */
  offsetsForTime(topic: string, time_ms: number, timeout_ms: number): Promise<PartitionRange[]>;
}

export function isSeekableBus(bus: Bus): bus is SeekableBus {
  return typeof (bus as Partial<SeekableBus>).offsetsForTime === 'function';
}
