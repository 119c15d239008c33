/**
 * What `request-rate` reports, through its ComponentMetrics (component `detector/<id>`):
 * - discarded `state_evicted`: subjects evicted because their kind's table was full
 *   (reported on flush, as a delta, so the hot path touches no counter);
 * - the host reports its state size (`botsieve_detector_state_keys` / `_bytes`, label `detector`).
 */
export const REQUEST_RATE_DISCARD = {
  stateEvicted: 'state_evicted',
} as const;
