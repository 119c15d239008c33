/**
 * Driving a summary detector in its unit tests: making it from raw config, feeding it summaries
 * step by step, and the IP sprays of the bounded-state tests. Summaries come from the two fixture
 * modules: summary-fixtures.ts (the ring-window detectors' tests: `volumetric`, `l7-flood`,
 * `load-bucket`) and summary-specs.ts (`scraping`, `credential-stuffing`, `probing`). Not used
 * outside tests.
 */
import type { Telemetry } from '@botsieve/runtime';
import type { EngineDetectorFactory, SummaryDetector } from '../engine/detector.js';
import type { Signal } from '../engine/signal.js';
import type { Summary } from '../engine/summary.js';
import { feed, STEP_MS, T0, testContext } from './summary-fixtures.js';
import { halves, makeSummary, T0 as SPEC_T0, type SummarySpec } from './summary-specs.js';

/** The detector `factory` makes from `raw` config, with a quiet context (or `telemetry`'s). */
export function createDetector<D extends SummaryDetector>(factory: EngineDetectorFactory<unknown>, raw: unknown = {}, telemetry?: Telemetry): D {
  return factory.create(factory.parseConfig(raw), testContext(telemetry)) as D;
}

/** The `i`-th sprayed subject: `ip:10.a.b.c`, distinct for i < 2^24. */
export function sprayIp(i: number): `ip:${string}` {
  return `ip:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

/** Runs `steps` steps of STEP_MS from `start`: flush at each step start (closing the previous step), then the step's summaries. */
export function runSteps(d: SummaryDetector, start: number, steps: number, perStep: (step_ms: number, i: number) => Summary[]): Signal[] {
  const out: Signal[] = [];
  for (let i = 0; i < steps; i++) {
    const step = start + i * STEP_MS;
    d.flush(step);
    feed(d, perStep(step, i), out);
  }
  return out;
}

/** Feeds the summaries `specs` describe, in order, and collects the signals. */
export function feedSpecs(d: SummaryDetector, specs: Iterable<SummarySpec>): Signal[] {
  const out: Signal[] = [];
  for (const spec of specs) out.push(...d.summary(makeSummary(spec)));
  return out;
}

/**
 * Feeds each spec as its two partial halves (`halves`), in turn in order and reversed, starting
 * reversed when `reversedFirst`: what two instances emitting partials in any order look like.
 */
export function feedSpecHalves(d: SummaryDetector, specs: readonly SummarySpec[], reversedFirst: boolean): Signal[] {
  const out: Signal[] = [];
  specs.forEach((spec, i) => {
    const [a, b] = halves(spec);
    out.push(...feedSpecs(d, (i % 2 === 0) === reversedFirst ? [b, a] : [a, b]));
  });
  return out;
}

/** What both sprays return: the signals they drew and the most subjects `tracked` said were held. */
export interface SprayResult {
  signals: Signal[];
  maxTracked: number;
}

export interface SpecSpray {
  /** Summary `i` of the spray (its subject and step are set by the spray). */
  spray: (i: number) => Omit<SummarySpec, 'subject' | 'step_ms'>;
  /** The attacker's summary at `step_ms`, sent after every `attackerEvery`-th spray summary. */
  attacker: (step_ms: number) => SummarySpec;
  attackerEvery: number;
  tracked: () => number;
}

/**
 * 1,000,000 summaries of distinct IPs (`sprayIp`), 1,000 per 1 s step from summary-specs' T0, each
 * built from its spec; every 10,000 a flush 2 s behind, after which `tracked` is noted. Only the
 * attacker's signals are collected.
 */
export function sprayBySpecs(d: SummaryDetector, o: SpecSpray): SprayResult {
  const signals: Signal[] = [];
  let maxTracked = 0;
  for (let i = 0; i < 1_000_000; i++) {
    const step = SPEC_T0 + Math.floor(i / 1_000) * 1_000;
    d.summary(makeSummary({ ...o.spray(i), subject: sprayIp(i), step_ms: step }));
    if (i % o.attackerEvery === 0) signals.push(...d.summary(makeSummary(o.attacker(step))));
    if (i % 10_000 === 0) {
      d.flush(step - 2_000);
      maxTracked = Math.max(maxTracked, o.tracked());
    }
  }
  return { signals, maxTracked };
}

export interface ReusedSpray {
  /** The spray's summary `i`: one object reused, its subject set here (its step is set by the spray). */
  spray: (i: number) => Summary;
  /** The attacker's summary at `step_ms`, sent after every 500th spray summary. */
  attacker: (step_ms: number) => Summary;
  tracked: () => number;
}

/**
 * 1,000,000 summaries of distinct subjects, 10,000 per step from summary-fixtures' T0, flushing at
 * each step start like the engine; the spray reuses its summary objects (no allocation per
 * subject). Every signal is collected; `tracked` is noted every 1,000. Returns the last step too.
 */
export function sprayByReuse(d: SummaryDetector, o: ReusedSpray): SprayResult & { lastStep: number } {
  const signals: Signal[] = [];
  let maxTracked = 0;
  let step = T0;
  for (let i = 0; i < 1_000_000; i++) {
    if (i % 10_000 === 0) {
      step = T0 + (i / 10_000) * STEP_MS;
      d.flush(step);
    }
    const summary = o.spray(i);
    summary.step_ms = step;
    summary.last_ms = step + 900;
    signals.push(...d.summary(summary));
    if (i % 500 === 0) signals.push(...d.summary(o.attacker(step)));
    if (i % 1_000 === 0) maxTracked = Math.max(maxTracked, o.tracked());
  }
  return { signals, maxTracked, lastStep: step };
}
