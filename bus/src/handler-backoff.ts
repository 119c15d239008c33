/**
 * Back-off before a partition whose handler rejected is redelivered, shared by both buses.
 * Doubles per consecutive failure of that partition and resets on the first success, so a sink
 * that is down for minutes costs one log line and one redelivery every MAX seconds, not a spin.
 */
export const HANDLER_BACKOFF_BASE_MS = 200;
export const HANDLER_BACKOFF_MAX_MS = 10_000;

/** Delay before redelivery after `failures` consecutive failures (1 = first). */
export function handlerBackoffMs(failures: number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 16);
  return Math.min(HANDLER_BACKOFF_MAX_MS, HANDLER_BACKOFF_BASE_MS * 2 ** exponent);
}
