import { z } from 'zod';
import { deadletterFileConfigSchema } from './deadletter-file/config.js';
import { memoryVerdictStoreConfigSchema } from './memory-verdict-store/config.js';

/** Configuration of the sinks the embedded default runs. Later sinks add their sections here. */
export const sinksConfigSchema = z
  .object({
    memory_verdict_store: memoryVerdictStoreConfigSchema.default(memoryVerdictStoreConfigSchema.parse({})).describe('In-process store of active verdicts (embedded default).'),
    deadletter_file: deadletterFileConfigSchema.default(deadletterFileConfigSchema.parse({})).describe('Dead letters appended to a local file (embedded default).'),
    /** Largest batch a sink consumer hands to its sink. */
    max_batch_records: z.number().int().positive().default(1_000).describe('Largest batch a sink consumer hands to its sink.'),
  })
  .strict();

export type SinksConfig = z.output<typeof sinksConfigSchema>;
