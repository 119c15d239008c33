/** Shared by the Pub/Sub tests: config against the local server, verdicts, recording targets. */
import { randomBytes } from 'node:crypto';
import type { Sink, SubjectKey, Verdict, VerdictAction } from '@botsieve/core';
import type { Telemetry } from '@botsieve/runtime';
import type { PubSubServer } from '@botsieve/testkit';
import { pubsubConfigSchema, type PubSubConfig } from './config.js';

export { until } from '@botsieve/testkit';

export function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function testConfig(server: PubSubServer, overrides: Partial<PubSubConfig> & { region: string; topic: string }): PubSubConfig {
  return pubsubConfigSchema.parse({
    project_id: server.project,
    emulator_host: server.host,
    max_batch_delay_ms: 5,
    publish_timeout_ms: 2_000,
    apply_delay_ms: 10,
    ack_deadline_seconds: 10,
    ...overrides,
  });
}

export function verdict(subject: SubjectKey, n: number, action: VerdictAction = 'block'): Verdict {
  return { id: `${subject}#${n}`, subject, action, score: 5, ttl_ms: 600_000, decided_at: 1_000 + n, detectors: [{ id: 'volumetric', score: 5, evidence: { n } }] };
}

/** `keys` subjects × `per_key` verdicts, interleaved (k0#0, k1#0, …, k0#1, …) as a detector would emit them. */
export function interleaved(keys: number, per_key: number, prefix = '198.51.100'): Verdict[] {
  const verdicts: Verdict[] = [];
  for (let n = 0; n < per_key; n += 1) for (let k = 0; k < keys; k += 1) verdicts.push(verdict(`ip:${prefix}.${k}`, n));
  return verdicts;
}

/** Verdict ids per subject (subjects sorted), each list in the given order. */
export function idsByKey(verdicts: readonly Verdict[]): Record<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const v of verdicts) {
    let ids = byKey.get(v.subject);
    if (ids === undefined) byKey.set(v.subject, (ids = []));
    ids.push(v.id);
  }
  return Object.fromEntries([...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export async function counter(telemetry: Telemetry, metric: string, label: string): Promise<number> {
  let total = 0;
  for (const line of (await telemetry.exposition()).split('\n')) if (line.startsWith(`${metric}{`) && line.includes(label)) total += Number(line.split(' ').pop());
  return total;
}

/**
 * A target that records every write (items and when it resolved). It can be gated (writes wait
 * until `release()`), fail its next writes, and it is idempotent: `applied()` is the distinct
 * verdicts in the order first applied.
 */
export class RecordingTarget implements Sink<Verdict> {
  readonly id = 'recording-target';
  readonly writes: Array<{ verdicts: Verdict[]; started_ms: number; resolved_ms: number | undefined }> = [];
  failNext = 0;
  /** Errors the next writes throw (after `failNext` is spent), made from the write's verdicts. */
  readonly failWith: Array<(verdicts: readonly Verdict[]) => Error> = [];
  delay_ms = 0;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  /** `inner`: a real store the writes go to after the gate and the injected failures. */
  constructor(private readonly inner?: Sink<Verdict>) {}

  async connect(): Promise<void> {}
  async healthcheck(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async writeBatch(verdicts: readonly Verdict[]): Promise<void> {
    const write = { verdicts: [...verdicts], started_ms: Date.now(), resolved_ms: undefined as number | undefined };
    this.writes.push(write);
    if (this.gate !== undefined) await this.gate;
    if (this.delay_ms > 0) await new Promise((resolve) => setTimeout(resolve, this.delay_ms));
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('injected apply failure');
    }
    const failure = this.failWith.shift();
    if (failure !== undefined) throw failure(verdicts);
    await this.inner?.writeBatch(verdicts);
    write.resolved_ms = Date.now();
  }

  /** Verdicts of the writes that resolved, in order (with duplicates). */
  appliedAll(): Verdict[] {
    return this.writes.filter((w) => w.resolved_ms !== undefined).flatMap((w) => w.verdicts);
  }

  /** Distinct verdicts in the order first applied. */
  applied(): Verdict[] {
    const seen = new Set<string>();
    const distinct: Verdict[] = [];
    for (const v of this.appliedAll()) {
      if (seen.has(v.id)) continue;
      seen.add(v.id);
      distinct.push(v);
    }
    return distinct;
  }

  /** When the write that applied this verdict id first resolved. */
  appliedAt(id: string): number | undefined {
    return this.writes.find((w) => w.resolved_ms !== undefined && w.verdicts.some((v) => v.id === id))?.resolved_ms;
  }
}
