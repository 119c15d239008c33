/**
 * The Kafka consumer: a librdkafka KafkaConsumer with auto-commit and auto offset store off.
 *
 * Loop: fetch up to max_batch_records, split by partition (order kept), hand each partition's
 * records to the handler one batch at a time (never two handler calls in flight), and after
 * its promise resolved commit `last offset + 1` for that partition, if still owned.
 *
 * Ownership: the rebalance callback gives each assigned partition a fresh Ownership object and
 * drops it on revocation. A batch commits only if the Ownership it was read under is still the
 * current one, so nothing is committed for a revoked partition (even if it came back); records
 * fetched for a partition we do not own are dropped (its owner reads from the committed offset).
 *
 * Handler rejected: the partition is paused and the rejected batch (plus anything fetched for
 * it before the pause took hold) is kept and handed to the handler again after a back-off, then
 * the partition resumes. This is "redeliver from the committed offset" without a seek: with
 * node-rdkafka the seek's completion races the fetch in flight, so records read before the seek
 * cannot be told from records read after it, and dropping the wrong ones skips data. Keeping
 * the batch costs at most a few batches of memory per stalled partition.
 */
import rdkafka from 'node-rdkafka';
import type { LibrdKafkaError, Message, TopicPartition, TopicPartitionOffset } from 'node-rdkafka';
import type { BatchHandler, BusConsumer, BusRecord, ConsumerOptions, PartitionRange } from '@botsieve/core';
import { REDELIVERY_BACKOFF, backoffDelay, type ComponentTelemetry } from '@botsieve/runtime';
import type { KafkaConfig } from '../config.js';
import { busError, commitError, connectError, handlerError, messageOf } from '../errors.js';
import { CODES, consumerOptions } from './kafka-options.js';
import { connectClient } from './connect-client.js';
import type { OauthBearerTokens } from './oauthbearer.js';
import { groupByPartition, toBusRecord } from './records.js';
import { rangesForTime, type OffsetLookupClient } from './offsets-for-time.js';

/**
 * Timeout of one librdkafka consume call, which librdkafka applies per message: it bounds how
 * quickly close() is noticed, and a batch of N slowly trickling records can take N × this.
 * 10 ms costs an idle consumer ~100 calls a second, each on a libuv pool thread.
 */
const CONSUME_TIMEOUT_MS = 10;
/**
 * Without a usable timestamp lookup (offsetsForTimes), a rebuild re-reads at most this many
 * records before the committed offset and skips those older than the rebuild window.
 */
const REBUILD_FALLBACK_RECORDS = 200_000;
/** Consume errors (e.g. a topic that does not exist yet) are logged at most this often. */
const CONSUME_ERROR_LOG_INTERVAL_MS = 10_000;

interface Ownership {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  /** Consecutive handler failures on this partition. */
  failures: number;
  /** Set while the partition is paused after a rejection: the batches to hand over again. */
  stalled: Stalled | undefined;
  /** Records below this offset are rebuild records (re-read after a move; never committed). −1: none. */
  rebuildUntil: number;
  /** Rebuild records appended before this wall time are outside the rebuild window: skipped. */
  rebuildSince: number;
}

interface Stalled {
  /** In offset order; the first is the rejected batch. */
  readonly batches: BusRecord[][];
  /** Wall time of the next attempt. */
  retryAtMs: number;
}

export class KafkaBusConsumer implements BusConsumer {
  private client: rdkafka.KafkaConsumer | undefined;
  private handler: BatchHandler | undefined;
  private readonly owned = new Map<string, Ownership>();
  private starting: Promise<void> | undefined;
  private running: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private lastConsumeErrorLog = 0;

  constructor(
    private readonly config: KafkaConfig,
    private readonly options: ConsumerOptions,
    private readonly telemetry: ComponentTelemetry,
    private readonly onClosed: (consumer: KafkaBusConsumer) => void,
    /** With SASL/OAUTHBEARER: the bus's tokens, set on the client before it connects and on every refresh. */
    private readonly tokens?: OauthBearerTokens,
  ) {}

