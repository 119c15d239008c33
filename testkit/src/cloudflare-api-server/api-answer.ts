/**
 * What every part of the local Cloudflare API answers with: a result (`Routed`, which the request
 * handler wraps in Cloudflare's envelope) or an `ApiFailure` thrown anywhere below the handler,
 * and ids and timestamps in the API's formats.
 */
import { randomBytes } from 'node:crypto';

/** An error answer: HTTP status, Cloudflare error code (illustrative), message, extra headers. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A successful answer before it is put in the envelope. */
export type Routed = { status: number; result: unknown; result_info?: unknown };

/** Cloudflare's answer to a path it has no route for, or an account that is not ours. */
export function couldNotRoute(path: string): ApiFailure {
  return new ApiFailure(404, 7_003, `Could not route to ${path}, perhaps your object identifier is invalid?`);
}

/** A random id of `bytes` bytes in hex (Cloudflare ids are 32 hex characters). */
export const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Now, as the API writes timestamps. */
export const iso = () => new Date().toISOString();
