/**
 * What `volumetric` reports, through its ComponentMetrics (component `detector/<id>`):
 * - discarded `state_evicted`: subjects evicted because their kind's table was full;
 * - discarded `summary_too_late`: partial summaries older than their subject's window (they
 *   could not change any total).
 * Both are counted in plain fields on the hot path and reported as deltas on flush. The host
 * reports the state size (`stateSize()`).
 */
export const VOLUMETRIC_DISCARD = {
  stateEvicted: 'state_evicted',
  summaryTooLate: 'summary_too_late',
} as const;
