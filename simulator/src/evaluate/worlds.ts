/**
 * Many worlds in one report: for each variant (with and without Bot Management) and each class,
 * the worst, median and best world for botsieve and for the `score lt 30` baseline, which world
 * was the worst (seed and the parameters that shaped that class), and whether the target holds
 * there. A target is met across worlds only when it is met on the worst one.
 *
 * Worlds are ranked per class by `targetMargin` (how comfortably the target is met, relative to
 * its limits; ties by seed): the worst is the lowest margin, the median the lower middle one.
 * Pure: fed the per-world evaluations in any order, it sorts them by seed and variant.
 */
import { describeClass, describeWorld } from '../simulate/worlds/describe.js';
import type { WorldParameters } from '../simulate/worlds/parameters.js';
import type { Variant, WorldEvaluation } from './evaluate-world.js';
import type { ClassReport } from './scorer.js';
import { targetMargin, type Outcome, type Target, type TargetResult } from './targets.js';

/** One world's result for one class. */
export interface WorldPick {
  seed: number;
  variant: Variant;
  requests: number;
  outcome: Outcome;
  result: TargetResult | null;
  margin: number;
}

export interface Spread {
  worst: WorldPick;
  median: WorldPick;
  best: WorldPick;
}

export interface ClassAcrossWorlds {
  class: string;
  aggregate: boolean;
  target: Target | null;
  goal: string;
  /** Worlds (of this variant) in which the class sent requests. */
  worlds: number;
  engine: Spread | null;
  /** null without Bot Management (the rule has nothing to act on). */
  baseline: Spread | null;
  /** The target on botsieve's worst world: true met, false missed, null no target or no requests. */
  met_on_worst: boolean | null;
  baseline_met_on_worst: boolean | null;
  /** The parameters of this class in botsieve's worst world. */
  worst_world: string;
}

export interface VariantAcrossWorlds {
  variant: Variant;
  runs: number;
  classes: ClassAcrossWorlds[];
}

export interface WorldsReport {
  worlds: number;
  seeds: number[];
  variants: VariantAcrossWorlds[];
  /** Every target held on its worst world, in every variant. */
  targets_met: boolean;
  /** `class (variant): what missed — seed N: parameters`, one per target missed on its worst world. */
  missed: string[];
  /** Per run: what missed and how big and slow it was. */
  runs: { seed: number; variant: Variant; events: number; seconds: number; missed: number }[];
  /** The run with the most targets missed. */
  worst_run: { seed: number; variant: Variant; missed: number; world: string } | null;
  parameters: WorldParameters[];
}

function pick(evaluation: WorldEvaluation, row: ClassReport, outcome: Outcome, result: TargetResult | null): WorldPick {
  return { seed: evaluation.seed, variant: evaluation.variant, requests: row.requests, outcome, result, margin: targetMargin(row.target, row.class, outcome) };
}

function spread(picks: WorldPick[]): Spread | null {
  if (picks.length === 0) return null;
  const sorted = [...picks].sort((a, b) => a.margin - b.margin || a.seed - b.seed);
  return { worst: sorted[0] as WorldPick, median: sorted[Math.floor((sorted.length - 1) / 2)] as WorldPick, best: sorted[sorted.length - 1] as WorldPick };
}

function acrossWorlds(variant: Variant, evaluations: WorldEvaluation[], worlds: Map<number, WorldParameters>): VariantAcrossWorlds {
  const names: { name: string; aggregate: boolean; target: Target | null; goal: string }[] = [];
  const seen = new Set<string>();
  for (const evaluation of evaluations) {
    for (const row of evaluation.report.classes) {
      if (seen.has(row.class)) continue;
      seen.add(row.class);
      names.push({ name: row.class, aggregate: row.aggregate, target: row.target, goal: row.goal });
    }
  }
  const classes: ClassAcrossWorlds[] = names.map(({ name, aggregate, target, goal }) => {
    const engine: WorldPick[] = [];
    const baseline: WorldPick[] = [];
    for (const evaluation of evaluations) {
      const row = evaluation.report.classes.find((candidate) => candidate.class === name);
      if (row === undefined || row.requests === 0) continue;
      engine.push(pick(evaluation, row, row.engine, row.engine_result));
      if (evaluation.report.bot_management) baseline.push(pick(evaluation, row, row.baseline, row.baseline_result));
    }
    const engineSpread = spread(engine);
    const baselineSpread = spread(baseline);
    const worst = engineSpread?.worst;
    const world = worst === undefined ? undefined : worlds.get(worst.seed);
    return {
      class: name,
      aggregate,
      target,
      goal,
      worlds: engine.length,
      engine: engineSpread,
      baseline: baselineSpread,
      met_on_worst: worst?.result?.met ?? null,
      baseline_met_on_worst: baselineSpread?.worst.result?.met ?? null,
      worst_world: world === undefined ? '' : describeClass(world, name),
    };
  });
  return { variant, runs: evaluations.length, classes };
}

export function aggregateWorlds(evaluations: readonly WorldEvaluation[]): WorldsReport {
  const sorted = [...evaluations].sort((a, b) => a.seed - b.seed || (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : 0));
  const worlds = new Map<number, WorldParameters>();
  for (const evaluation of sorted) if (!worlds.has(evaluation.seed)) worlds.set(evaluation.seed, evaluation.world);
  const variants: VariantAcrossWorlds[] = [];
  for (const variant of ['bot_management', 'plain'] as const) {
    const runs = sorted.filter((evaluation) => evaluation.variant === variant);
    if (runs.length > 0) variants.push(acrossWorlds(variant, runs, worlds));
  }
  const missed: string[] = [];
  for (const variant of variants) {
    for (const row of variant.classes) {
      const worst = row.engine?.worst;
      if (row.met_on_worst !== false || worst === undefined) continue;
      missed.push(`${row.class} (${variant.variant}): ${worst.result?.misses.join(', ') ?? ''} — seed ${worst.seed}: ${row.worst_world}`);
    }
  }
  const runs = sorted.map((evaluation) => ({ seed: evaluation.seed, variant: evaluation.variant, events: evaluation.events, seconds: evaluation.seconds, missed: evaluation.report.missed.length }));
  let worstRun: WorldsReport['worst_run'] = null;
  for (const run of runs) {
    if (worstRun === null || run.missed > worstRun.missed) worstRun = { seed: run.seed, variant: run.variant, missed: run.missed, world: describeWorld(worlds.get(run.seed) as WorldParameters) };
  }
  return {
    worlds: worlds.size,
    seeds: [...worlds.keys()],
    variants,
    targets_met: missed.length === 0,
    missed,
    runs,
    worst_run: worstRun,
    parameters: [...worlds.values()],
  };
}
