/**
 * The one error base class. Every package has its own catalogue of codes (`errors.ts`) and
 * throws subclasses or instances of this with a code from it.
 */
export interface BotsieveErrorOptions {
  retryable?: boolean;
  cause?: unknown;
}

export class BotsieveError extends Error {
  readonly code: string;
  /** True when the same operation may succeed if tried again later (broker down, queue full). */
  readonly retryable: boolean;

  constructor(code: string, message: string, options: BotsieveErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BotsieveError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

export function isBotsieveError(error: unknown): error is BotsieveError {
  return error instanceof BotsieveError;
}
