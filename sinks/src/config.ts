import { z } from 'zod';
import { deadletterFileConfigSchema } from './deadletter-file/config.js';
import { memoryVerdictStoreConfigSchema } from './memory-verdict-store/config.js';

/** Configuration of the sinks the embedded default runs. Later sinks add their sections here. */
export const sinksConfigSchema = z
  .object({
    memory_verdict_store: memoryVerdictStoreConfigSchema.default(memoryVerdictStoreConfigSchema.parse({})).describe('In-process store of active verdicts (embedded default).'),
    deadletter_file: deadletterFileConfigSchema.default(deadletterFileConfigSchema.parse({})).describe('Dead letters appended to a local file (embedded default).'),
    /**
     * Prefix of the sinks' consumer groups (`<prefix>-memory`, `<prefix>-deadletter`). Every process
     * holding an in-memory verdict store needs the whole verdict stream: give each its own prefix.
     */
    group_id_prefix: z.string().min(1).default('botsieve-sink').describe('Prefix of the sink consumer groups (`<prefix>-memory`, `<prefix>-deadletter`); each process holding an in-memory verdict store needs its own.'),
    /** Largest batch a sink consumer hands to its sink. */
    max_batch_records: z.number().int().positive().default(1_000).describe('Largest batch a sink consumer hands to its sink.'),
  })
  .strict();

export type SinksConfig = z.output<typeof sinksConfigSchema>;
