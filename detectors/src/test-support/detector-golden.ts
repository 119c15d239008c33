/**
 * Golden tests of one detector as a pure component (CrowdSec hub style):
 * `testdata/<case>/{config.json, input.ndjson, expected.ndjson}`.
 *
 * - config.json: the detector's own config (what goes in `detectors[].config`).
 * - input.ndjson: one step per line, in order:
 *   `{"summary": <wire summary>}` → `detector.summary(…)` (summary detectors),
 *   `{"event": <RequestEvent>, "features": <partial EventFeatures>}` → `detector.process(…)`,
 *   `{"flush": <watermark_ms>}` → `detector.flush(…)`.
 * - expected.ndjson: every signal in emission order, then `{"stats":{…}}` (steps, signals, state
 *   keys at the end). `UPDATE_GOLDEN=1` rewrites it from the current output; the comparison is
 *   always strict.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestEvent } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import type { AnyEngineDetectorFactory } from '../engine/registry-types.js';
import type { EngineDetector } from '../engine/detector.js';
import { defaultFeatures } from '../engine/default-features.js';
import type { EventFeatures } from '../engine/features.js';
import type { Signal } from '../engine/signal.js';
import { decodeSummary } from '../engine/summary.js';
import { Watermark } from '../engine/watermark.js';
import { makeEvent } from './events.js';
import { goldenCases, readNdjson } from './golden.js';
import type { TestFn } from 'ava';

interface Step {
  summary?: unknown;
  event?: Partial<RequestEvent>;
  features?: Partial<EventFeatures>;
  flush?: number;
}

/** Builds the detector from `config.json` with a quiet context and the given id. */
export function goldenDetector(dir: string, factory: AnyEngineDetectorFactory, id: string): { detector: EngineDetector; clock: Watermark } {
  const config = factory.parseConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
  const component = nullTelemetry().component(`detector/${id}`);
  const clock = new Watermark(0);
  return { detector: factory.create(config, { clock, logger: component.log, metrics: component.metrics, id }), clock };
}

/** Runs one case; returns the actual and expected lines. */
export function runDetectorGolden(dir: string, factory: AnyEngineDetectorFactory, id: string): { actual: string[]; expected: string[] } {
  const { detector, clock } = goldenDetector(dir, factory, id);
  const lines: string[] = [];
  let steps = 0;
  let signals = 0;
  const emit = (out: Signal[]) => {
    for (const signal of out) lines.push(JSON.stringify(signal));
    signals += out.length;
  };
  for (const step of readNdjson(join(dir, 'input.ndjson')) as Step[]) {
    steps += 1;
    if (step.flush !== undefined) {
      clock.advanceTo(step.flush);
      emit(detector.flush(step.flush));
    } else if (step.summary !== undefined) {
      const summary = decodeSummary(step.summary);
      if (summary === null) throw new Error(`line ${steps}: not a summary`);
      if (detector.input !== 'summaries') throw new Error(`line ${steps}: ${id} takes events, not summaries`);
      clock.advanceTo(summary.last_ms);
      emit(detector.summary(summary));
    } else if (step.event !== undefined) {
      const event = makeEvent(step.event);
      if (detector.input !== 'events') throw new Error(`line ${steps}: ${id} takes summaries, not events`);
      clock.advanceTo(event.timestamp_ms);
      emit(detector.process(event, { ...defaultFeatures(event), ...step.features }));
    } else {
      throw new Error(`line ${steps}: expected summary, event or flush`);
    }
  }
  lines.push(JSON.stringify({ stats: { steps, signals, state_keys: detector.stateSize().keys } }));
  const expectedPath = join(dir, 'expected.ndjson');
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedPath, `${lines.join('\n')}\n`);
  const expected = existsSync(expectedPath) ? readNdjson(expectedPath).map((value) => JSON.stringify(value)) : [];
  return { actual: lines, expected };
}

/**
 * Registers a detector's golden tests: one per `src/<type>/testdata/<case>/`, plus one that the
 * cases exist (at least `minimum`), so a missing testdata directory fails instead of passing.
 */
export function registerGoldenTests(test: TestFn, type: string, factory: AnyEngineDetectorFactory, minimum = 3): void {
  const cases = goldenCases(`${type}/testdata`);
  test(`golden: at least ${minimum} cases`, (t) => {
    t.true(cases.length >= minimum);
  });
  for (const { name, dir } of cases) {
    test(`golden: ${name}`, (t) => {
      const { actual, expected } = runDetectorGolden(dir, factory, type);
      t.true(expected.length > 0, 'expected.ndjson missing: run the tests with UPDATE_GOLDEN=1 and review it');
      t.deepEqual(actual, expected);
    });
  }
}
