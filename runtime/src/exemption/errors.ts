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
    description: 'Refreshing a published range list failed (HTTP status, timeout, not the expected format, an empty list); nothing was written. Network failures and 5xx/429 answers are retryable.',
  },
} as const;

export type ExemptionErrorCode = keyof typeof EXEMPTION_ERRORS;
