/**
 * Hand-built summaries for the tests of `scraping`, `credential-stuffing` and `probing`: counters
 * and sketches from plain values (hashed the way the SummaryBuilder hashes them), and the split
 * of one summary into the two partial halves two instances would emit for it.
 */
import type { SubjectKey } from '@botsieve/core';
import { emptySummary, type Summary, type SummaryCounter, type SummaryKind } from '../engine/summary.js';
import { HyperLogLog, hash32, hashNumber } from '../sketch/index.js';

/** A round event time: a multiple of every default window (5 min, 10 min, 30 min, 2 h). */
export const T0 = 1_699_999_200_000;

export interface SummarySpec {
  subject: SubjectKey;
  step_ms: number;
  /** Newest event time; step_ms + 999 when absent. */
  last_ms?: number;
  counters?: Partial<Record<SummaryCounter, number>>;
  /** Page URIs (the `urls` sketch). */
  urls?: readonly string[];
  /** Numeric page ids (the `ids` sketch, id_min and id_max). */
  ids?: readonly number[];
  /** Client IPs (the `ips` sketch; aggregates only). */
  ips?: readonly string[];
}

export function kindOf(subject: SubjectKey): SummaryKind {
  return subject.slice(0, subject.indexOf(':')) as SummaryKind;
}

function sketch(values: readonly string[] | undefined): HyperLogLog | null {
  if (values === undefined || values.length === 0) return null;
  const hll = new HyperLogLog();
  for (const value of values) hll.add(hash32(value));
  return hll;
}

export function makeSummary(spec: SummarySpec): Summary {
  const summary = emptySummary(spec.subject, kindOf(spec.subject), spec.step_ms);
  summary.last_ms = spec.last_ms ?? spec.step_ms + 999;
  for (const [field, value] of Object.entries(spec.counters ?? {}) as [SummaryCounter, number][]) summary[field] = value;
  summary.urls = sketch(spec.urls);
  summary.ips = sketch(spec.ips);
  if (spec.ids !== undefined && spec.ids.length > 0) {
    const ids = new HyperLogLog();
    for (const id of spec.ids) ids.add(hashNumber(id));
    summary.ids = ids;
    summary.id_min = Math.min(...spec.ids);
    summary.id_max = Math.max(...spec.ids);
  }
  return summary;
}

/**
 * Two partial summaries that add up to `spec`: each counter split in two (the first half gets
 * the smaller part), sketch values dealt alternately, the newest event time in the second half.
 */
export function halves(spec: SummarySpec): [SummarySpec, SummarySpec] {
  const last = spec.last_ms ?? spec.step_ms + 999;
  const a: SummarySpec = { subject: spec.subject, step_ms: spec.step_ms, last_ms: spec.step_ms + Math.floor((last - spec.step_ms) / 2), counters: {} };
  const b: SummarySpec = { subject: spec.subject, step_ms: spec.step_ms, last_ms: last, counters: {} };
  for (const [field, value] of Object.entries(spec.counters ?? {}) as [SummaryCounter, number][]) {
    a.counters![field] = Math.floor(value / 2);
    b.counters![field] = value - Math.floor(value / 2);
  }
  for (const key of ['urls', 'ips'] as const) {
    const values = spec[key];
    if (values === undefined) continue;
    a[key] = values.filter((_, i) => i % 2 === 0);
    b[key] = values.filter((_, i) => i % 2 === 1);
  }
  if (spec.ids !== undefined) {
    a.ids = spec.ids.filter((_, i) => i % 2 === 0);
    b.ids = spec.ids.filter((_, i) => i % 2 === 1);
  }
  return [a, b];
}

/** `count` distinct strings `<prefix><start + i>`. */
export function range(prefix: string, start: number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(`${prefix}${start + i}`);
  return out;
}
