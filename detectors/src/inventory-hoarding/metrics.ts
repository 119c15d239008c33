/**
 * What `inventory-hoarding` reports, through its ComponentMetrics (component `detector/<id>`), on
 * flush and as deltas, so the per-event path touches no counter:
 * - discarded `state_evicted`: addresses evicted because `max_tracked_ips` was reached;
 * - the host reports the state size (`botsieve_detector_state_keys` / `_bytes`, label `detector`).
 */
export const INVENTORY_HOARDING_DISCARD = {
  stateEvicted: 'state_evicted',
} as const;
