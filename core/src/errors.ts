/**
 * The one error base class. Every package has its own catalogue of codes (`errors.ts`) and
 * throws subclasses or instances of this with a code from it.
 */
export interface BotsieveErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  /** For retryable errors: the target asked not to be called again before this many ms (HTTP `retry-after`). */
  retry_after_ms?: number;
}

export class BotsieveError extends Error {
  readonly code: string;
  /** True when the same operation may succeed if tried again later (broker down, queue full). */
  readonly retryable: boolean;
  /** Earliest retry the target allows, in ms from now (a 429's `retry-after`); undefined when it said nothing. */
  readonly retry_after_ms: number | undefined;

  constructor(code: string, message: string, options: BotsieveErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BotsieveError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retry_after_ms = options.retry_after_ms;
  }
}

export function isBotsieveError(error: unknown): error is BotsieveError {
  return error instanceof BotsieveError;
}

/** One code of a package's catalogue: whether it is retryable is fixed per code. */
export interface ErrorCatalogueEntry {
  readonly code: string;
  readonly retryable: boolean;
  readonly description: string;
}

/** A BotsieveError with the entry's code and the `retryable` its catalogue gives that code. */
export function catalogueError(entry: ErrorCatalogueEntry, message: string, options: Omit<BotsieveErrorOptions, 'retryable'> = {}): BotsieveError {
  return new BotsieveError(entry.code, message, { ...options, retryable: entry.retryable });
}

/** Core's own catalogue: the few pure functions here that validate input. */
export const CORE_ERRORS = {
  ERR_INVALID_CIDR: {
    code: 'ERR_INVALID_CIDR',
    retryable: false,
    description: 'A CidrSet was given an entry that is not an IPv4 or IPv6 address with an optional /length; the message names the entry and its index.',
  },
} as const;

export type CoreErrorCode = keyof typeof CORE_ERRORS;
