import { z } from 'zod';

export const memoryVerdictStoreConfigSchema = z
  .object({
    /** Most subjects held at once; past it the verdict expiring soonest is evicted first. */
    max_subjects: z.number().int().positive().default(1_000_000).describe('Most subjects held at once; past it the verdict expiring soonest is evicted first.'),
  })
  .strict();

export type MemoryVerdictStoreConfig = z.output<typeof memoryVerdictStoreConfigSchema>;
