import { z } from 'zod';

export const memoryVerdictStoreConfigSchema = z
  .object({
    /** Most subjects held at once; past it the verdict expiring soonest is evicted first. */
    max_subjects: z.number().int().positive().default(1_000_000).describe('Most subjects held at once; past it the verdict expiring soonest is evicted first.'),
    /**
     * Active verdicts are snapshotted to this file (NDJSON, written to a temporary file and renamed)
     * and restored at start, so a restart of the embedded default keeps its blocks. '' disables.
     */
    snapshot_path: z.string().default('data/verdicts.snapshot.ndjson').describe("File active verdicts are snapshotted to and restored from at start ('' disables)."),
    /** Least time between two snapshots; one is also written at shutdown. */
    snapshot_interval_ms: z.number().int().positive().default(10_000).describe('Least time between two snapshots; one is also written at shutdown.'),
  })
  .strict();

export type MemoryVerdictStoreConfig = z.output<typeof memoryVerdictStoreConfigSchema>;
