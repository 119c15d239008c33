/**
 * A consumer of the embedded bus. One loop per consumer hands the handler one batch at a time
 * (never two handler calls in flight), picking its assigned partitions in turn so one busy
 * partition cannot starve the others.
 *
 * Commit rule: a batch's offsets are committed only after its handler's promise resolved, and
 * only if this consumer still owns the partition (the same assignment entry as when the batch
 * was read). A partition lost mid-batch is read again by its new owner from the committed offset.
 * A rejected batch is not committed: the partition backs off, then is read again from the
 * committed offset, i.e. the same records are redelivered.
 *
 * Waiting: the loop sleeps until the bus wakes it (append to a subscribed topic, new
 * assignment, close) or the earliest back-off ends. No polling.
 */
import type { BatchHandler, BusConsumer, BusRecord, ConsumerOptions } from '@botsieve/core';
import { REDELIVERY_BACKOFF, backoffDelay, type ComponentTelemetry } from '@botsieve/runtime';
import { busError, handlerError } from '../errors.js';
import type { EmbeddedGroup, GroupMember, PartitionRef } from './embedded-group.js';
import type { TopicLog } from './topic-log.js';

interface Assigned {
  readonly key: string;
  readonly log: TopicLog;
  readonly partition: number;
  /** Wall time before which the partition is not read (after a handler rejected); 0 = none. */
  retryAtMs: number;
  /** Consecutive handler failures on this partition. */
  failures: number;
  /** Rebuild cursor: records from here up to `rebuildUntil` are re-read flagged `rebuild`. */
  rebuildFrom: number;
  rebuildUntil: number;
}

interface Picked {
  assigned: Assigned;
  records: BusRecord[];
  rebuild: boolean;
}

