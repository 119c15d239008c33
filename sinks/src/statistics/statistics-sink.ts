/**
 * What the two statistics sinks (verdict rows, traffic rows) share around their RowWriter: the
 * row validator, the open state, `connect()` (opens the writer), the not-connected check and
 * `healthcheck()`. Writing and closing differ (verdicts wait for the writes in flight; traffic
 * first flushes its open minutes), so each sink has its own.
 */
import { BotsieveError, type Clock, type Sink } from '@botsieve/core';
import type { ComponentTelemetry } from '@botsieve/runtime';
import { SINK_ERRORS } from '../errors.js';
import type { RowWriter } from './row-writer.js';
import type { RowValidator } from './schema.js';

export interface StatisticsSinkDependencies {
  telemetry: ComponentTelemetry;
  /** Wall clock for `inserted_at` (and, for traffic, closing quiet minutes). */
  clock: Clock;
}

export abstract class StatisticsSink<T> implements Sink<T> {
  protected open = false;

  protected constructor(
    readonly id: string,
    /** `verdict` or `traffic`, for the log line. */
    private readonly kind: string,
    protected readonly writer: RowWriter,
    protected readonly deps: StatisticsSinkDependencies,
    protected readonly validate: RowValidator,
  ) {}

  async connect(): Promise<void> {
    await this.writer.connect();
    this.open = true;
    this.deps.telemetry.log.info({ table: this.writer.table }, `${this.kind} statistics sink connected`);
  }

  async healthcheck(): Promise<boolean> {
    return this.open && (await this.writer.healthcheck());
  }

  abstract writeBatch(items: readonly T[]): Promise<void>;
  abstract close(): Promise<void>;

  /** Throws ERR_SINK_CLOSED unless connected (and not closed). */
  protected assertOpen(): void {
    if (!this.open) throw new BotsieveError(SINK_ERRORS.ERR_SINK_CLOSED.code, `${this.id} is not connected`);
  }
}
