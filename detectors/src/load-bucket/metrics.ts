/**
 * What `load-bucket` reports, through its ComponentMetrics (component `detector/<id>`):
 * - discarded `state_evicted`: subjects evicted because their kind's table was full;
 * - discarded `summary_too_late`: partial summaries older than their subject's window.
 * Both are counted in plain fields on the hot path and reported as deltas on flush.
 */
export const LOAD_BUCKET_DISCARD = {
  stateEvicted: 'state_evicted',
  summaryTooLate: 'summary_too_late',
} as const;
