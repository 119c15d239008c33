/**
 * What `address-bursts` reports, through its ComponentMetrics (component `detector/<id>`), on
 * flush and as deltas, so the per-event path touches no counter:
 * - discarded `state_evicted`: addresses evicted because `max_tracked_ips` was reached (their
 *   counts start again if they come back; a burst is seconds long, so only a spray of more
 *   addresses than the cap within seconds can hide one);
 * - the host reports the state size (`botsieve_detector_state_keys` / `_bytes`, label `detector`).
 */
export const ADDRESS_BURSTS_DISCARD = {
  stateEvicted: 'state_evicted',
} as const;
