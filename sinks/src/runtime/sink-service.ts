/**
 * Runs one sink behind a bus consumer: decode a consumed batch, write it, and only then let the
 * consumer commit. The sink itself has no retry loop; a retryable error rejects the batch so the
 * consumer redelivers it from the last committed offset after a back-off. A non-retryable error
 * would fail forever: the batch is counted as discarded with the error's code and logged.
 */
import { isBotsieveError, type Bus, type BusConsumer, type BusRecord, type Sink } from '@botsieve/core';
import type { ComponentTelemetry, Telemetry } from '@botsieve/runtime';
import { SINK_ERRORS } from '../errors.js';

export interface SinkServiceOptions<T> {
  /** Consumer group; one per sink, so each sink sees every record. */
  group_id: string;
  topic: string;
  /** Turns a record into an item; returns undefined for a record that cannot be decoded. */
  decode: (record: BusRecord) => T | undefined;
  max_batch_records: number;
}

export class SinkService<T> {
  private consumer: BusConsumer | undefined;
  private readonly telemetry: ComponentTelemetry;

  constructor(
    private readonly bus: Bus,
    private readonly sink: Sink<T>,
    private readonly options: SinkServiceOptions<T>,
    telemetry: Telemetry,
  ) {
    this.telemetry = telemetry.component(`sink.${sink.id}`);
  }

  async start(): Promise<void> {
    await this.sink.connect();
    this.consumer = this.bus.consumer({ group_id: this.options.group_id, topics: [this.options.topic], from: 'earliest', max_batch_records: this.options.max_batch_records });
    await this.consumer.start((records) => this.handle(records));
    this.telemetry.log.info({ topic: this.options.topic, group: this.options.group_id }, 'sink started');
  }

  async close(): Promise<void> {
    await this.consumer?.close();
    await this.sink.close();
  }

  private async handle(records: BusRecord[]): Promise<void> {
    const { metrics } = this.telemetry;
    metrics.received(records.length);
    const items: T[] = [];
    for (const record of records) {
      const item = this.options.decode(record);
      if (item === undefined) metrics.discarded(SINK_ERRORS.ERR_SINK_DECODE.code);
      else items.push(item);
    }
    try {
      await this.sink.writeBatch(items);
      metrics.sent(items.length);
    } catch (error) {
      this.telemetry.fail(error, `sink ${this.sink.id} failed to write ${items.length} items`, SINK_ERRORS.ERR_SINK_WRITE.code);
      if (!isBotsieveError(error) || error.retryable) throw error;
      metrics.discarded(error.code, items.length);
    }
  }
}

/** Decodes a JSON record value; undefined when it is not JSON. */
export function decodeJson<T>(record: BusRecord): T | undefined {
  try {
    return JSON.parse(record.value.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
