/**
 * Many worlds in one report: worst, median and best per class ranked by the margin to the
 * target, the worst world's seed and parameters, targets judged on the worst world, the baseline
 * n/a without Bot Management; on hand-made reports, then end to end on tiny real worlds.
 */
import test from 'ava';
import type { EventAction } from '@botsieve/core';
import { parseLogpushRecord } from '@botsieve/ingest';
import { Telemetry } from '@botsieve/runtime';
import { detectConfigSchema } from '@botsieve/detectors';
import { ALL_CLASSES } from '../simulate/classes.js';
import { drawWorld } from '../simulate/worlds/draw.js';
import { makeEvent } from '@botsieve/detectors/test-support';
import { evaluateWorld, type Variant, type WorldEvaluation } from './evaluate-world.js';
import { Scorer } from './scorer.js';
import { aggregateWorlds, type ClassAcrossWorlds, type WorldsReport } from './worlds.js';
import { formatWorldsMarkdown, formatWorldsText } from './worlds-format.js';

const T0 = 1_793_534_400_000;

interface Shape {
  /** Flood: share mitigated and the index of the first mitigated request (of 100, 100 ms apart). */
  flood: [number, number];
  /** Humans: requests challenged of 1,000. */
  challenged: number;
}

function evaluation(seed: number, variant: Variant, shape: Shape): WorldEvaluation {
  const scorer = new Scorer({ classes: ALL_CLASSES });
  const score = variant === 'bot_management' ? 1 : null;
  for (let i = 0; i < 100; i++) {
    const action: EventAction = i >= shape.flood[1] && i < shape.flood[1] + shape.flood[0] * 100 ? 'block' : 'allow';
    scorer.add({ class: 'l7_flood' }, makeEvent({ timestamp_ms: T0 + i * 100, bot_score: score }), { action });
  }
  for (let i = 0; i < 1_000; i++) {
    scorer.add({ class: 'human' }, makeEvent({ timestamp_ms: T0 + i * 10, bot_score: variant === 'bot_management' ? (i < 20 ? 20 : 90) : null }), { action: i < shape.challenged ? 'challenge' : 'allow' });
  }
  return { seed, variant, world: drawWorld(seed, { duration_s: 60, scale: 0.1 }), report: scorer.report(), events: 1_100, verdicts: 0, rejected: 0, seconds: 0.1 };
}

function row(report: WorldsReport, variant: Variant, cls: string): ClassAcrossWorlds {
  const found = report.variants.find((entry) => entry.variant === variant)?.classes.find((entry) => entry.class === cls);
  if (found === undefined) throw new Error(`no ${cls} in ${variant}`);
  return found;
}

// Seed 1: flood 95% from the start; seed 2: 60%; seed 3: 99% but only from 5 s on; seed 4: 100%.
const SHAPES: Record<number, Shape> = {
  1: { flood: [0.95, 0], challenged: 2 },
  2: { flood: [0.6, 0], challenged: 30 },
  3: { flood: [0.5, 50], challenged: 0 },
  4: { flood: [1, 0], challenged: 5 },
};

function report(): WorldsReport {
  const runs: WorldEvaluation[] = [];
  // Fed out of order: the report sorts by seed and variant.
  for (const seed of [3, 1, 4, 2]) for (const variant of ['plain', 'bot_management'] as const) runs.push(evaluation(seed, variant, SHAPES[seed] as Shape));
  return aggregateWorlds(runs);
}

test('worst, median and best follow the margin to the target, speed included', (t) => {
  const flood = row(report(), 'bot_management', 'l7_flood');
  t.is(flood.worlds, 4);
  // Seed 3 mitigates half, first after 5 s: further from the target than seed 2's 60% at once.
  t.is(flood.engine?.worst.seed, 3);
  t.is(flood.engine?.worst.outcome.first_mitigation_s, 5);
  t.is(flood.engine?.median.seed, 2);
  t.is(flood.engine?.best.seed, 4);
  t.false(flood.met_on_worst);
  t.regex(flood.worst_world, /× for .* s at .* addr/);

  const human = row(report(), 'bot_management', 'human');
  t.deepEqual([human.engine?.worst.seed, human.engine?.median.seed, human.engine?.best.seed], [2, 4, 3]);
  t.is(human.engine?.worst.outcome.challenged_share, 0.03);
  t.false(human.met_on_worst);
  // The aggregate row sums the human classes, judged the same way.
  t.true(row(report(), 'bot_management', 'humans').aggregate);
});

