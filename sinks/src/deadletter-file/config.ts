import { z } from 'zod';

export const deadletterFileConfigSchema = z
  .object({
    /** File the dead letters are appended to, as NDJSON (one `{reason, detail, line, …}` a line). */
    path: z.string().min(1).default('data/deadletter.ndjson').describe('File dead letters are appended to, as NDJSON.'),
    /** When the file passes this size it is rotated to `<path>.1` (the previous `.1` is replaced). */
    max_file_bytes: z.number().int().positive().default(256 * 1024 * 1024).describe('Size at which the file is rotated to <path>.1.'),
  })
  .strict();

export type DeadletterFileConfig = z.output<typeof deadletterFileConfigSchema>;
