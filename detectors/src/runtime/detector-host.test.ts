import test from 'ava';
import { METRIC, type Detector, type DetectorFactory, type RequestEvent, type Verdict } from '@botsieve/core';
import { ManualClock, nullTelemetry } from '@botsieve/runtime';
import { parseDetectConfig, type DetectConfig } from '../config.js';
import { registry } from '../registry.js';
import { makeEvent, metricValue } from '../test-support/events.js';
import { DetectorHost } from './detector-host.js';

const T0 = 1_700_000_000_000;

test('the host drops and counts late events, never crashes on bad timestamps', async (t) => {
  const telemetry = nullTelemetry();
  const host = new DetectorHost(parseDetectConfig({ allowed_lateness_ms: 1_000 }), telemetry);
  const clock = new ManualClock(T0);
  t.deepEqual(host.process(makeEvent({ timestamp_ms: clock.now() })), []);
  clock.advance(10_000);
  host.process(makeEvent({ timestamp_ms: clock.now() }));
  host.process(makeEvent({ timestamp_ms: clock.now() - 1_001 }));
  host.process(makeEvent({ timestamp_ms: clock.now() - 1_000 }));
  host.process(makeEvent({ timestamp_ms: Number.NaN }));
  host.process({ ...makeEvent(), timestamp_ms: null as unknown as number });
  t.deepEqual(host.stats, { events: 6, late: 1, invalid: 2, verdicts: 0, shadow_verdicts: 0 });
  t.is(await metricValue(telemetry, METRIC.discarded, { component: 'detect', reason: 'late' }), 1);
  t.is(await metricValue(telemetry, METRIC.discarded, { component: 'detect', reason: 'invalid_timestamp' }), 2);
});

test('late events do not reach the detectors: they cannot trigger a verdict', (t) => {
  const host = new DetectorHost(
    parseDetectConfig({ allowed_lateness_ms: 0, detectors: [{ type: 'request-rate', id: 'rr', config: { subjects: { ip: { log_requests: null, challenge_requests: 3, block_requests: 10 } } } }] }),
    nullTelemetry(),
  );
  host.process(makeEvent({ timestamp_ms: T0 + 5_000 }));
  host.process(makeEvent({ timestamp_ms: T0 + 4_999 }));
  host.process(makeEvent({ timestamp_ms: T0 + 4_000 }));
  t.is(host.stats.late, 2);
  t.is(host.process(makeEvent({ timestamp_ms: T0 + 5_000 })).length, 0);
  t.is(host.process(makeEvent({ timestamp_ms: T0 + 5_001 }))[0]?.action, 'challenge');
});

test('the host flushes when the watermark crosses a step, and reports state size', async (t) => {
  const telemetry = nullTelemetry();
  const host = new DetectorHost(parseDetectConfig({ allowed_lateness_ms: 0, flush_step_ms: 1_000 }), telemetry);
  const stateKeys = () => metricValue(telemetry, METRIC.detectorStateKeys, { detector: 'request-rate' });
  for (let i = 0; i < 50; i++) host.process(makeEvent({ ip: `192.0.2.${i}`, timestamp_ms: T0 + i }));
  t.is(host.stateSize().keys, 51, '50 IPs and their one /24');
  t.is(await stateKeys(), 0, 'reported at the first flush, before the first event');
  t.deepEqual(host.advanceTo(T0 + 999), [], 'same step: no flush');
  t.is(await stateKeys(), 0);
  host.advanceTo(T0 + 5_000);
  t.is(await stateKeys(), 51, 'windows still open');
  t.is(await metricValue(telemetry, METRIC.received, { component: 'detect' }), 50);
  host.advanceTo(T0 + 60_000);
  t.is(host.stateSize().keys, 0, 'windows closed: state released');
  t.is(await stateKeys(), 0);
  t.deepEqual(host.finish(), []);
});

test('an invalid detector config fails at construction with ERR_DETECTOR_CONFIG', (t) => {
  const config = parseDetectConfig({});
  const bad = { ...config, detectors: [{ type: 'request-rate' as const, id: 'rr', mode: 'enforce' as const, config: { window_ms: -1 } }] };
  const error = t.throws(() => new DetectorHost(bad, nullTelemetry()), { code: 'ERR_DETECTOR_CONFIG' });
  t.regex(error?.message ?? '', /detector "rr" \(request-rate\)[\s\S]*window_ms/);
  const twice = { ...config, detectors: [config.detectors[0]!, config.detectors[0]!] };
  t.throws(() => new DetectorHost(twice, nullTelemetry()), { code: 'ERR_DETECTOR_CONFIG' });
});

