/**
 * Test helpers: a simulation collected in memory with per-class counts, and one shared small
 * run (2 minutes at scale 0.2, seed 1: ~135k requests, ~1 s) that most tests inspect.
 */
import { defaultScenario, type Scenario, type TrafficClass } from './scenario.js';
import { simulate } from './simulate.js';
import type { SimulatedRequest } from './world.js';

export interface Run {
  scenario: Scenario;
  requests: SimulatedRequest[];
  counts: Map<TrafficClass, number>;
}

export function run(scenario: Scenario): Run {
  const requests: SimulatedRequest[] = [];
  const counts = new Map<TrafficClass, number>();
  for (const request of simulate(scenario)) {
    requests.push(request);
    counts.set(request.label.class, (counts.get(request.label.class) ?? 0) + 1);
  }
  return { scenario, requests, counts };
}

let small: Run | null = null;

/** The `--duration-s 120 --scale 0.2` run, generated once per test file. */
export function smallRun(): Run {
  small ??= run(defaultScenario({ seed: 1, duration_s: 120, scale: 0.2 }));
  return small;
}

/** Seconds from the start of the run of a record. */
export function elapsed(scenario: Scenario, request: SimulatedRequest): number {
  return (request.record.EdgeStartTimestamp / 1e6 - scenario.start_ms) / 1_000;
}
