/** From librdkafka messages to BusRecords. */
import type { Message } from 'node-rdkafka';
import type { BusRecord } from '@botsieve/core';

const EMPTY = Buffer.alloc(0);

export function toBusRecord(message: Message): BusRecord {
  const key = message.key;
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: key === null || key === undefined ? null : typeof key === 'string' ? key : key.toString('utf8'),
    value: message.value ?? EMPTY,
    timestamp_ms: message.timestamp ?? 0,
  };
}

/**
 * Splits one fetch by `topic/partition`, keeping each partition's order (librdkafka returns a
 * partition's messages in offset order) and the order in which partitions first appear.
 */
export function groupByPartition(messages: Message[]): Map<string, Message[]> {
  const batches = new Map<string, Message[]>();
  for (const message of messages) {
    const key = `${message.topic}/${message.partition}`;
    const batch = batches.get(key);
    if (batch === undefined) batches.set(key, [message]);
    else batch.push(message);
  }
  return batches;
}
