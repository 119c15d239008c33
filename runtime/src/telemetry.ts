/**
 * Logs and metrics through one helper, so a log line and its metric never disagree.
 *
 * One Telemetry per process owns the pino root logger and the Prometheus registry; each
 * component gets a child logger and a ComponentMetrics bound to its name, made once at start-up.
 */
import pino from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { METRIC, isBotsieveError, type ComponentMetrics, type Logger } from '@botsieve/core';
import { RUNTIME_ERRORS } from './errors.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface TelemetryOptions {
  level: LogLevel;
  /** Where logs go; default stderr, so stdout stays free for command output (replay). */
  destination?: NodeJS.WritableStream;
  /**
   * Register prom-client's default process metrics (CPU, memory and heap, event-loop lag, GC,
   * handles, file descriptors) under their standard names (`process_cpu_seconds_total`,
   * `nodejs_heap_size_used_bytes`, `nodejs_eventloop_lag_seconds`, `nodejs_gc_duration_seconds`),
   * so stock Node.js dashboards and alerts work unchanged. Default true. They are read at scrape
   * time, apart from the event-loop delay histogram and the GC observer that this starts once.
   */
  processMetrics?: boolean;
}

/**
 * pino level → Cloud Logging `severity` (LogSeverity enum). Without `severity`, Cloud Logging
 * files every line written to stderr as ERROR; with it, the entry gets this severity and the
 * `message` field becomes the entry's summary line ("Structured logging", special JSON fields:
 * https://cloud.google.com/logging/docs/structured-logging).
 */
export const SEVERITY: Readonly<Record<string, string>> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/**
 * One JSON object a line on stderr that Cloud Logging (and any JSON log shipper) reads as is:
 * `severity` next to pino's numeric `level` (kept, so level filters such as `level >= 40` still
 * work), and the text under `message` rather than pino's `msg`.
 */
export function loggerOptions(level: LogLevel): pino.LoggerOptions {
  return {
    level,
    base: { service: 'botsieve' },
    messageKey: 'message',
    formatters: {
      level: (label, number) => ({ severity: SEVERITY[label] ?? 'DEFAULT', level: number }),
    },
  };
}

/** Latency buckets in seconds, from 50 µs (enqueued acks) to 10 s (durable acks under load). */
const SECONDS_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ComponentTelemetry {
  readonly log: Logger;
  readonly metrics: ComponentMetrics;
  /** Logs an error once and counts it under its code. */
  fail(error: unknown, message: string, fallbackCode?: string): void;
}

export class Telemetry {
  readonly registry: Registry;
  readonly logger: Logger;
  private readonly received: Counter<'component'>;
  private readonly sent: Counter<'component'>;
  private readonly errors: Counter<'component' | 'code'>;
  private readonly discarded: Counter<'component' | 'reason'>;
  private readonly corrected: Counter<'component' | 'reason'>;
  private readonly gauges = new Map<string, Gauge<string>>();
  private readonly histograms = new Map<string, Histogram<string>>();

  constructor(options: TelemetryOptions) {
    this.registry = new Registry();
    const destination = options.destination ?? pino.destination({ fd: 2, sync: false });
    this.logger = pino(loggerOptions(options.level), destination) as unknown as Logger;
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.received = new Counter({ name: METRIC.received, help: 'Items received by a component.', labelNames: ['component'], registers });
    this.sent = new Counter({ name: METRIC.sent, help: 'Items a component handed on and had confirmed.', labelNames: ['component'], registers });
    this.errors = new Counter({ name: METRIC.errors, help: 'Errors by component and error code.', labelNames: ['component', 'code'], registers });
    this.discarded = new Counter({ name: METRIC.discarded, help: 'Items dropped on purpose, by component and reason.', labelNames: ['component', 'reason'], registers });
    this.corrected = new Counter({ name: METRIC.corrected, help: 'Items kept but corrected on purpose (e.g. a future timestamp clamped), by component and reason.', labelNames: ['component', 'reason'], registers });
  }

  component(name: string): ComponentTelemetry {
    const log = this.logger.child({ component: name });
    const received = this.received.labels(name);
    const sent = this.sent.labels(name);
    const metrics: ComponentMetrics = {
      received: (count = 1) => received.inc(count),
      sent: (count = 1) => sent.inc(count),
      error: (code, count = 1) => this.errors.labels(name, code).inc(count),
      discarded: (reason, count = 1) => this.discarded.labels(name, reason).inc(count),
      corrected: (reason, count = 1) => this.corrected.labels(name, reason).inc(count),
      gauge: (metric, value, labels) => this.gauge(metric).set({ component: name, ...labels }, value),
      observe: (metric, value, labels) => this.histogram(metric).observe({ component: name, ...labels }, value),
    };
    return {
      log,
      metrics,
      fail(error, message, fallbackCode = RUNTIME_ERRORS.ERR_UNEXPECTED.code) {
        const code = isBotsieveError(error) ? error.code : fallbackCode;
        metrics.error(code);
        log.error({ err: error, code }, message);
      },
    };
  }

  /** Prometheus text exposition of every metric. */
  async exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private gauge(name: string): Gauge<string> {
    let gauge = this.gauges.get(name);
    if (gauge === undefined) {
      gauge = new Gauge({ name, help: `${name} (botsieve gauge)`, labelNames: ['component', 'topic', 'partition', 'detector', 'kind'], registers: [this.registry] });
      this.gauges.set(name, gauge);
    }
    return gauge;
  }

  private histogram(name: string): Histogram<string> {
    let histogram = this.histograms.get(name);
    if (histogram === undefined) {
      histogram = new Histogram({ name, help: `${name} (botsieve histogram, seconds)`, labelNames: ['component', 'mode', 'route'], buckets: SECONDS_BUCKETS, registers: [this.registry] });
      this.histograms.set(name, histogram);
    }
    return histogram;
  }
}
