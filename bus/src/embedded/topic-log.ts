/**
 * One topic of the embedded bus: a fixed number of append-only partition logs, the committed
 * offset of every group that subscribed to it, and the bound on what it holds.
 *
 * Retention invariant: a record stays until every group that ever subscribed to the topic
 * committed past it (a group's offsets outlive its consumers, as Kafka's do). A topic no group
 * subscribed to keeps everything, so what is sent before the first consumer starts is not lost;
 * it fills up and pushes back instead.
 */
import type { BusRecord } from '@botsieve/core';

export interface TopicLimits {
  max_buffered_messages: number;
  max_buffered_bytes: number;
  /** Committed records are kept this long after append (0: trimmed on commit). */
  retention_ms: number;
}

/** Compact a partition's array once this many trimmed slots lead it (and they are half of it). */
const COMPACT_AFTER = 4096;

export class PartitionLog {
  /** Untrimmed records live at `records[head..]`; slots before `head` are trimmed. */
  private records: BusRecord[] = [];
  private head = 0;
  /** Offset the next appended record gets. */
  endOffset = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Offset of the oldest record still held (== endOffset when empty). */
  get startOffset(): number {
    return this.endOffset - (this.records.length - this.head);
  }

  append(key: string | null, value: Buffer, timestamp_ms: number): void {
    const record: BusRecord = { topic: this.topic, partition: this.partition, offset: this.endOffset, key, value, timestamp_ms };
    this.records.push(record);
    this.endOffset += 1;
  }

  /** Offset of the first held record appended at or after `timestamp_ms` (endOffset when none). */
  offsetAtTime(timestamp_ms: number): number {
    let lo = this.head;
    let hi = this.records.length;
    // Append timestamps come from one process's Date.now(): non-decreasing within a partition.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.records[mid] as BusRecord).timestamp_ms < timestamp_ms) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.records.length ? (this.records[lo] as BusRecord).offset : this.endOffset;
  }

  /** Up to `max` records from `offset` (clamped to what is held), oldest first. */
  read(offset: number, max: number): BusRecord[] {
    const from = this.head + Math.max(0, offset - this.startOffset);
    return this.records.slice(from, Math.min(this.records.length, from + max));
  }

  /** Drops records below `offset`; returns how many records and value bytes that freed. */
  trimTo(offset: number): { messages: number; bytes: number } {
    const dropped = { messages: 0, bytes: 0 };
    while (this.head < this.records.length) {
      const record = this.records[this.head] as BusRecord;
      if (record.offset >= offset) break;
      dropped.messages += 1;
      dropped.bytes += record.value.length;
      this.records[this.head] = undefined as unknown as BusRecord;
      this.head += 1;
    }
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
    return dropped;
  }
}

export class TopicLog {
  readonly partitions: PartitionLog[];
  /** Untrimmed records and their value bytes, over all partitions (the bound applies to these). */
  bufferedMessages = 0;
  bufferedBytes = 0;
  /** Committed offset (next offset to deliver) per partition, per subscribed group. */
  private readonly committed = new Map<string, number[]>();
  private nextRoundRobin = 0;

  constructor(
    readonly name: string,
    partitionCount: number,
    private readonly limits: TopicLimits,
  ) {
    this.partitions = Array.from({ length: partitionCount }, (_, partition) => new PartitionLog(name, partition));
  }

  /** Appends one record; false (nothing appended) when the topic's bound would be exceeded. */
  append(key: string | null, value: Buffer, timestamp_ms: number): boolean {
    if (this.bufferedMessages + 1 > this.limits.max_buffered_messages) return false;
    if (this.bufferedBytes + value.length > this.limits.max_buffered_bytes) return false;
    const partition = this.partitionFor(key);
    (this.partitions[partition] as PartitionLog).append(key, value, timestamp_ms);
    this.bufferedMessages += 1;
    this.bufferedBytes += value.length;
    return true;
  }

  /**
   * Registers a group on first subscription. A group without committed offsets starts at the
   * oldest held record (`earliest`), at the end (`latest`) or, with `from_time_ms`, at the first
   * held record appended at or after that time, resolved now, so from here on it holds retention
   * from that point.
   */
  subscribe(group_id: string, from: 'earliest' | 'latest', from_time_ms?: number): void {
    if (this.committed.has(group_id)) return;
    const start = (log: PartitionLog): number => (from_time_ms !== undefined ? log.offsetAtTime(from_time_ms) : from === 'earliest' ? log.startOffset : log.endOffset);
    this.committed.set(group_id, this.partitions.map(start));
  }

  committedOffset(group_id: string, partition: number): number {
    return this.committed.get(group_id)?.[partition] ?? 0;
  }

  /** Records the group's progress, then trims what every subscribed group has committed past. */
  commit(group_id: string, partition: number, offset: number): void {
    const offsets = this.committed.get(group_id);
    if (offsets === undefined) return;
    offsets[partition] = offset;
    let floor = Number.POSITIVE_INFINITY;
    for (const other of this.committed.values()) floor = Math.min(floor, other[partition] ?? 0);
    const log = this.partitions[partition] as PartitionLog;
    if (this.limits.retention_ms > 0) floor = Math.min(floor, log.offsetAtTime(Date.now() - this.limits.retention_ms));
    const dropped = log.trimTo(floor);
    this.bufferedMessages -= dropped.messages;
    this.bufferedBytes -= dropped.bytes;
  }

  private partitionFor(key: string | null): number {
    const count = this.partitions.length;
    if (key === null) {
      this.nextRoundRobin = (this.nextRoundRobin + 1) % count;
      return this.nextRoundRobin;
    }
    return stableHash(key) % count;
  }
}

/** FNV-1a (32 bit) over UTF-16 code units: the same key always lands on the same partition. */
export function stableHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
