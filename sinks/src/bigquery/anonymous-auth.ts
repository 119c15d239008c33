import type { BigQueryOptions } from '@google-cloud/bigquery';

/**
 * An auth client that adds no credentials, for a BigQuery client pointed at a plain-HTTP
 * endpoint (a local emulator or test server): without it the client looks for Application
 * Default Credentials and probes the GCE metadata server (off-host traffic, seconds of delay).
 */
export function anonymousAuthClient(): NonNullable<BigQueryOptions['authClient']> {
  return { getRequestHeaders: async () => new Headers(), getProjectId: async () => 'local' } as unknown as NonNullable<BigQueryOptions['authClient']>;
}
