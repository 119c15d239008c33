/** Error catalogue of the command line and configuration loading. */
export const CLI_ERRORS = {
  ERR_CLI_USAGE: { code: 'ERR_CLI_USAGE', retryable: false, description: 'A command was called with missing or contradictory arguments; the message says what to change.' },
  ERR_ADMIN_LISTEN: { code: 'ERR_ADMIN_LISTEN', retryable: false, description: 'The admin server cannot listen on its port (in use, or not permitted); choose another with --admin-port.' },
  ERR_ADMIN_UNAUTHORIZED: { code: 'ERR_ADMIN_UNAUTHORIZED', retryable: false, description: 'An admin route other than /healthz and /readyz was requested with a missing or wrong token (admin.auth.token, in the header admin.auth.header); answered 401.' },
} as const;
