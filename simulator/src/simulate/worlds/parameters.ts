/**
 * A world's parameters: one value drawn from each of WORLD_RANGES, plus each attack's plan and
 * what was derived from the draws. Plain JSON: printed with every world (`simulate --world`,
 * `eval --worlds --json`), so a worst world can be reproduced from its seed and discussed.
 */
import type { AttackClass, AttackerNetwork, UserAgentStrategy } from '../scenario.js';
import type { ChoiceRange, NumberRange, WORLD_RANGES } from './ranges.js';

/** A section of WORLD_RANGES with each range replaced by its drawn value. */
export type Drawn<T> = { -readonly [K in keyof T]: T[K] extends NumberRange ? number : T[K] extends ChoiceRange<infer U> ? U : never };

/** When and how one attack runs. */
export interface AttackPlan {
  network: AttackerNetwork;
  user_agent: UserAgentStrategy;
  /** Whose client `copy_human` copies, and whose endpoints it uses. */
  copies: 'web' | 'app';
  start_s: number;
  end_s: number;
}

export interface WorldParameters {
  seed: number;
  /** Not drawn: the run's length and population multiplier (options of the run). */
  duration_s: number;
  scale: number;
  shop: Drawn<typeof WORLD_RANGES.shop>;
  audience: Drawn<typeof WORLD_RANGES.audience>;
  bots: Drawn<typeof WORLD_RANGES.bots>;
  release: Drawn<typeof WORLD_RANGES.release>;
  /** After fitting: `duration_s` may be shorter, `pool` clamped, `requests_per_address` recomputed. */
  l7_flood: Drawn<typeof WORLD_RANGES.l7_flood>;
  api_flood: Drawn<typeof WORLD_RANGES.api_flood>;
  attacks: Drawn<typeof WORLD_RANGES.attacks>;
  attackers: Record<AttackClass, AttackPlan>;
  derived: {
    /** Busiest second of normal traffic the floods were sized on (the run measures the real one). */
    normal_peak_rps_estimate: number;
    web_sessions_per_s: number;
    spa_sessions_per_s: number;
    app_sessions_per_s: number;
    /** Carrier NAT exits the app users share. */
    nat_exits: number;
    /** ASNs of the shared clouds. */
    clouds: number[];
    /** Spike start or wave phase, and spike length or wave period, seconds. */
    shape_at_s: number;
    shape_length_s: number;
    origin_capacity_rps: number;
  };
}