/** A detector that records calls and can be told to throw. */
function recorder(calls: string[], throwOn: (event: RequestEvent) => boolean): DetectorFactory<Record<string, unknown>> {
  return {
    parseConfig: (raw) => (raw ?? {}) as Record<string, unknown>,
    create: (_config, context): Detector => ({
      id: 'recorder',
      process(event) {
        calls.push(`process ${event.timestamp_ms - T0} clock=${context.clock.now() - T0}`);
        if (throwOn(event)) throw new Error('boom');
        return [];
      },
      flush(watermark) {
        calls.push(`flush ${watermark === Number.POSITIVE_INFINITY ? 'end' : watermark - T0}`);
        return [];
      },
      stateSize: () => ({ keys: 0, bytes: 0 }),
    }),
  };
}

test('flush comes before the event that advanced the watermark; the clock is event time', (t) => {
  const calls: string[] = [];
  const factories = { ...registry, recorder: recorder(calls, () => false) };
  const config = { ...parseDetectConfig({ allowed_lateness_ms: 500 }), detectors: [{ type: 'recorder', id: 'rec', mode: 'enforce', config: {} }] } as unknown as DetectConfig;
  const host = new DetectorHost(config, nullTelemetry(), factories);
  host.process(makeEvent({ timestamp_ms: T0 + 1_000 }));
  host.process(makeEvent({ timestamp_ms: T0 + 1_400 }));
  host.process(makeEvent({ timestamp_ms: T0 + 2_600 }));
  host.finish();
  t.deepEqual(calls, ['flush 500', 'process 1000 clock=1000', 'process 1400 clock=1400', 'flush 2100', 'process 2600 clock=2600', 'flush end']);
});

test('a detector that throws is counted and skipped; the others still run', async (t) => {
  const calls: string[] = [];
  const telemetry = nullTelemetry();
  const factories = { ...registry, recorder: recorder(calls, (event) => event.ip === '192.0.2.66') };
  const config = parseDetectConfig({ allowed_lateness_ms: 0, detectors: [{ type: 'request-rate', id: 'rr', config: { subjects: { ip: { log_requests: null, challenge_requests: 2, block_requests: 5 } } } }] });
  const withRecorder = { ...config, detectors: [{ type: 'recorder', id: 'rec', mode: 'enforce', config: {} }, ...config.detectors] } as unknown as DetectConfig;
  const host = new DetectorHost(withRecorder, telemetry, factories);
  const verdicts: Verdict[] = [];
  for (let i = 0; i < 3; i++) verdicts.push(...host.process(makeEvent({ ip: '192.0.2.66', timestamp_ms: T0 + i })));
  t.deepEqual(verdicts.map((v) => v.action), ['challenge']);
  t.is(await metricValue(telemetry, METRIC.errors, { component: 'detector/rec', code: 'ERR_DETECTOR_FAILED' }), 3);
});

test('shadow mode: verdicts still produced and counted, action forced to log, id recomputed', (t) => {
  const raw = (mode: string) => ({ allowed_lateness_ms: 0, detectors: [{ type: 'request-rate', id: 'rr', mode, config: { subjects: { ip: { log_requests: null, challenge_requests: 2, block_requests: 3 } } } }] });
  const run = (mode: string) => {
    const host = new DetectorHost(parseDetectConfig(raw(mode)), nullTelemetry());
    const out: Verdict[] = [];
    for (let i = 0; i < 3; i++) out.push(...host.process(makeEvent({ timestamp_ms: T0 + i })));
    return { out, stats: host.stats };
  };
  const enforce = run('enforce');
  const shadow = run('shadow');
  t.deepEqual(enforce.out.map((v) => v.action), ['challenge', 'block']);
  t.deepEqual(shadow.out.map((v) => v.action), ['log', 'log']);
  t.deepEqual(shadow.out.map((v) => v.score), enforce.out.map((v) => v.score));
  t.notDeepEqual(shadow.out.map((v) => v.id), enforce.out.map((v) => v.id));
  t.is(shadow.stats.shadow_verdicts, 2);
  t.is(enforce.stats.shadow_verdicts, 0);
});
