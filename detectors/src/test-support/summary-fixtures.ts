/**
 * Test fixtures shared by the tests of the summary detectors (`volumetric`, `l7-flood`,
 * `load-bucket`): hand-built summaries with sketches from plain string lists, a split into two
 * additive halves, and a quiet detector context. Not used outside tests.
 *
 * summary-specs.ts builds the other summary detectors' summaries: alike, but with another spec
 * shape, T0 and default `last_ms` (+999 ms, not +900), which those tests' expected values
 * encode; the two stay apart rather than one changing the other's assertions.
 */
import type { SubjectKey } from '@botsieve/core';
import { ManualClock, nullTelemetry, type Telemetry } from '@botsieve/runtime';
import type { HostedDetectorContext, SummaryDetector } from '../engine/detector.js';
import type { Signal } from '../engine/signal.js';
import { emptySummary, SUMMARY_COUNTERS, type Summary, type SummaryKind } from '../engine/summary.js';
import { hash32, HyperLogLog } from '../sketch/index.js';

/** A whole second, a whole 5 s and a whole 10 s: steps and windows align on it. */
export const T0 = 1_700_000_000_000;
export const STEP_MS = 1_000;

type Counters = Partial<Pick<Summary, (typeof SUMMARY_COUNTERS)[number] | 'top_route' | 'top_route_requests' | 'last_ms'>>;

export interface SummaryFixture extends Counters {
  /** Distinct user agents / client IPs, as plain strings (hashed into a HyperLogLog). */
  uas?: string[];
  ips?: string[];
}

export function distinct(values: readonly string[]): HyperLogLog {
  const sketch = new HyperLogLog();
  for (const value of values) sketch.add(hash32(value));
  return sketch;
}

/** A fixture's counter; `rendered_assets` defaults to `assets` (assets fetched by clients that do not name automation). */
function counter(fixture: SummaryFixture, field: (typeof SUMMARY_COUNTERS)[number]): number {
  return fixture[field] ?? (field === 'rendered_assets' ? (fixture.assets ?? 0) : 0);
}

/** A summary of `subject` for the step starting at `step_ms`; `last_ms` defaults to 900 ms into it. */
export function makeSummary(subject: SubjectKey, step_ms: number, fixture: SummaryFixture = {}): Summary {
  const kind = subject.slice(0, subject.indexOf(':')) as SummaryKind;
  const summary = emptySummary(subject, kind, step_ms);
  summary.last_ms = fixture.last_ms ?? step_ms + 900;
  for (const field of SUMMARY_COUNTERS) summary[field] = counter(fixture, field);
  summary.top_route = fixture.top_route ?? '';
  summary.top_route_requests = fixture.top_route_requests ?? 0;
  if (fixture.uas !== undefined) summary.uas = distinct(fixture.uas);
  if (fixture.ips !== undefined) summary.ips = distinct(fixture.ips);
  return summary;
}

/** Two partial summaries that add up to `makeSummary(subject, step_ms, fixture)` (same `last_ms`). */
export function halves(subject: SubjectKey, step_ms: number, fixture: SummaryFixture = {}): [Summary, Summary] {
  const first: SummaryFixture = { top_route: fixture.top_route ?? '', last_ms: fixture.last_ms ?? step_ms + 900 };
  const second: SummaryFixture = { ...first };
  for (const field of SUMMARY_COUNTERS) {
    const n = counter(fixture, field);
    first[field] = Math.floor(n / 2);
    second[field] = n - Math.floor(n / 2);
  }
  const route = fixture.top_route_requests ?? 0;
  first.top_route_requests = Math.floor(route / 2);
  second.top_route_requests = route - Math.floor(route / 2);
  if (fixture.uas !== undefined) {
    first.uas = fixture.uas.filter((_, i) => i % 2 === 0);
    second.uas = fixture.uas.filter((_, i) => i % 2 === 1);
  }
  if (fixture.ips !== undefined) {
    first.ips = fixture.ips.filter((_, i) => i % 2 === 0);
    second.ips = fixture.ips.filter((_, i) => i % 2 === 1);
  }
  return [makeSummary(subject, step_ms, first), makeSummary(subject, step_ms, second)];
}

/** A detector context with null telemetry (or the given one) and a manual clock. */
export function testContext(telemetry: Telemetry = nullTelemetry()): HostedDetectorContext {
  const component = telemetry.component('detector/test');
  return { clock: new ManualClock(T0), logger: component.log, metrics: component.metrics };
}

/** Feeds summaries (flushing at each new step boundary, like the engine) and collects the signals. */
export function feed(detector: SummaryDetector, summaries: readonly Summary[], out: Signal[] = []): Signal[] {
  for (const summary of summaries) out.push(...detector.summary(summary));
  return out;
}

/** `n` IPs `prefix.0 … prefix.(n−1)`-style strings, for sketches. */
export function names(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}
