/**
 * What good detection means, per traffic class, as data: the targets `botsieve eval` marks every
 * line against (and `--check` enforces).
 *
 * - Humans: blocked < 0.1% and challenged < 1% of their requests (a challenge costs a human a
 *   few seconds; a block loses a customer). Checked for `human`, `human_shared_ip` and both.
 * - Verified crawlers: never mitigated; one blocked Googlebot fetch is a failure.
 * - Attacks: the share of their requests mitigated (blocked or challenged), and for the flood
 *   how fast: Cloudflare mitigates most L7 floods within 3 s, and botsieve should match it.
 * Classes without a target are reported, not judged.
 */

export type Target =
  /** Requests of real people: few challenges, almost no blocks. */
  | { kind: 'spare'; max_blocked_share: number; max_challenged_share: number }
  /** Good bots that must never be mitigated. */
  | { kind: 'never' }
  /** Attack traffic: at least this share mitigated, optionally within this many seconds of its first request. */
  | { kind: 'mitigate'; min_mitigated_share: number; max_first_mitigation_s?: number };

const SPARE_HUMANS: Target = { kind: 'spare', max_blocked_share: 0.001, max_challenged_share: 0.01 };

export const DEFAULT_TARGETS: Readonly<Record<string, Target>> = Object.freeze({
  human: SPARE_HUMANS,
  human_shared_ip: SPARE_HUMANS,
  humans: SPARE_HUMANS,
  verified_crawler: { kind: 'never' },
  l7_flood: { kind: 'mitigate', min_mitigated_share: 0.9, max_first_mitigation_s: 3 },
  brute_force: { kind: 'mitigate', min_mitigated_share: 0.9 },
  credential_stuffing: { kind: 'mitigate', min_mitigated_share: 0.8 },
  scraper_rotating: { kind: 'mitigate', min_mitigated_share: 0.7 },
});

/** Aggregate rows: a name and the classes it sums. */
export const DEFAULT_GROUPS: Readonly<Record<string, readonly string[]>> = Object.freeze({ humans: ['human', 'human_shared_ip'] });

/** What one detector setup (botsieve, or the baseline rule) did to one class. */
export interface Outcome {
  mitigated: number;
  blocked: number;
  challenged: number;
  /** Covered by a `log` verdict only (shadow mode): not a mitigation. */
  logged: number;
  mitigated_share: number;
  blocked_share: number;
  challenged_share: number;
  /** Seconds from the class's first request to its first mitigated one; null when none was. */
  first_mitigation_s: number | null;
}

export interface TargetResult {
  /** null: the class had no requests, nothing to judge. */
  met: boolean | null;
  /** What missed, in words: `mitigated 41.2% < 90%`. */
  misses: string[];
}

export function describeTarget(target: Target | null): string {
  if (target === null) return '';
  switch (target.kind) {
    case 'spare':
      return `blocked <${percent(target.max_blocked_share)}, challenged <${percent(target.max_challenged_share)}`;
    case 'never':
      return 'never mitigated';
    case 'mitigate':
      return `≥${percent(target.min_mitigated_share)} mitigated${target.max_first_mitigation_s === undefined ? '' : `, first ≤${target.max_first_mitigation_s} s`}`;
  }
}

export function checkTarget(target: Target, requests: number, outcome: Outcome): TargetResult {
  if (requests === 0) return { met: null, misses: [] };
  const misses: string[] = [];
  switch (target.kind) {
    case 'spare':
      if (outcome.blocked_share >= target.max_blocked_share) misses.push(`blocked ${percent(outcome.blocked_share)} ≥ ${percent(target.max_blocked_share)}`);
      if (outcome.challenged_share >= target.max_challenged_share) misses.push(`challenged ${percent(outcome.challenged_share)} ≥ ${percent(target.max_challenged_share)}`);
      break;
    case 'never':
      if (outcome.mitigated > 0) misses.push(`${outcome.mitigated.toLocaleString('en-US')} mitigated`);
      break;
    case 'mitigate':
      if (outcome.mitigated_share < target.min_mitigated_share) misses.push(`mitigated ${percent(outcome.mitigated_share)} < ${percent(target.min_mitigated_share)}`);
      if (target.max_first_mitigation_s !== undefined) {
        if (outcome.first_mitigation_s === null) misses.push('never mitigated');
        else if (outcome.first_mitigation_s > target.max_first_mitigation_s) misses.push(`first mitigation after ${outcome.first_mitigation_s.toFixed(1)} s > ${target.max_first_mitigation_s} s`);
      }
      break;
  }
  return { met: misses.length === 0, misses };
}

/** A share as a percentage: two decimals below 1%, one above, trailing zeros dropped. */
export function percent(share: number): string {
  const value = share * 100;
  if (value === 0) return '0%';
  if (value < 0.005) return '<0.01%';
  return `${(value < 1 ? value.toFixed(2) : value.toFixed(1)).replace(/\.?0+$/, '')}%`;
}
