/**
 * What `probing` reports, through its ComponentMetrics (component `detector/<id>`), on flush and
 * as deltas, so the per-summary path touches no counter:
 * - discarded `state_evicted`: subjects evicted because their kind's table was full;
 * - discarded `late_summary`: partial summaries older than the previous window segment;
 * - the engine reports the state size (`botsieve_detector_state_keys` / `_bytes`, label `detector`).
 */
export const PROBING_DISCARD = {
  stateEvicted: 'state_evicted',
  lateSummary: 'late_summary',
} as const;
