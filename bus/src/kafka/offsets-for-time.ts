/**
 * Positions of partitions for a point in time, the one lookup behind `KafkaBus.offsetsForTime`
 * and a fresh group's `from_time_ms` start, so both always agree.
 *
 * Kafka answers "first offset at or after t" (ListOffsets by timestamp). A broker that cannot
 * (librdkafka's mock cluster answers −1 or an offset outside the partition) gets the fallback:
 * at most FALLBACK_RECORDS before the end. The reader must tolerate records older than t (a
 * replica ignores expired verdicts), never miss newer ones.
 */
import type { LibrdKafkaError, TopicPartitionOffset, WatermarkOffsets } from 'node-rdkafka';
import type { PartitionRange } from '@botsieve/core';

/** Records re-read from the end when the broker cannot look a time up. */
export const FALLBACK_RECORDS = 200_000;

/** What the lookup needs of a librdkafka client (every node-rdkafka client has both). */
export interface OffsetLookupClient {
  queryWatermarkOffsets(topic: string, partition: number, timeout: number, cb: (err: LibrdKafkaError, offsets: WatermarkOffsets) => void): unknown;
  offsetsForTimes(toppars: Array<{ topic: string; partition: number; offset: number }>, timeout: number, cb: (err: LibrdKafkaError, offsets: TopicPartitionOffset[]) => void): unknown;
}

export async function rangesForTime(client: OffsetLookupClient, topic: string, partitions: number[], time_ms: number, timeout_ms: number): Promise<PartitionRange[]> {
  const watermarks = await Promise.all(
    partitions.map(
      (partition) => new Promise<WatermarkOffsets>((resolve, reject) => client.queryWatermarkOffsets(topic, partition, timeout_ms, (error, offsets) => (error ? reject(error) : resolve(offsets)))),
    ),
  );
  const byTime = await new Promise<TopicPartitionOffset[]>((resolve) =>
    client.offsetsForTimes(
      partitions.map((partition) => ({ topic, partition, offset: time_ms })),
      timeout_ms,
      (error, offsets) => resolve(error ? [] : offsets),
    ),
  );
  return partitions.map((partition, index) => {
    const { lowOffset: low, highOffset: end } = watermarks[index] as WatermarkOffsets;
    const at = byTime.find((found) => found.partition === partition)?.offset;
    const start = typeof at === 'number' && at >= low && at <= end ? at : Math.max(low, end - FALLBACK_RECORDS);
    return { partition, start, end };
  });
}
