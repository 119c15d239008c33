/**
 * Error catalogue of the bus package. Every error the bus throws or rejects with is a
 * BotsieveError with one of these codes; `retryable` is fixed per code.
 */
import { catalogueError, type BotsieveError } from '@botsieve/core';

export const BUS_ERRORS = {
  ERR_BUS_DELIVERY: {
    code: 'ERR_BUS_DELIVERY',
    retryable: true,
    description: 'A message of a producer batch was not confirmed (broker error, delivery timeout, producer closed first); the batch must not be acknowledged.',
  },
  ERR_BUS_FULL: {
    code: 'ERR_BUS_FULL',
    retryable: true,
    description: 'The bounded producer queue or embedded log is full; push back and try later.',
  },
  ERR_BUS_UNAVAILABLE: {
    code: 'ERR_BUS_UNAVAILABLE',
    retryable: true,
    description: 'The brokers are unreachable (isReady() is false); try later.',
  },
  ERR_BUS_CLOSED: {
    code: 'ERR_BUS_CLOSED',
    retryable: false,
    description: 'The bus, producer, consumer or batch was already closed (or sealed) when it was used.',
  },
  ERR_BUS_CONNECT: {
    code: 'ERR_BUS_CONNECT',
    retryable: true,
    description: 'A producer or consumer could not connect to the brokers.',
  },
  ERR_BUS_COMMIT: {
    code: 'ERR_BUS_COMMIT',
    retryable: true,
    description: 'A consumer offset commit failed; the records are redelivered, never lost.',
  },
  ERR_BUS_REJECTED: {
    code: 'ERR_BUS_REJECTED',
    retryable: false,
    description: 'The client refused a message outright (e.g. larger than message.max.bytes); sending it again fails the same way.',
  },
  ERR_BUS_HANDLER: {
    code: 'ERR_BUS_HANDLER',
    retryable: true,
    description: 'A batch handler rejected; the partition is paused and redelivered from its committed offset after a back-off.',
  },
  ERR_BUS_AUTH: {
    code: 'ERR_BUS_AUTH',
    retryable: true,
    description: 'No SASL/OAUTHBEARER token could be obtained (credentials, metadata server, no principal): connecting fails with it; a failed refresh is logged with it and retried while the current token lasts.',
  },
} as const;

export type BusErrorCode = keyof typeof BUS_ERRORS;

/** A BotsieveError with a code from the catalogue and that code's `retryable`. */
export function busError(code: BusErrorCode, message: string, cause?: unknown): BotsieveError {
  return catalogueError(BUS_ERRORS[code], message, { cause });
}

export function deliveryError(message: string, cause?: unknown): BotsieveError {
  return busError('ERR_BUS_DELIVERY', message, cause);
}

export function closedError(what: string): BotsieveError {
  return busError('ERR_BUS_CLOSED', `${what} is closed`);
}

export function connectError(brokers: string, cause: unknown): BotsieveError {
  return busError('ERR_BUS_CONNECT', `cannot connect to Kafka at ${brokers}: ${messageOf(cause)}`, cause);
}

export function commitError(partition: string, cause: unknown): BotsieveError {
  return busError('ERR_BUS_COMMIT', `offset commit failed for ${partition}: ${messageOf(cause)}`, cause);
}

export function handlerError(partition: string, cause: unknown): BotsieveError {
  return busError('ERR_BUS_HANDLER', `batch handler failed for ${partition}: ${messageOf(cause)}`, cause);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
