/** Error catalogue of the origin package. README.md lists every code (checked by a test). */
import { catalogueError, type BotsieveError } from '@botsieve/core';

export const ORIGIN_ERRORS = {
  ERR_ORIGIN_CONFIG: {
    code: 'ERR_ORIGIN_CONFIG',
    retryable: false,
    description: 'An origin middleware option is invalid (a trusted proxy that is not a CIDR, a budget out of range, a bad ingest URL); raised when the guard, the stream or the bucket is built.',
  },
  ERR_ORIGIN_CLOUDFLARE_IPS: {
    code: 'ERR_ORIGIN_CLOUDFLARE_IPS',
    retryable: false,
    description: 'The Cloudflare edge ranges (shipped file or a refresh) are invalid: an HTML page, an empty list, an entry that is not a CIDR of the list\'s family; nothing was written.',
  },
  ERR_ORIGIN_CLOUDFLARE_IPS_FETCH: {
    code: 'ERR_ORIGIN_CLOUDFLARE_IPS_FETCH',
    retryable: true,
    description: 'Fetching the Cloudflare edge ranges failed in a way that may pass later (network failure, timeout, HTTP 5xx or 429); nothing was written.',
  },
} as const;

export type OriginErrorCode = keyof typeof ORIGIN_ERRORS;

export function originConfigError(message: string, cause?: unknown): BotsieveError {
  return catalogueError(ORIGIN_ERRORS.ERR_ORIGIN_CONFIG, message, { cause });
}

/** The error of the Cloudflare ranges refresh, in the shape @botsieve/runtime's fetch and write steps take. */
export function cloudflareIpsError(message: string, retryable: boolean, cause?: unknown): BotsieveError {
  return catalogueError(retryable ? ORIGIN_ERRORS.ERR_ORIGIN_CLOUDFLARE_IPS_FETCH : ORIGIN_ERRORS.ERR_ORIGIN_CLOUDFLARE_IPS, message, { cause });
}
