import test from 'ava';
import type { ComponentMetrics, SubjectKind } from '@botsieve/core';
import { SUBJECT_KINDS } from '@botsieve/core';
import { KindTrackers, type KindTracker, type KindTrackerFactory } from './kind-trackers.js';

interface KindConfig {
  enabled: boolean;
  cap: number;
  threshold: number;
}

interface Config {
  window_ms: number;
  subjects: Record<SubjectKind, KindConfig>;
}

class FakeTracker implements KindTracker<KindConfig> {
  threshold: number;
  evictions = 0;

  constructor(
    readonly kind: SubjectKind,
    readonly shape: string,
    kindConfig: KindConfig,
  ) {
    this.threshold = kindConfig.threshold;
  }

  retune(kindConfig: KindConfig): void {
    this.threshold = kindConfig.threshold;
  }

  keys(): number {
    return 10;
  }

  bytes(): number {
    return 1_000;
  }

  takeEvictions(): number {
    const n = this.evictions;
    this.evictions = 0;
    return n;
  }

  sweep(): void {}
}

const FACTORY: KindTrackerFactory<Config, KindConfig, FakeTracker> = {
  shapeOf: (kind, config) => JSON.stringify([config.window_ms, kind.cap]),
  create: (kind, kindConfig, shape) => new FakeTracker(kind, shape, kindConfig),
};

function config(window_ms: number, overrides: Partial<Record<SubjectKind, Partial<KindConfig>>> = {}): Config {
  const subjects = {} as Record<SubjectKind, KindConfig>;
  for (const kind of SUBJECT_KINDS) subjects[kind] = { enabled: true, cap: 100, threshold: 5, ...overrides[kind] };
  return { window_ms, subjects };
}

function recordingMetrics(): { metrics: ComponentMetrics; discarded: [string, number][] } {
  const discarded: [string, number][] = [];
  const none = (): void => undefined;
  const metrics: ComponentMetrics = { received: none, sent: none, error: none, gauge: none, observe: none, corrected: none, discarded: (reason, count = 1) => discarded.push([reason, count]) };
  return { metrics, discarded };
}

test('reconfigure keeps a kind whose shape is unchanged (retuned), restarts one whose shape changed, drops a disabled one', (t) => {
  const kinds = new KindTrackers(FACTORY);
  kinds.reconfigure(config(1_000, { asn: { enabled: false } }));
  t.deepEqual(kinds.kinds(), ['ip', 'prefix', 'ja4', 'ua']);
  t.is(kinds.byKind.asn, null);
  const [ip, prefix] = [kinds.byKind.ip!, kinds.byKind.prefix!];

  kinds.reconfigure(config(1_000, { ip: { threshold: 9 }, prefix: { cap: 200 }, ja4: { enabled: false } }));
  t.is(kinds.byKind.ip, ip, 'same shape: the tracker (and its state) is kept');
  t.is(ip.threshold, 9, '…and takes the new threshold');
  t.not(kinds.byKind.prefix, prefix, 'another cap: a new tracker');
  t.is(kinds.byKind.ja4, null);
  t.truthy(kinds.byKind.asn, 're-enabled');
  t.deepEqual(kinds.kinds(), ['ip', 'prefix', 'asn', 'ua'], 'walked in SUBJECT_KINDS order');

  kinds.reconfigure(config(2_000));
  t.not(kinds.byKind.ip, ip, 'a detector-wide setting in the shape restarts every kind');
});

test('stateSize sums the enabled kinds; reportDiscards reports deltas, nothing when there are none', (t) => {
  const kinds = new KindTrackers(FACTORY);
  kinds.reconfigure(config(1_000, { ua: { enabled: false } }));
  t.deepEqual(kinds.stateSize(), { keys: 40, bytes: 4_000 });

  const { metrics, discarded } = recordingMetrics();
  kinds.reportDiscards(metrics, 'state_evicted', 'late');
  t.deepEqual(discarded, []);

  kinds.byKind.ip!.evictions = 3;
  kinds.byKind.asn!.evictions = 4;
  kinds.late += 2;
  kinds.reportDiscards(metrics, 'state_evicted', 'late');
  t.deepEqual(discarded, [
    ['state_evicted', 7],
    ['late', 2],
  ]);
  kinds.reportDiscards(metrics, 'state_evicted', 'late');
  t.is(discarded.length, 2, 'counted once');
});
