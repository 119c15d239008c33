/**
 * Turns the per-verdict results of one batch into the error `writeBatch` throws, so the runtime
 * retries exactly the verdicts that were not stored and dead-letters only those that never can be.
 */
import { BotsieveError, PartialWriteError, type RejectedItem } from '@botsieve/core';
import { sinkError } from '../errors.js';
import { errorMessage } from './cluster-client.js';

export interface FailedWrite<T> {
  item: T;
  error: unknown;
}

/**
 * Waits until every command settled or `deadline_ms` passed; returns the failed items, counting
 * a command without an answer by then as failed (retryable). ioredis bounds a command only once it
 * was sent to a node: while the whole cluster is unreachable it queues commands without a limit,
 * and a write (and `close()`, which waits for it) would otherwise hang until the cluster is back.
 * A late answer is ignored; the retry is idempotent.
 */
export function settleWithin<T>(items: readonly T[], commands: readonly Promise<unknown>[], deadline_ms: number): Promise<FailedWrite<T>[]> {
  const failures: FailedWrite<T>[] = [];
  const settled = new Uint8Array(commands.length);
  let remaining = commands.length;
  return new Promise((resolve) => {
    if (remaining === 0) {
      resolve(failures);
      return;
    }
    const timer = setTimeout(() => {
      const error = new Error(`no reply within ${deadline_ms} ms (cluster unreachable?)`);
      for (let i = 0; i < commands.length; i += 1) if (settled[i] === 0) failures.push({ item: items[i] as T, error });
      resolve(failures);
    }, deadline_ms);
    const done = (i: number, error?: unknown) => {
      if (settled[i] !== 0) return;
      settled[i] = 1;
      if (error !== undefined) failures.push({ item: items[i] as T, error });
      if (--remaining === 0) {
        clearTimeout(timer);
        resolve(failures);
      }
    };
    for (let i = 0; i < commands.length; i += 1) {
      (commands[i] as Promise<unknown>).then(
        () => done(i),
        (error: unknown) => done(i, error ?? new Error('command failed')),
      );
    }
  });
}

/**
 * Reason for a failure that retrying cannot fix, or undefined for one that may pass later.
 *
 * Only WRONGTYPE is final: the key holds something that is not ours (another application wrote
 * it), and it stays that way. Everything else is retried: connection loss, timeouts, MOVED/ASK
 * past `max_redirections`, TRYAGAIN, CLUSTERDOWN, LOADING, READONLY during a failover, OOM, and
 * also NOAUTH/NOPERM, which are the cluster's state rather than the verdict's fault; dead-lettering
 * every verdict because a password rotated would lose them, while retrying shows up in metrics.
 */
export function rejectionReason(error: unknown): string | undefined {
  return errorMessage(error).startsWith('WRONGTYPE') ? 'wrong_type' : undefined;
}

/**
 * The error for a batch of `batch_size` verdicts, or undefined when all of them were stored (or
 * deliberately skipped). `invalid` are verdicts refused before sending. When every verdict failed
 * for a retryable reason the whole batch is retried with ERR_SINK_UNAVAILABLE; otherwise a
 * PartialWriteError lists the failed ones in `retry` and the hopeless ones in `rejected`.
 */
export function batchFailure<T>(batch_size: number, failures: readonly FailedWrite<T>[], invalid: readonly RejectedItem<T>[] = []): BotsieveError | undefined {
  if (failures.length === 0 && invalid.length === 0) return undefined;
  const retry: T[] = [];
  const rejected: RejectedItem<T>[] = [...invalid];
  const messages = new Set<string>();
  for (const { item, error } of failures) {
    const message = errorMessage(error);
    if (messages.size < 3) messages.add(message);
    const reason = rejectionReason(error);
    if (reason === undefined) retry.push(item);
    else rejected.push({ item, reason, detail: message });
  }
  const cause = failures[0]?.error;
  const summary = [...messages].join('; ');
  if (rejected.length === 0 && retry.length === batch_size) {
    return sinkError('ERR_SINK_UNAVAILABLE', `all ${batch_size} verdict writes failed: ${summary}`, { cause });
  }
  return new PartialWriteError(`${retry.length} of ${batch_size} verdict writes failed (retried), ${rejected.length} rejected${summary === '' ? '' : `: ${summary}`}`, retry, rejected, { cause });
}