export class EmbeddedConsumer implements BusConsumer, GroupMember {
  readonly topics: readonly string[];
  readonly from: 'earliest' | 'latest';
  readonly from_time_ms: number | undefined;
  private handler: BatchHandler | undefined;
  private assigned = new Map<string, Assigned>();
  private order: Assigned[] = [];
  private cursor = 0;
  private running: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ConsumerOptions,
    private readonly group: EmbeddedGroup,
    private readonly telemetry: ComponentTelemetry,
    private readonly onClosed: (consumer: EmbeddedConsumer) => void,
  ) {
    this.topics = [...options.topics];
    this.from = options.from;
    this.from_time_ms = options.from_time_ms;
  }

  async start(handler: BatchHandler): Promise<void> {
    if (this.closing !== undefined) throw busError('ERR_BUS_CLOSED', 'consumer is closed');
    if (this.handler !== undefined) throw busError('ERR_BUS_CLOSED', 'consumer was already started; a consumer starts once');
    this.handler = handler;
    this.group.join(this);
    this.running = this.run();
  }

  assignment(): string[] {
    return [...this.assigned.keys()];
  }

  assign(partitions: PartitionRef[]): void {
    const next = new Map<string, Assigned>();
    for (const { log, partition } of partitions) {
      const key = `${log.name}/${partition}`;
      next.set(key, this.assigned.get(key) ?? this.newlyAssigned(key, log, partition));
    }
    const revoked = [...this.assigned.keys()].filter((key) => !next.has(key));
    this.assigned = next;
    if (revoked.length > 0) this.options.on_revoked?.(revoked);
    this.order = [...next.values()];
    this.cursor = 0;
    this.wake();
  }

  /** A partition new to this consumer: with rebuild_ms, re-read what was committed within it first. */
  private newlyAssigned(key: string, log: TopicLog, partition: number): Assigned {
    const committed = log.committedOffset(this.group.id, partition);
    const rebuildMs = this.options.rebuild_ms ?? 0;
    const held = log.partitions[partition];
    const rebuildFrom = rebuildMs > 0 && held !== undefined ? Math.min(committed, Math.max(held.startOffset, held.offsetAtTime(Date.now() - rebuildMs))) : committed;
    return { key, log, partition, retryAtMs: 0, failures: 0, rebuildFrom, rebuildUntil: committed };
  }

  /** Ends the current sleep, if any. Called by the bus after appends to a subscribed topic. */
  wake(): void {
    const wakeUp = this.wakeUp;
    if (wakeUp === undefined) return;
    this.wakeUp = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    wakeUp();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.wake();
    // The loop sees `closing` once the handler in flight settled (and was committed if it
    // resolved); only then are the partitions handed to the other members, so they never
    // overlap with our last batch.
    await this.running;
    if (this.handler !== undefined) this.group.leave(this);
    this.onClosed(this);
  }

  private async run(): Promise<void> {
    while (this.closing === undefined) {
      const picked = this.pick(Date.now());
      if (picked === undefined) await this.sleep();
      else await this.deliver(picked);
    }
  }

  private pick(now: number): Picked | undefined {
    const count = this.order.length;
    for (let i = 0; i < count; i++) {
      const assigned = this.order[(this.cursor + i) % count] as Assigned;
      if (assigned.retryAtMs > now) continue;
      const partition = assigned.log.partitions[assigned.partition];
      if (partition === undefined) continue;
      if (assigned.rebuildFrom < assigned.rebuildUntil) {
        this.cursor = (this.cursor + i + 1) % count;
        const from = Math.max(assigned.rebuildFrom, partition.startOffset);
        const records = partition.read(from, Math.min(this.options.max_batch_records, assigned.rebuildUntil - from)).map((record) => ({ ...record, rebuild: true }));
        if (records.length === 0) {
          assigned.rebuildFrom = assigned.rebuildUntil;
          continue;
        }
        return { assigned, records, rebuild: true };
      }
      const offset = assigned.log.committedOffset(this.group.id, assigned.partition);
      if (offset >= partition.endOffset) continue;
      this.cursor = (this.cursor + i + 1) % count;
      return { assigned, records: partition.read(offset, this.options.max_batch_records), rebuild: false };
    }
    return undefined;
  }

  /**
   * Sleeps until woken or the earliest back-off ends. Race-free: pick() and sleep() run in the
   * same synchronous step, so an append cannot slip between "nothing to read" and `wakeUp` set.
   */
  private sleep(): Promise<void> {
    if (this.closing !== undefined) return Promise.resolve();
    let earliest = Number.POSITIVE_INFINITY;
    for (const assigned of this.order) if (assigned.retryAtMs > 0) earliest = Math.min(earliest, assigned.retryAtMs);
    return new Promise((resolve) => {
      this.wakeUp = resolve;
      if (earliest !== Number.POSITIVE_INFINITY) this.timer = setTimeout(() => this.wake(), Math.max(0, earliest - Date.now()));
    });
  }

  private async deliver({ assigned, records, rebuild }: Picked): Promise<void> {
    const handler = this.handler as BatchHandler;
    try {
      await handler(records);
    } catch (error) {
      assigned.failures += 1;
      assigned.retryAtMs = Date.now() + backoffDelay(assigned.failures - 1, REDELIVERY_BACKOFF);
      this.telemetry.fail(handlerError(assigned.key, error), 'batch handler rejected; redelivering the partition from its committed offset after a back-off');
      return;
    }
    assigned.failures = 0;
    assigned.retryAtMs = 0;
    if (!rebuild) this.telemetry.metrics.received(records.length);
    // Revoked while the handler ran: the new owner reads from the committed offset, and a
    // commit from here could move that offset under it.
    if (this.assigned.get(assigned.key) !== assigned) return;
    const last = records[records.length - 1] as BusRecord;
    if (rebuild) {
      // Rebuild records were committed by the previous owner: advance the cursor, commit nothing.
      assigned.rebuildFrom = last.offset + 1;
      return;
    }
    assigned.log.commit(this.group.id, assigned.partition, last.offset + 1);
  }
}