test('the baseline has its own worst world, and is n/a without Bot Management', (t) => {
  const result = report();
  const human = row(result, 'bot_management', 'human');
  t.is(human.baseline?.worst.outcome.blocked_share, 0.02);
  t.false(human.baseline_met_on_worst);
  t.is(row(result, 'plain', 'human').baseline, null);
  t.is(row(result, 'plain', 'human').baseline_met_on_worst, null);
});

test('targets are judged on the worst world; the worst run and every miss are named with the seed', (t) => {
  const result = report();
  t.false(result.targets_met);
  t.deepEqual(result.seeds, [1, 2, 3, 4]);
  t.deepEqual(result.runs.map((run) => `${run.seed}/${run.variant}`), ['1/bot_management', '1/plain', '2/bot_management', '2/plain', '3/bot_management', '3/plain', '4/bot_management', '4/plain']);
  t.true(result.missed.some((miss) => miss.startsWith('l7_flood (bot_management): mitigated 50% < 90%, first mitigation after 5.0 s > 3 s — seed 3: ')));
  t.true(result.missed.some((miss) => miss.startsWith('human (plain): challenged 3% ≥ 1% — seed 2: ')));
  t.is(result.worst_run?.seed, 2);
  t.is(result.parameters.length, 4);
  // Classes without requests in any world are listed, unjudged.
  const absent = row(result, 'bot_management', 'scraper_api');
  t.is(absent.worlds, 0);
  t.is(absent.engine, null);
  t.is(absent.met_on_worst, null);
});

test('text and Markdown: one row per class per variant, seeds in the cells, n/a without Bot Management', (t) => {
  const result = report();
  const markdown = formatWorldsMarkdown(result);
  const tables = markdown.split('\n').filter((line) => line.startsWith('| '));
  const columns = (line: string): number => line.split(/(?<!\\)\|/).length - 2;
  t.is(tables.length, 2 * (2 + ALL_CLASSES.length + 1));
  t.true(tables.every((line) => columns(line) === 12));
  t.true(tables.some((line) => line.startsWith('| l7_flood | ≥90% mitigated, first ≤3 s | 4 | 50% · 5.0 s · s3 | 60% · 0.0 s · s2 | 100% · 0.0 s · s4 | ✗ |')));
  t.true(tables.some((line) => line.startsWith('| *humans (all)* |')));
  t.regex(markdown, /\| n\/a \| n\/a \| n\/a \|/);
  t.regex(markdown, /^- seed 3: /m);
  const text = formatWorldsText(result);
  t.regex(text, /^human {2,}blocked <0\.1%, challenged <1% +4 {2}0% b, 3% c · s2/m);
  t.regex(text, /targets missed on the worst world/);
});

test('end to end on tiny worlds: generated, replayed and scored in memory, every class reported', (t) => {
  const config = detectConfigSchema.parse({});
  const telemetry = new Telemetry({ level: 'silent' });
  const parse = (record: object) => {
    const parsed = parseLogpushRecord(record, 'replay');
    return parsed.ok ? parsed.event : null;
  };
  const runs: WorldEvaluation[] = [];
  for (const seed of [1, 2]) for (const variant of ['bot_management', 'plain'] as const) runs.push(evaluateWorld({ seed, variant, duration_s: 60, scale: 0.1 }, { config, telemetry, parse }));
  for (const run of runs) {
    t.is(run.rejected, 0);
    t.is(run.report.requests, run.events);
    t.is(run.report.bot_management, run.variant === 'bot_management');
  }
  // Both variants of a world are the same traffic.
  t.is(runs[0]?.events, runs[1]?.events);
  const result = aggregateWorlds(runs);
  t.deepEqual(result.variants.map((variant) => variant.variant), ['bot_management', 'plain']);
  for (const variant of result.variants) {
    t.deepEqual(variant.classes.filter((entry) => !entry.aggregate).map((entry) => entry.class), [...ALL_CLASSES]);
    for (const entry of variant.classes) {
      t.is(entry.worlds, 2, `${entry.class} missing from a world`);
      const spread = entry.engine;
      if (spread === null) return t.fail(entry.class);
      t.true(spread.worst.margin <= spread.median.margin && spread.median.margin <= spread.best.margin);
      t.is(entry.met_on_worst, entry.target === null ? null : spread.worst.result?.met ?? null);
    }
  }
  t.is(result.targets_met, result.missed.length === 0);
});
