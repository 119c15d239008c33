/**
 * A verdict: what botsieve decided about one subject, and why.
 *
 * Scores follow Cloudflare's bot score scale: 1 means certainly automated, 99 certainly human.
 */
import type { SubjectKey } from './event.js';

export type VerdictAction = 'block' | 'challenge' | 'log';

/** One detector's contribution to a verdict. Evidence is numbers only (rates, counts, ratios). */
export interface DetectorFinding {
  id: string;
  score: number;
  evidence: Record<string, number>;
}

export interface Verdict {
  /** Deterministic id: the same decision made twice (replay, redelivery) has the same id. */
  id: string;
  subject: SubjectKey;
  action: VerdictAction;
  /** 1–99, low = automated. */
  score: number;
  /** How long the verdict stays active after `decided_at`. */
  ttl_ms: number;
  /** Event time of the decision (ms since the epoch), never the wall clock. */
  decided_at: number;
  detectors: DetectorFinding[];
}

/** Action applied to an event when no verdict covers it. */
export type EventAction = VerdictAction | 'allow';

/** Strength order of actions: a stronger verdict replaces a weaker one, never the reverse. */
export const ACTION_RANK: Readonly<Record<EventAction, number>> = { allow: 0, log: 1, challenge: 2, block: 3 };
