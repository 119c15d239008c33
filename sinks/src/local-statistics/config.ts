import { z } from 'zod';
import { statisticsConfigFields } from '../statistics/config.js';

export const localStatisticsConfigSchema = z
  .object({
    /** Whether the embedded default writes statistics to local files. */
    enabled: z.boolean().default(true).describe('Whether the embedded default writes statistics to local files.'),
    /** Directory of the files: `<directory>/verdicts/YYYY-MM-DD.ndjson` and `<directory>/traffic_1m/YYYY-MM-DD.ndjson` (UTC day of the row's partition field). */
    directory: z.string().min(1).default('data/statistics').describe('Directory of the files: <directory>/<table>/YYYY-MM-DD.ndjson, by UTC day of the row.'),
    /** Bound on all day files under `directory`: past it the oldest days are removed (the day just written is kept). */
    max_total_bytes: z.number().int().positive().default(1024 * 1024 * 1024).describe('Bound on all day files under the directory; past it the oldest days are removed.'),
    ...statisticsConfigFields,
  })
  .strict();

export type LocalStatisticsConfig = z.output<typeof localStatisticsConfigSchema>;