  start(handler: BatchHandler): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(busError('ERR_BUS_CLOSED', 'consumer is closed'));
    if (this.handler !== undefined) return Promise.reject(busError('ERR_BUS_CLOSED', 'consumer was already started; a consumer starts once'));
    this.handler = handler;
    this.starting = this.connectAndSubscribe(handler);
    return this.starting;
  }

  private async connectAndSubscribe(handler: BatchHandler): Promise<void> {
    const { global, topic } = consumerOptions(this.config, this.options, { rebalance_cb: this.onRebalance, offset_commit_cb: this.onCommitted });
    let client: rdkafka.KafkaConsumer;
    try {
      client = new rdkafka.KafkaConsumer(global, topic);
    } catch (error) {
      throw connectError(this.config.brokers, error);
    }
    client.on('event.error', this.onClientError);
    await connectClient(client, this.tokens, this.config);
    this.client = client;
    if (this.closing !== undefined) return; // closed while connecting: shutdown() disconnects
    client.setDefaultConsumeTimeout(CONSUME_TIMEOUT_MS);
    client.subscribe([...this.options.topics]);
    this.running = this.run(client, handler);
  }

  assignment(): string[] {
    return [...this.owned.keys()];
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.starting?.catch(() => undefined);
    // The loop stops after the fetch and handler in flight (a fetch lasts ≤ CONSUME_TIMEOUT_MS).
    await this.running;
    const client = this.client;
    // librdkafka's close waits for outstanding commits, then leaves the group.
    if (client !== undefined && client.isConnected()) await new Promise<void>((resolve) => client.disconnect(() => resolve()));
    if (client !== undefined) this.tokens?.detach(client);
    this.owned.clear();
    this.onClosed(this);
  }

  private async run(client: rdkafka.KafkaConsumer, handler: BatchHandler): Promise<void> {
    while (this.closing === undefined) {
      await this.retryStalled(client, handler);
      const messages = await this.consume(client);
      for (const [key, batch] of groupByPartition(messages)) {
        if (this.closing !== undefined) break;
        const ownership = this.owned.get(key);
        if (ownership === undefined) continue;
        for (const records of splitRebuild(batch.map(toBusRecord), ownership.rebuildUntil, ownership.rebuildSince)) {
          if (records.length === 0) continue;
          // Fetched before the pause took hold: queue behind the rejected batch, keep the order.
          if (ownership.stalled !== undefined) ownership.stalled.batches.push(records);
          else if (!(await this.deliver(client, handler, ownership, records))) this.stall(client, ownership, records);
        }
      }
    }
  }

  private consume(client: rdkafka.KafkaConsumer): Promise<Message[]> {
    return new Promise((resolve) => {
      client.consume(this.options.max_batch_records, (error, messages) => {
        if (!error) return resolve(messages);
        this.logConsumeError(error);
        // An error returns at once; wait as long as an empty fetch would, not to spin.
        setTimeout(() => resolve([]), CONSUME_TIMEOUT_MS);
      });
    });
  }

  /** Hands one batch to the handler; commits it once resolved. False when it rejected. */
  private async deliver(client: rdkafka.KafkaConsumer, handler: BatchHandler, ownership: Ownership, records: BusRecord[]): Promise<boolean> {
    try {
      await handler(records);
    } catch (error) {
      ownership.failures += 1;
      if (this.closing === undefined) this.telemetry.fail(handlerError(ownership.key, error), 'batch handler rejected; partition paused, the batch is redelivered after a back-off');
      return false;
    }
    ownership.failures = 0;
    const last = records[records.length - 1] as BusRecord;
    // Rebuild records were committed by the previous owner: nothing to count or commit.
    if (last.rebuild === true) return true;
    this.telemetry.metrics.received(records.length);
    // Revoked while the handler ran: its new owner starts from the committed offset.
    if (this.owned.get(ownership.key) !== ownership) return true;
    try {
      client.commit({ topic: last.topic, partition: last.partition, offset: last.offset + 1 });
    } catch (error) {
      this.telemetry.fail(commitError(ownership.key, error), 'offset commit failed; the records will be redelivered');
    }
    return true;
  }

  private stall(client: rdkafka.KafkaConsumer, ownership: Ownership, records: BusRecord[]): void {
    if (this.closing !== undefined || this.owned.get(ownership.key) !== ownership) return;
    ownership.stalled = { batches: [records], retryAtMs: Date.now() + backoffDelay(ownership.failures - 1, REDELIVERY_BACKOFF) };
    try {
      client.pause([{ topic: ownership.topic, partition: ownership.partition }]);
    } catch (error) {
      // Not fatal: whatever is still fetched queues behind the stalled batch.
      this.telemetry.log.warn({ err: error, partition: ownership.key }, 'pause failed');
    }
  }

  /** Hands stalled partitions' batches over again once their back-off passed; resumes them when all went through. */
  private async retryStalled(client: rdkafka.KafkaConsumer, handler: BatchHandler): Promise<void> {
    for (const ownership of [...this.owned.values()]) {
      const stalled = ownership.stalled;
      if (stalled === undefined || stalled.retryAtMs > Date.now()) continue;
      const current = () => this.closing === undefined && this.owned.get(ownership.key) === ownership;
      while (stalled.batches.length > 0 && current()) {
        if (!(await this.deliver(client, handler, ownership, stalled.batches[0] as BusRecord[]))) {
          stalled.retryAtMs = Date.now() + backoffDelay(ownership.failures - 1, REDELIVERY_BACKOFF);
          break;
        }
        stalled.batches.shift();
      }
      if (stalled.batches.length > 0 || !current()) continue;
      ownership.stalled = undefined;
      try {
        client.resume([{ topic: ownership.topic, partition: ownership.partition }]);
      } catch (error) {
        this.telemetry.log.warn({ err: error, partition: ownership.key }, 'resume failed');
      }
    }
  }

  private readonly onRebalance = (error: LibrdKafkaError, assignment: TopicPartition[]): void => {
    const client = this.client;
    const cooperative = client?.rebalanceProtocol() === 'COOPERATIVE';
    try {
      if (error.code === CODES.assignPartitions) {
        const fresh: Ownership[] = [];
        for (const { topic, partition } of assignment) {
          const key = `${topic}/${partition}`;
          const ownership: Ownership = { key, topic, partition, failures: 0, stalled: undefined, rebuildUntil: -1, rebuildSince: 0 };
          this.owned.set(key, ownership);
          fresh.push(ownership);
        }
        const rebuildMs = this.options.rebuild_ms ?? 0;
        if ((rebuildMs > 0 || this.options.from_time_ms !== undefined) && client !== undefined && assignment.length > 0) {
          // Positions need two broker round trips: assign once they are known (librdkafka lets
          // the application assign after the callback returned; nothing is fetched meanwhile).
          void this.assignForRebuild(client, fresh, assignment, cooperative, rebuildMs);
        } else {
          if (cooperative) client?.incrementalAssign(assignment);
          else client?.assign(assignment);
          // A partition we paused before losing it may come back still paused.
          if (assignment.length > 0) client?.resume(assignment);
        }
      } else if (error.code === CODES.revokePartitions) {
        const revoked: string[] = [];
        for (const { topic, partition } of assignment) {
          this.owned.delete(`${topic}/${partition}`);
          revoked.push(`${topic}/${partition}`);
        }
        if (revoked.length > 0) this.options.on_revoked?.(revoked);
        if (cooperative) client?.incrementalUnassign(assignment);
        else client?.unassign();
      } else {
        this.telemetry.log.warn({ err: error, group_id: this.options.group_id }, 'kafka rebalance error');
      }
    } catch (assignError) {
      // Throws only once the client is disconnecting; the group is being left anyway.
      this.telemetry.log.debug({ err: assignError }, 'assign/unassign during shutdown');
    }
    this.telemetry.log.debug({ group_id: this.options.group_id, event: error.code, partitions: assignment.length }, 'kafka rebalance');
  };

  /**
   * Assigns newly owned partitions at their rebuild position: the earlier of the committed
   * offset and the first record appended at or after (now − rebuild_ms). Records between that
   * and the committed offset are handed over flagged `rebuild` and never committed. Without a
   * committed offset (a new group) there is nothing to rebuild. If the positions cannot be
   * looked up, the partitions are assigned plainly (no rebuild) and that is logged.
   * With `from_time_ms`, a partition without a committed offset starts where offsetsForTime
   * says (the same lookup as KafkaBus.offsetsForTime).
   */
  private async assignForRebuild(client: rdkafka.KafkaConsumer, fresh: Ownership[], assignment: TopicPartition[], cooperative: boolean, rebuildMs: number): Promise<void> {
    const timeout = this.config.connect_timeout_ms;
    const since = Date.now() - rebuildMs;
    let positions: TopicPartitionOffset[] = assignment.map(({ topic, partition }) => ({ topic, partition, offset: undefined as unknown as number }));
    try {
      // The coordinator may still be settling right after the join: a few tries.
      const committed = await withRetries(() => new Promise<TopicPartitionOffset[]>((resolve, reject) => client.committed(assignment, timeout, (error, offsets) => (error ? reject(error) : resolve(offsets)))));
      // Brokers without timestamp lookups (librdkafka's mock answers −1 or garbage) fall back
      // to re-reading at most REBUILD_FALLBACK_RECORDS and skipping records older than `since`.
      const byTime = await new Promise<TopicPartitionOffset[]>((resolve) =>
        client.offsetsForTimes(
          assignment.map(({ topic, partition }) => ({ topic, partition, offset: since })),
          timeout,
          (error, offsets) => resolve(error ? [] : offsets),
        ),
      );
      const fromTime = this.options.from_time_ms;
      const uncommitted = assignment.filter(({ topic, partition }) => !(Number(committed.find((c) => c.topic === topic && c.partition === partition)?.offset ?? -1) >= 0));
      const starts = new Map<string, number>();
      if (fromTime !== undefined) {
        for (const topicName of new Set(uncommitted.map(({ topic }) => topic))) {
          const ranges: PartitionRange[] = await rangesForTime(client as unknown as OffsetLookupClient, topicName, uncommitted.filter(({ topic }) => topic === topicName).map(({ partition }) => partition), fromTime, timeout);
          for (const range of ranges) starts.set(`${topicName}/${range.partition}`, range.start);
        }
      }
      positions = assignment.map(({ topic, partition }) => {
        const done = committed.find((c) => c.topic === topic && c.partition === partition)?.offset ?? -1;
        const at = byTime.find((c) => c.topic === topic && c.partition === partition)?.offset ?? -1;
        const ownership = fresh.find((o) => o.topic === topic && o.partition === partition);
        if (typeof done !== 'number' || done < 0) return { topic, partition, offset: starts.get(`${topic}/${partition}`) as number };
        // Here only for from_time_ms: a committed offset wins and there is nothing to rebuild.
        if (rebuildMs <= 0) return { topic, partition, offset: done };
        const start = typeof at === 'number' && at >= 0 && at <= done ? at : Math.max(0, done - REBUILD_FALLBACK_RECORDS);
        if (ownership !== undefined && start < done) {
          ownership.rebuildUntil = done;
          ownership.rebuildSince = since;
        }
        return { topic, partition, offset: start };
      });
    } catch (error) {
      this.telemetry.log.warn({ err: error, group_id: this.options.group_id }, 'rebuild positions unavailable; partitions assigned without rebuild');
    }
    // Revoked (or closing) while we looked: assign only what is still ours.
    const still = positions.filter((p) => this.closing === undefined && fresh.some((o) => o.topic === p.topic && o.partition === p.partition && this.owned.get(o.key) === o));
    if (still.length === 0) return;
    const toppars = still.map((p) => (p.offset === undefined ? { topic: p.topic, partition: p.partition } : p));
    try {
      if (cooperative) client.incrementalAssign(toppars);
      else client.assign(toppars);
      client.resume(still.map(({ topic, partition }) => ({ topic, partition })));
    } catch (error) {
      this.telemetry.log.debug({ err: error }, 'assign after rebuild lookup failed (closing?)');
    }
    this.telemetry.log.info({ group_id: this.options.group_id, partitions: still.length, rebuilding: fresh.filter((o) => o.rebuildUntil >= 0).length, positions: toppars.map((p) => `${p.partition}@${'offset' in p ? p.offset : 'committed'}`).join(',') }, 'partitions assigned');
  }

  private readonly onCommitted = (error: LibrdKafkaError | undefined, offsets: TopicPartitionOffset[]): void => {
    if (!error || error.code === CODES.noOffset) return;
    const partitions = offsets.map((offset) => `${offset.topic}/${offset.partition}`).join(',');
    this.telemetry.fail(commitError(partitions, error), 'offset commit failed; the records will be redelivered');
  };

  private readonly onClientError = (error: LibrdKafkaError): void => {
    // Broker connection churn is routine and also seen by the producer's readiness; the rest is not.
    const routine = error.code === CODES.transport || error.code === CODES.allBrokersDown || /transport failure|broker connections are down/i.test(error.message ?? '');
    const fields = { err: error, group_id: this.options.group_id };
    if (routine) this.telemetry.log.debug(fields, 'kafka consumer client error');
    else this.telemetry.log.warn(fields, 'kafka consumer client error');
  };

  private logConsumeError(error: LibrdKafkaError): void {
    if (this.closing !== undefined) return;
    const now = Date.now();
    if (now - this.lastConsumeErrorLog < CONSUME_ERROR_LOG_INTERVAL_MS) return;
    this.lastConsumeErrorLog = now;
    this.telemetry.log.warn({ err: error, code: error.code, group_id: this.options.group_id, detail: messageOf(error) }, 'kafka consume error');
  }
}

/**
 * Splits a partition's fetched records into the rebuild prefix (offset < rebuildUntil, flagged;
 * those appended before `since` dropped) and the rest.
 */
function splitRebuild(records: BusRecord[], rebuildUntil: number, since: number): BusRecord[][] {
  if (rebuildUntil < 0 || (records[0] as BusRecord).offset >= rebuildUntil) return [records];
  const cut = records.findIndex((record) => record.offset >= rebuildUntil);
  const rebuild = (cut === -1 ? records : records.slice(0, cut)).filter((record) => record.timestamp_ms >= since).map((record) => ({ ...record, rebuild: true }));
  return cut === -1 ? [rebuild] : [rebuild, records.slice(cut)];
}

async function withRetries<T>(attempt: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * i));
    }
  }
}
