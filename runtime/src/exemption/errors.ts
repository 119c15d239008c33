/**
 * Error catalogue of the exemption module (runtime/src/exemption). Every tier loads the same data
 * through it, so its failures carry their own codes rather than a tier's.
 */
export const EXEMPTION_ERRORS = {
  ERR_EXEMPTION_DATA: {
    code: 'ERR_EXEMPTION_DATA',
    retryable: false,
    description: 'The known-bot ranges file (crawlers, monitors, link previews) or a safelisted CIDR is unreadable or invalid; every problem is listed with its path. Raised at boot, before anything connects.',
  },
  ERR_EXEMPTION_REFRESH: {
    code: 'ERR_EXEMPTION_REFRESH',
    retryable: false,
    description: 'Refreshing a published range list failed for good (an HTTP status other than 5xx or 429, not the expected format, an empty list); nothing was written.',
  },
  ERR_EXEMPTION_FETCH: {
    code: 'ERR_EXEMPTION_FETCH',
    retryable: true,
    description: 'Fetching a published range list failed in a way that may pass later (network failure, timeout, HTTP 5xx or 429); nothing was written.',
  },
} as const;

export type ExemptionErrorCode = keyof typeof EXEMPTION_ERRORS;
