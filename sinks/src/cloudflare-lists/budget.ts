/**
 * A sliding-window budget (`limit` units per `window_ms`), on an injected clock. Cloudflare
 * counts requests and list item changes per 5 minutes per token; keeping our own count below
 * theirs means we stop before they answer 429 and lock the token out for a while.
 */
import type { Clock } from '@botsieve/core';

export class SlidingWindowBudget {
  /** Spends in time order: [at, amount]. At most one entry per spend, so a few thousand at most. */
  private readonly spends: Array<[number, number]> = [];
  private head = 0;
  private spent = 0;

  constructor(
    readonly limit: number,
    private readonly window_ms: number,
    private readonly clock: Clock,
  ) {}

  /** Units left in the current window. */
  available(): number {
    this.expire(this.clock.now());
    return this.limit - this.spent;
  }

  /** Spends `amount` units; the caller checked `available()` first. */
  spend(amount: number): void {
    const now = this.clock.now();
    this.expire(now);
    this.spends.push([now, amount]);
    this.spent += amount;
  }

  /** Milliseconds until `amount` units (at most `limit`) are available again; 0 when they are now. */
  waitFor(amount: number): number {
    const now = this.clock.now();
    this.expire(now);
    let missing = Math.min(amount, this.limit) - (this.limit - this.spent);
    if (missing <= 0) return 0;
    for (let i = this.head; i < this.spends.length; i++) {
      const [at, spent] = this.spends[i] as [number, number];
      missing -= spent;
      if (missing <= 0) return Math.max(1, at + this.window_ms - now);
    }
    return this.window_ms;
  }

  private expire(now: number): void {
    while (this.head < this.spends.length) {
      const [at, amount] = this.spends[this.head] as [number, number];
      if (at + this.window_ms > now) break;
      this.spent -= amount;
      this.head += 1;
    }
    if (this.head > 1_024 && this.head * 2 > this.spends.length) {
      this.spends.splice(0, this.head);
      this.head = 0;
    }
  }
}
