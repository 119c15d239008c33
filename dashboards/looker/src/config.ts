import { z } from 'zod';

/**
 * Options of the LookML generator. The defaults produce the files checked in under
 * `dashboards/looker/`; change them only together with a regeneration.
 */
export const lookmlConfigSchema = z
  .object({
    /** Looker connection (to BigQuery) the model queries through. */
    connection: z.string().min(1).default('botsieve_bigquery').describe('Looker connection (to BigQuery) the model queries through.'),
    /** Google Cloud project of the dataset; null leaves it to the connection's default project. */
    project: z
      .string()
      .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a Google Cloud project id')
      .nullable()
      .default(null)
      .describe("Google Cloud project of the dataset; null uses the connection's default project."),
    /** BigQuery dataset the sink writes (Terraform `bigquery_dataset_id`). */
    dataset: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,1024}$/, 'a BigQuery dataset id')
      .default('botsieve')
      .describe('BigQuery dataset the sink writes (Terraform bigquery_dataset_id).'),
    /** Name of the model file, its explores' model and the dashboard. */
    model_name: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, 'lower-case LookML identifier')
      .default('botsieve')
      .describe("Name of the model file, its explores' model and the dashboard."),
    /**
     * Default of every explore's partition filter and of the dashboard's date filter. Each view
     * filters partitions before de-duplicating, so an unbounded range scans the whole table.
     */
    default_time_range: z.string().min(1).default('7 days').describe('Default partition filter of the explores and the dashboard (a Looker filter expression).'),
  })
  .strict();

export type LookmlConfig = z.output<typeof lookmlConfigSchema>;
