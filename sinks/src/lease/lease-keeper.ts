/**
 * Keeps a writer lease: every renew interval the holder renews and a standby tries to take
 * over. Ticks never overlap (a slow store delays the next, and the clock revokes meanwhile).
 * Every change of `held` — seen by a tick or by a writer's fence check, whichever comes first —
 * is logged once, counted, and told to the listener, which reconciles before writing again.
 */
import type { Clock } from '@botsieve/core';
import type { ComponentTelemetry } from '@botsieve/runtime';
import { SINK_ERRORS } from '../errors.js';
import type { LeaseMetrics } from './metrics.js';
import type { LeaseStatus, WriterLease } from './writer-lease.js';

export interface LeaseKeeperDeps {
  telemetry: ComponentTelemetry;
  metrics: LeaseMetrics;
  clock: Clock;
  /** Between two ticks (`renewIntervalMs(ttl_ms)`). */
  interval_ms: number;
}

export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private was_held = false;
  private state: 'new' | 'started' | 'closed' = 'new';
  private listener: (held: boolean) => void = () => undefined;
  /** After a step-down: no takeover attempt before this time (ms since the epoch). */
  private hold_off_until = Number.NEGATIVE_INFINITY;

  constructor(
    readonly lease: WriterLease,
    private readonly deps: LeaseKeeperDeps,
  ) {}

  /** Called on every change of `held` (true: acquired; false: lost or released). */
  onChange(listener: (held: boolean) => void): void {
    this.listener = listener;
  }

  /** Connects the store (throws ERR_SINK_CONNECT when unreachable), tries once, then keeps ticking. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    await this.lease.connect();
    this.state = 'started';
    await this.tick();
    this.schedule();
  }

  /** The fence: held right now. Call it immediately before each write. */
  holding(): boolean {
    this.observe();
    return this.was_held;
  }

  status(): LeaseStatus {
    return this.lease.status();
  }

  /** One renewal (holder) or takeover attempt (standby). Public for tests with a manual clock. */
  async tick(): Promise<void> {
    const { log } = this.deps.telemetry;
    try {
      if (this.lease.held()) {
        if (!(await this.lease.renew())) log.warn({ key: this.lease.key }, 'writer lease: the store no longer holds our token');
      } else if (this.deps.clock.now() >= this.hold_off_until) {
        await this.lease.acquire();
      }
    } catch (error) {
      this.deps.metrics.storeFailed(SINK_ERRORS.ERR_SINK_UNAVAILABLE.code);
      log.warn({ err: error, key: this.lease.key, held: this.lease.held() }, 'writer lease store unreachable; a holder keeps writing only until its grant runs out');
    }
    this.observe();
  }

  /**
   * Gives the lease up although this process could keep it (its writes keep failing: `why`), and
   * makes no takeover attempt for `hold_off_ms`, so a peer takes over at its next tick.
   */
  async stepDown(why: string, hold_off_ms: number): Promise<void> {
    if (this.state !== 'started' || !this.lease.held()) return;
    this.hold_off_until = this.deps.clock.now() + hold_off_ms;
    this.deps.telemetry.log.warn({ key: this.lease.key, why, hold_off_ms }, 'writer lease given up: this process cannot write; a peer takes over');
    await this.release();
  }

  /** Releases the lease: it stops counting on it at once (so the change is told as a release, not a loss), then deletes the key. */
  private async release(): Promise<void> {
    const held = this.lease.held();
    const releasing = this.lease.release();
    if (this.was_held) this.change(false, held ? 'released' : 'lost');
    try {
      await releasing;
    } catch (error) {
      this.deps.telemetry.log.warn({ err: error, key: this.lease.key }, 'writer lease not released; a peer takes over when it expires');
    }
  }

  /** Stops ticking, releases the lease if held (a peer takes over within one interval), closes the store. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const started = this.state === 'started';
    this.state = 'closed';
    clearTimeout(this.timer);
    await this.ticking;
    if (!started) return;
    await this.release();
    await this.lease.close();
  }

  private schedule(): void {
    if (this.state !== 'started') return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        this.schedule();
      });
    }, this.deps.interval_ms);
    this.timer.unref();
  }

  private observe(): void {
    const held = this.lease.held();
    if (held !== this.was_held) this.change(held, held ? 'acquired' : 'lost');
  }

  private change(held: boolean, transition: 'acquired' | 'lost' | 'released'): void {
    this.was_held = held;
    this.deps.metrics.transition(transition);
    const { log } = this.deps.telemetry;
    const status = this.lease.status();
    if (transition === 'acquired') log.info({ key: status.key, holder: status.holder, since: status.since }, 'writer lease acquired: this process writes now');
    else if (transition === 'lost') log.warn({ key: status.key, holder: status.holder }, 'writer lease lost: this process stops writing (standby)');
    else log.info({ key: status.key }, 'writer lease released');
    this.listener(held);
  }
}
