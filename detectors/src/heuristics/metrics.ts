/**
 * What `heuristics` reports, through its ComponentMetrics (component `detector/<id>`):
 * - discarded `state_evicted`: (subject, rule) cooldowns forgotten because `max_tracked_subjects`
 *   was reached (reported on flush, as a delta, so the hot path touches no counter). A forgotten
 *   pair may signal again before its cooldown ends; fusion's verdict cooldown still applies.
 * - the host reports its state size (`botsieve_detector_state_keys` / `_bytes`, label `detector`).
 */
export const HEURISTICS_DISCARD = {
  stateEvicted: 'state_evicted',
} as const;
