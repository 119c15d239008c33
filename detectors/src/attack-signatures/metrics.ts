/**
 * What `attack-signatures` reports, through its ComponentMetrics (component `detector/<id>`):
 * - discarded `state_evicted`: (IP, class) cooldowns forgotten because `max_tracked_subjects`
 *   was reached (reported on flush, as a delta, so the hot path touches no counter). A forgotten
 *   pair may signal again before its cooldown ends; fusion re-issues a verdict only on escalation.
 * - the host reports its state size (`botsieve_detector_state_keys` / `_bytes`, label `detector`).
 */
export const ATTACK_SIGNATURES_DISCARD = {
  stateEvicted: 'state_evicted',
} as const;
