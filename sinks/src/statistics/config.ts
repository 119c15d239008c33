/**
 * Config fields shared by the two statistics back ends (BigQuery and local files): how traffic is
 * aggregated and how verdict rows are labelled. Spread into each back end's strict schema.
 */
import { z } from 'zod';

export const statisticsConfigFields = {
  /** Region of the pipeline, written into every verdict row; '' writes null. */
  region: z.string().default('').describe("Region of the pipeline, written into every verdict row; '' writes null."),
  /**
   * How far behind a partition's latest event time a minute is kept open. Events of a minute
   * that closed are counted as discarded (`late`).
   */
  allowed_lateness_ms: z.number().int().nonnegative().default(60_000).describe("How far behind a partition's latest event time a minute stays open; later events are discarded as `late`."),
  /** Most traffic rows (minute × host × class × partition) held open; past it new hosts fold into host `(other)`. */
  max_open_rows: z.number().int().positive().default(20_000).describe('Most traffic rows held open; past it new hosts of a minute are folded into host `(other)`.'),
  /** Most verdict subjects kept for coverage; past it the verdicts expiring soonest are evicted. */
  max_verdicts: z.number().int().positive().default(200_000).describe('Most verdict subjects kept to decide which requests were mitigated; the soonest-expiring are evicted past it.'),
  /** Heaviest client IPs reported per traffic row. */
  top_subjects: z.number().int().positive().max(100).default(10).describe('Heaviest client IPs reported per traffic row.'),
  /** Events further ahead of the wall clock than this are discarded (`future`), so one bad clock cannot close every minute. */
  max_future_ms: z.number().int().positive().default(300_000).describe('Events further ahead of the wall clock than this are discarded as `future`.'),
} as const;
