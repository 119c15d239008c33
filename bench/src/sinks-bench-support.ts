/**
 * Shared by the sink benchmarks: table output, percentiles, the verdicts written, a producer at
 * a steady rate, and a sink wrapper that timestamps when each write resolved.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BusProducer, Sink, Verdict } from '@botsieve/core';

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
export const ms = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : fmt(n));
export const row = (cells: string[]) => process.stdout.write(`| ${cells.join(' | ')} |\n`);
export const line = (text = '') => process.stdout.write(`${text}\n`);
export const progress = (text: string) => process.stderr.write(`  ${text}\n`);

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `values` (NaN entries, i.e. never measured, are left out). */
export function percentiles(values: ArrayLike<number>): Percentiles {
  const measured = Float64Array.from(values).filter((value) => !Number.isNaN(value)).sort();
  const at = (q: number) => measured[Math.min(measured.length - 1, Math.max(0, Math.ceil(q * measured.length) - 1))] ?? Number.NaN;
  return { count: measured.length, p50: at(0.5), p99: at(0.99), max: measured[measured.length - 1] ?? Number.NaN };
}

/** A public IPv4 address per index (45.0.0.0/8: never in the sinks' private or reserved ranges), distinct below 2^24. */
export function benchIp(i: number): string {
  return `45.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
}

/**
 * A block verdict shaped like the engine's: two findings with a few numbers of evidence
 * (~300 bytes of JSON). Its id is `v<i>`, which the timed sink maps back to the index.
 */
export function benchVerdict(i: number, decided_at: number): Verdict {
  return {
    id: `v${i}`,
    subject: `ip:${benchIp(i)}`,
    action: 'block',
    score: 4,
    ttl_ms: 3_600_000,
    decided_at,
    detectors: [
      { id: 'request-velocity', score: 3, evidence: { requests: 1_840, window_ms: 10_000, rate_per_s: 184, threshold_per_s: 30 } },
      { id: 'path-enumeration', score: 9, evidence: { distinct_paths: 912, window_ms: 60_000, ratio_404: 0.71 } },
    ],
  };
}

/** The index `benchVerdict` encoded in the id. */
export const verdictIndex = (verdict: Verdict) => Number(verdict.id.slice(1));

/**
 * Produces verdicts `0…total-1` at `rate` per second: every `tick_ms` one producer batch holding
 * what is due by then (catching up after a late timer, so the rate holds on a busy machine).
 * `sealed` is called once per verdict with the time its batch's `seal()` resolved: the moment
 * the verdict is on the topic.
 */
export async function produceSteadily(
  producer: BusProducer,
  topic: string,
  options: { total: number; rate: number; tick_ms: number; make: (i: number) => Verdict; sealed: (i: number) => void },
): Promise<void> {
  const started = performance.now();
  let sent = 0;
  while (sent < options.total) {
    const due = Math.min(options.total, Math.floor(((performance.now() - started) / 1_000) * options.rate));
    if (due > sent) {
      await produceRange(producer, topic, sent, due, options.make, options.sealed);
      sent = due;
    }
    if (sent < options.total) await sleep(options.tick_ms);
  }
}

/** One producer batch holding verdicts `from…to-1`. */
export async function produceRange(producer: BusProducer, topic: string, from: number, to: number, make: (i: number) => Verdict, sealed: (i: number) => void): Promise<void> {
  const batch = producer.batch();
  for (let i = from; i < to; i++) {
    const verdict = make(i);
    if (!batch.send(topic, verdict.subject, Buffer.from(JSON.stringify(verdict)))) throw new Error('the bus refused a verdict (topic full)');
  }
  await batch.seal();
  for (let i = from; i < to; i++) sealed(i);
}

/**
 * Delegates to a sink and reports each batch once its `writeBatch` resolved: for Redis, the
 * master acknowledged every command, so the keys are readable there.
 */
export class TimedSink implements Sink<Verdict> {
  readonly id: string;

  constructor(
    private readonly inner: Sink<Verdict>,
    private readonly written: (verdicts: readonly Verdict[], at: number) => void,
  ) {
    this.id = inner.id;
  }

  connect(): Promise<void> {
    return this.inner.connect();
  }

  async writeBatch(verdicts: readonly Verdict[]): Promise<void> {
    await this.inner.writeBatch(verdicts);
    this.written(verdicts, performance.now());
  }

  healthcheck(): Promise<boolean> {
    return this.inner.healthcheck();
  }

  maintain(): Promise<void> {
    return this.inner.maintain?.() ?? Promise.resolve();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Polls `done` every `every_ms` until true; throws after `timeout_ms`. */
export async function until(what: string, done: () => boolean, timeout_ms: number, every_ms = 10): Promise<void> {
  const deadline = performance.now() + timeout_ms;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(every_ms);
  }
}
