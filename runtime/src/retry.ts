/**
 * The one retry policy: exponential back-off and the `retry-after` parser. Every tier that waits
 * before trying again (the sink runtime, the buses' redelivery, the Pub/Sub subscriber) computes
 * its delay here, with the randomness and the clock passed in, so tests can pin both.
 */

/** A source of uniform numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

/** `Math.random`. Only runtimes use it; tests pass a fixed source. */
export const systemRandom: Random = () => Math.random();

export interface BackoffPolicy {
  /** Delay before the first retry (attempt 0); doubles per attempt. */
  base_ms: number;
  /** Largest delay, before jitter. */
  max_ms: number;
  /**
   * `none`: exactly the doubled delay (redelivery of a whole partition, where a fixed rhythm is
   * fine). `equal`: uniform in [½, 1) of it, so writers that failed together do not retry in step.
   */
  jitter: 'none' | 'equal';
}

/**
 * Doublings stop here. Past it `2 ** attempt` could only matter for a cap above base × 2^20
 * (about 17 min from a 1 ms base); every caller's cap is below that with its defaults.
 */
const MAX_DOUBLINGS = 20;

/**
 * Redelivery after a failed batch handler (both buses, per partition; the Pub/Sub subscriber's
 * nacks): 200 ms doubling per consecutive failure to 10 s, no jitter, reset on the first success.
 * A sink that is down for minutes costs one log line and one redelivery every 10 s, not a spin.
 */
export const REDELIVERY_BACKOFF: BackoffPolicy = { base_ms: 200, max_ms: 10_000, jitter: 'none' };

/** Delay before retry number `attempt` (0 = the first retry). `random` is only read with jitter. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: Random = systemRandom): number {
  const exponent = Math.min(Math.max(attempt, 0), MAX_DOUBLINGS);
  const delay = Math.min(policy.max_ms, policy.base_ms * 2 ** exponent);
  return policy.jitter === 'none' ? delay : delay * (0.5 + random() / 2);
}

/**
 * An HTTP `retry-after` value (RFC 9110: delay-seconds or an HTTP date) as ms after `now_ms`,
 * rounded up so a retry is never sooner than asked; undefined when absent or unreadable. A date
 * in the past, or negative seconds, is 0.
 */
export function parseRetryAfter(value: string | null | undefined, now_ms: number): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds * 1_000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now_ms);
}
