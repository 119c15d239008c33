/**
 * Thresholds as data, shared by the summary detectors `scraping`, `credential-stuffing` and
 * `probing`:
 *
 * - `levelsSchema`: one measured quantity's thresholds `{ log, challenge, block }`, each
 *   nullable (null: this quantity never recommends that action), rising when set.
 * - `Levels`: the same compiled once into numbers (Infinity = never), so the per-summary path
 *   compares numbers only.
 * - Score bands (Cloudflare's scale, 1 = certainly automated), from how far the quantity `x` is
 *   past the threshold of the action it reached; integers, so goldens are stable:
 *   - block:     10 at the block threshold, then 10 × block / x (2× → 5, ≥ 10× → 1): 10…1
 *   - challenge: 29 at the challenge threshold, falling linearly to 20 at the block threshold
 *                (or at 2× the challenge threshold when block is off)
 *   - log:       49 at the log threshold, falling linearly to 30 at the next threshold set
 *                (or at 2× the log threshold when none is)
 * - `shouldSignal`: the per-subject cooldown (re-signal only on escalation or after `reemit_ms`);
 *   `signalOnce` applies it to a judgement and notes the signal.
 */
import { z } from 'zod';
import type { SubjectKey, VerdictAction } from '@botsieve/core';
import { NO_SIGNALS, type Signal } from './signal.js';

export interface LevelValues {
  log: number | null;
  challenge: number | null;
  block: number | null;
}

/** Action by rank (0 = nothing). Same order as core's ACTION_RANK. */
export const ACTION_BY_RANK: readonly (VerdictAction | null)[] = [null, 'log', 'challenge', 'block'];

/**
 * Schema of one quantity's thresholds. `what` names the quantity and its unit ("Failed logins
 * per window"); `integer` is false for decayed (fractional) counters.
 */
export function levelsSchema(what: string, defaults: LevelValues, integer = true) {
  const value = integer ? z.number().int().positive() : z.number().positive();
  return z
    .strictObject({
      log: value.nullable().default(defaults.log).describe(`${what} at or above which \`log\` is recommended; null: never.`),
      challenge: value.nullable().default(defaults.challenge).describe(`${what} at or above which \`challenge\` is recommended; null: never.`),
      block: value.nullable().default(defaults.block).describe(`${what} at or above which \`block\` is recommended; null: never.`),
    })
    .refine(rising, { message: 'thresholds that are set must rise: log < challenge < block' })
    .prefault({});
}

function rising(levels: LevelValues): boolean {
  let previous = 0;
  for (const value of [levels.log, levels.challenge, levels.block]) {
    if (value === null) continue;
    if (value <= previous) return false;
    previous = value;
  }
  return true;
}

/** Compiled thresholds of one quantity (Infinity = never). */
export class Levels {
  readonly log: number;
  readonly challenge: number;
  readonly block: number;
  /** Smallest value that recommends anything: the fast path skips everything below it. */
  readonly lowest: number;

  constructor(values: LevelValues) {
    this.log = values.log ?? Number.POSITIVE_INFINITY;
    this.challenge = values.challenge ?? Number.POSITIVE_INFINITY;
    this.block = values.block ?? Number.POSITIVE_INFINITY;
    this.lowest = Math.min(this.log, this.challenge, this.block);
  }

  /** 0 nothing, 1 log, 2 challenge, 3 block. */
  rank(x: number): number {
    if (x >= this.block) return 3;
    if (x >= this.challenge) return 2;
    return x >= this.log ? 1 : 0;
  }

  /** Score of `x` at `rank` (see the file comment); 99 for rank 0. */
  score(rank: number, x: number): number {
    if (rank === 3) return clamp(Math.round((10 * this.block) / x), 1, 10);
    if (rank === 2) return band(29, 20, x, this.challenge, Number.isFinite(this.block) ? this.block : 2 * this.challenge);
    if (rank === 1) return band(49, 30, x, this.log, Number.isFinite(this.challenge) ? this.challenge : Number.isFinite(this.block) ? this.block : 2 * this.log);
    return 99;
  }
}

/** `high` at `from`, falling linearly to `low` at `to` (exclusive), clamped to [low, high]. */
function band(high: number, low: number, x: number, from: number, to: number): number {
  return clamp(high - Math.floor(((high - low + 1) * (x - from)) / (to - from)), low, high);
}

function clamp(x: number, low: number, high: number): number {
  return x < low ? low : x > high ? high : x;
}

/** `reemit_ms`: the cooldown `shouldSignal` applies (0: every judgement that recommends something signals). */
export const reemitMsSchema = z.number().int().nonnegative().default(60_000).describe('A subject gets a new signal only when the recommended action escalates or its last signal is at least this old (event time).');

/**
 * Cooldown: a subject whose rules reach `rank` gets a signal when that recommends something and
 * either escalates past the last signal's rank or the last signal is at least `reemit_ms` old.
 */
export function shouldSignal(rank: number, lastRank: number, lastAt: number, at: number, reemit_ms: number): boolean {
  return rank > 0 && (rank > lastRank || at - lastAt >= reemit_ms);
}

/** What a detector's rules concluded for one subject: the strongest rule's rank and score. */
export interface Judgement {
  rank: number;
  score: number;
  evidence: Record<string, number>;
}

/** A subject's cooldown: the rank and event time of its last signal. */
export interface Cooldown {
  rank: number;
  signalAt: number;
}

/**
 * The signal `judgement` makes for `subject` at `at`, noted in its cooldown; NO_SIGNALS when
 * nothing is recommended or the cooldown holds it back (`shouldSignal`).
 */
export function signalOnce(cooldown: Cooldown, subject: SubjectKey, at: number, detector: string, judgement: Judgement, reemit_ms: number): Signal[] {
  const { rank, score, evidence } = judgement;
  if (!shouldSignal(rank, cooldown.rank, cooldown.signalAt, at, reemit_ms)) return NO_SIGNALS;
  cooldown.rank = rank;
  cooldown.signalAt = at;
  return [{ subject, at, detector, score, action: ACTION_BY_RANK[rank]!, evidence }];
}
