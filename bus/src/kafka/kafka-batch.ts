/**
 * A Kafka producer batch. The batch object itself is the `opaque` of every message it sends,
 * so a delivery report finds its batch without a promise or closure per message; the batch
 * only counts down.
 *
 * Settlement: `seal()` resolves when the count reaches zero with no failure, and rejects with
 * ERR_BUS_DELIVERY on the first failed report (it does not wait for the others). A batch is
 * settled at most once; reports arriving after a failure only count down.
 */
import type { BotsieveError, ProduceBatch } from '@botsieve/core';
import { busError } from '../errors.js';

/** What a batch needs from its producer. */
export interface BatchOwner {
  /** Enqueues one message with the batch as opaque; false when full or unavailable. */
  enqueue(batch: KafkaBatch, topic: string, key: string | null, value: Buffer): boolean;
  /** The batch has messages awaiting reports (so close() can fail them if they never come). */
  track(batch: KafkaBatch): void;
  untrack(batch: KafkaBatch): void;
  /** Counts a batch fully confirmed. */
  confirmed(count: number): void;
}

export class KafkaBatch implements ProduceBatch {
  size = 0;
  /** Messages sent and not yet reported. */
  private pending = 0;
  private failure: BotsieveError | undefined;
  private sealed: Promise<void> | undefined;
  private resolveSeal: (() => void) | undefined;
  private rejectSeal: ((error: BotsieveError) => void) | undefined;

  constructor(private readonly owner: BatchOwner) {}

  send(topic: string, key: string | null, value: Buffer): boolean {
    if (this.sealed !== undefined) throw busError('ERR_BUS_CLOSED', 'send() on a sealed batch');
    if (!this.owner.enqueue(this, topic, key, value)) return false;
    this.size += 1;
    this.pending += 1;
    if (this.pending === 1) this.owner.track(this);
    return true;
  }

  seal(): Promise<void> {
    this.sealed ??= new Promise<void>((resolve, reject) => {
      if (this.failure !== undefined) reject(this.failure);
      else if (this.pending === 0) resolve();
      else {
        this.resolveSeal = resolve;
        this.rejectSeal = reject;
      }
    });
    return this.sealed;
  }

  /** One delivery report for this batch: `error` undefined when the broker confirmed it. */
  reported(error: BotsieveError | undefined): void {
    if (this.pending === 0) return; // abandoned by close(), then reported after all
    this.pending -= 1;
    if (error !== undefined) this.fail(error);
    if (this.pending > 0) return;
    this.owner.untrack(this);
    if (this.failure !== undefined) return;
    this.owner.confirmed(this.size);
    const resolve = this.resolveSeal;
    this.resolveSeal = undefined;
    this.rejectSeal = undefined;
    resolve?.();
  }

  /** The producer closed with this batch's messages unreported: they count as failed. */
  abandon(error: BotsieveError): void {
    this.pending = 0;
    this.owner.untrack(this);
    this.fail(error);
  }

  private fail(error: BotsieveError): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    const reject = this.rejectSeal;
    this.resolveSeal = undefined;
    this.rejectSeal = undefined;
    reject?.(error);
  }
}
