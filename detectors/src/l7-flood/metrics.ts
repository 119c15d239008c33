/**
 * What `l7-flood` reports, through its ComponentMetrics (component `detector/<id>`):
 * - discarded `state_evicted`: subjects evicted because their kind's table was full, and arrivals
 *   evicted because `arrivals.max_tracked` was reached;
 * - discarded `summary_too_late`: partial summaries older than their subject's window.
 * Both are counted in plain fields on the hot path and reported as deltas on flush. The host
 * reports the state size (`stateSize()`: tracked subjects, heavy-hitter keys and arrivals).
 */
export const L7_FLOOD_DISCARD = {
  stateEvicted: 'state_evicted',
  summaryTooLate: 'summary_too_late',
} as const;
