import { z } from 'zod';
import { statisticsConfigFields } from '../statistics/config.js';

export const bigqueryConfigSchema = z
  .object({
    /** Google Cloud project of the dataset; '' disables the BigQuery sinks. */
    project_id: z.string().default('').describe("Google Cloud project of the dataset; '' disables the BigQuery sinks."),
    /** Dataset holding the statistics tables (created by Terraform). */
    dataset: z.string().min(1).default('botsieve').describe('Dataset holding the statistics tables (created by Terraform).'),
    /** Table of verdict rows (schema sinks/schemas/bigquery/verdicts.json). */
    verdicts_table: z.string().min(1).default('verdicts').describe('Table of verdict rows (schema sinks/schemas/bigquery/verdicts.json).'),
    /** Table of per-minute traffic rows (schema sinks/schemas/bigquery/traffic_1m.json). */
    traffic_table: z.string().min(1).default('traffic_1m').describe('Table of per-minute traffic rows (schema sinks/schemas/bigquery/traffic_1m.json).'),
    /** API endpoint override, e.g. `http://127.0.0.1:9050` for a local server; unset = Google's. */
    api_endpoint: z.string().url().optional().describe("API endpoint override, e.g. http://127.0.0.1:9050 for a local server; unset = Google's."),
    /** Service-account key file; unset = Application Default Credentials (Workload Identity on GKE). */
    key_filename: z.string().min(1).optional().describe('Service-account key file; unset = Application Default Credentials (Workload Identity on GKE).'),
    /** Most rows per insertAll request (Google recommends 500; the hard limit is 50,000). */
    max_rows_per_request: z.number().int().positive().max(50_000).default(500).describe('Most rows per insertAll request (Google recommends 500; the hard limit is 50,000).'),
    /** Most JSON bytes per insertAll request (the API refuses requests over 10 MB). */
    max_request_bytes: z.number().int().positive().max(10_000_000).default(9_000_000).describe('Most JSON bytes per insertAll request (the API refuses requests over 10 MB).'),
    /** Timeout of one API request. */
    timeout_ms: z.number().int().positive().default(30_000).describe('Timeout of one API request.'),
    ...statisticsConfigFields,
  })
  .strict();

export type BigQueryConfig = z.output<typeof bigqueryConfigSchema>;
