/**
 * What `scraping` reports, through its ComponentMetrics (component `detector/<id>`), on flush and
 * as deltas, so the per-summary path touches no counter:
 * - discarded `state_evicted`: subjects evicted because a short- or long-window table was full;
 * - discarded `late_summary`: partial summaries older than the previous short-window segment;
 * - the engine reports the state size (`botsieve_detector_state_keys` / `_bytes`, label `detector`).
 */
export const SCRAPING_DISCARD = {
  stateEvicted: 'state_evicted',
  lateSummary: 'late_summary',
} as const;
