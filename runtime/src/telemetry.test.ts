import test from 'ava';
import { Writable } from 'node:stream';
import { BotsieveError } from '@botsieve/core';
import { Telemetry } from './telemetry.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

test('a failure is logged once and counted under its code, so log and metric agree', async (t) => {
  const { stream, lines } = capture();
  const telemetry = new Telemetry({ level: 'info', destination: stream });
  const ingest = telemetry.component('ingest');
  ingest.fail(new BotsieveError('ERR_INGEST_BUS_UNAVAILABLE', 'bus down', { retryable: true }), 'upload refused');
  ingest.fail(new Error('plain'), 'unexpected');
  const logged = lines();
  t.is(logged.length, 2);
  t.like(logged[0], { component: 'ingest', code: 'ERR_INGEST_BUS_UNAVAILABLE', message: 'upload refused' });
  t.like(logged[1], { code: 'ERR_UNEXPECTED' });
  const text = await telemetry.exposition();
  t.regex(text, /botsieve_errors_total\{component="ingest",code="ERR_INGEST_BUS_UNAVAILABLE"\} 1/);
  t.regex(text, /botsieve_errors_total\{component="ingest",code="ERR_UNEXPECTED"\} 1/);
});

test('received, sent, discarded, gauges and histograms are exposed in Prometheus text', async (t) => {
  const telemetry = new Telemetry({ level: 'silent' });
  const { metrics } = telemetry.component('detect');
  metrics.received(10);
  metrics.sent(7);
  metrics.discarded('late', 3);
  metrics.gauge('botsieve_detector_state_keys', 42, { detector: 'volumetric' });
  metrics.observe('botsieve_ingest_ack_seconds', 0.002, { mode: 'durable' });
  const text = await telemetry.exposition();
  t.regex(text, /botsieve_received_total\{component="detect"\} 10/);
  t.regex(text, /botsieve_sent_total\{component="detect"\} 7/);
  t.regex(text, /botsieve_discarded_total\{component="detect",reason="late"\} 3/);
  t.regex(text, /botsieve_detector_state_keys\{component="detect",detector="volumetric"\} 42/);
  t.regex(text, /botsieve_ingest_ack_seconds_count\{component="detect",mode="durable"\} 1/);
});

test('nothing is logged per call below the configured level', (t) => {
  const { stream, lines } = capture();
  const telemetry = new Telemetry({ level: 'warn', destination: stream });
  telemetry.component('x').log.info('hidden');
  telemetry.component('x').log.warn('shown');
  t.deepEqual(lines().map((line) => line.message), ['shown']);
});

test('every line carries the Cloud Logging severity of its level and the text under message', (t) => {
  const { stream, lines } = capture();
  const telemetry = new Telemetry({ level: 'trace', destination: stream, processMetrics: false });
  const log = telemetry.component('ingest').log;
  log.trace('t');
  log.debug({ n: 1 }, 'd');
  log.info('i');
  log.warn('w');
  log.error({ err: new Error('boom') }, 'e');
  telemetry.logger.fatal('f');
  const logged = lines();
  t.deepEqual(logged.map((line) => [line.severity, line.level, line.message]), [
    ['DEBUG', 10, 't'],
    ['DEBUG', 20, 'd'],
    ['INFO', 30, 'i'],
    ['WARNING', 40, 'w'],
    ['ERROR', 50, 'e'],
    ['CRITICAL', 60, 'f'],
  ]);
  for (const line of logged) {
    t.false('msg' in line, 'the text is under message only');
    t.is(line.service, 'botsieve');
  }
  t.like(logged[1], { component: 'ingest', n: 1 });
});

test('the registry carries the Node.js process metrics: CPU, heap, event-loop lag, GC', async (t) => {
  const telemetry = new Telemetry({ level: 'silent' });
  const text = await telemetry.exposition();
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_gc_duration_seconds']) {
    t.regex(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  const without = await new Telemetry({ level: 'silent', processMetrics: false }).exposition();
  t.notRegex(without, /process_cpu_seconds_total/);
});
