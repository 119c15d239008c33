/**
 * What good detection means, per traffic class, as data: the targets `botsieve eval` marks every
 * line against (and `--check` enforces), from issue #10.
 *
 * - Humans: blocked < 0.1% and challenged < 1% of their requests (a challenge costs a human a
 *   few seconds; a block loses a customer). Checked for every human class (website, shared
 *   addresses, single-page app, mobile app, release rush) and for all of them together.
 * - Verified crawlers: never mitigated; one blocked Googlebot fetch is a failure.
 * - Attacks: the share of their requests mitigated (blocked or challenged), and for floods how
 *   fast: Cloudflare mitigates most L7 floods within 3 s, and botsieve should match it. The API
 *   flood is an L7 flood (same target); the headless-browser and app-API scrapers rotate their
 *   addresses like the rotating scraper (same target).
 * Classes without a target (the classic scraper, harmless good bots) are reported, not judged.
 */
import { HUMAN_CLASSES } from '../simulate/classes.js';

export type Target =
  /** Requests of real people: few challenges, almost no blocks. */
  | { kind: 'spare'; max_blocked_share: number; max_challenged_share: number }
  /** Good bots that must never be mitigated. */
  | { kind: 'never' }
  /** Attack traffic: at least this share mitigated, optionally within this many seconds of its first request. */
  | { kind: 'mitigate'; min_mitigated_share: number; max_first_mitigation_s?: number };

const SPARE_HUMANS: Target = { kind: 'spare', max_blocked_share: 0.001, max_challenged_share: 0.01 };
const FLOOD: Target = { kind: 'mitigate', min_mitigated_share: 0.9, max_first_mitigation_s: 3 };
const ROTATING_SCRAPER: Target = { kind: 'mitigate', min_mitigated_share: 0.7 };

export const DEFAULT_TARGETS: Readonly<Record<string, Target>> = Object.freeze({
  human: SPARE_HUMANS,
  human_shared_ip: SPARE_HUMANS,
  human_spa: SPARE_HUMANS,
  human_app: SPARE_HUMANS,
  human_release_rush: SPARE_HUMANS,
  humans: SPARE_HUMANS,
  verified_crawler: { kind: 'never' },
  fake_googlebot: { kind: 'mitigate', min_mitigated_share: 0.9 },
  l7_flood: FLOOD,
  api_flood: FLOOD,
  scraper_rotating: ROTATING_SCRAPER,
  scraper_headless: ROTATING_SCRAPER,
  scraper_api: ROTATING_SCRAPER,
  scraper_low_slow: { kind: 'mitigate', min_mitigated_share: 0.5 },
  credential_stuffing: { kind: 'mitigate', min_mitigated_share: 0.8 },
  brute_force: { kind: 'mitigate', min_mitigated_share: 0.9 },
  inventory_hoarding: { kind: 'mitigate', min_mitigated_share: 0.7 },
  probe: { kind: 'mitigate', min_mitigated_share: 0.7 },
});

/** Aggregate rows: a name and the classes it sums. */
export const DEFAULT_GROUPS: Readonly<Record<string, readonly string[]>> = Object.freeze({ humans: HUMAN_CLASSES });

/** Classes whose requests should be left alone (without a target of their own: harmless bots). */
const GOOD_CLASSES: ReadonlySet<string> = new Set([...HUMAN_CLASSES, 'humans', 'verified_crawler', 'good_bot_harmless']);

/** Whether mitigating a class is good (an attack) or bad (people, good bots). */
export function isAttack(cls: string): boolean {
  return !GOOD_CLASSES.has(cls);
}

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

/**
 * How comfortably an outcome meets its target, as one number for ranking worlds: ≥ 0 met, < 0
 * missed, larger is better; each criterion is measured relative to its limit and the tightest
 * counts. Without a target, attacks rank by the share mitigated and good classes by the share
 * left alone.
 */
export function targetMargin(target: Target | null, cls: string, outcome: Outcome): number {
  if (target === null) return isAttack(cls) ? outcome.mitigated_share : -outcome.mitigated_share;
  switch (target.kind) {
    case 'spare':
      return Math.min((target.max_blocked_share - outcome.blocked_share) / target.max_blocked_share, (target.max_challenged_share - outcome.challenged_share) / target.max_challenged_share);
    case 'never':
      return outcome.mitigated === 0 ? 1 : -Math.max(outcome.mitigated_share, 1e-9);
    case 'mitigate': {
      const share = (outcome.mitigated_share - target.min_mitigated_share) / target.min_mitigated_share;
      if (target.max_first_mitigation_s === undefined) return share;
      const speed = outcome.first_mitigation_s === null ? -1 : (target.max_first_mitigation_s - outcome.first_mitigation_s) / target.max_first_mitigation_s;
      return Math.min(share, speed);
    }
  }
}
