/**
 * Metric names and the metrics surface every component reports through. Label values come from
 * small fixed sets (component names, error codes, reasons): never an IP or a subject.
 */
export const METRIC = {
  received: 'botsieve_received_total',
  sent: 'botsieve_sent_total',
  errors: 'botsieve_errors_total',
  discarded: 'botsieve_discarded_total',
  corrected: 'botsieve_corrected_total',
  ingestUploads: 'botsieve_ingest_uploads_total',
  ingestAckSeconds: 'botsieve_ingest_ack_seconds',
  ingestInflightBytes: 'botsieve_ingest_inflight_bytes',
  /** 1 when ingest runs on the node:http fallback because no uWebSockets.js build loads (label kind = the server in use). */
  ingestServerFallback: 'botsieve_ingest_server_fallback',
  busQueuedBytes: 'botsieve_bus_queued_bytes',
  detectorStateKeys: 'botsieve_detector_state_keys',
  detectorStateBytes: 'botsieve_detector_state_bytes',
  watermarkLagSeconds: 'botsieve_watermark_lag_seconds',
  verdicts: 'botsieve_verdicts_total',
  activeVerdicts: 'botsieve_active_verdicts',
  /** Age of the newest record a sink wrote (append time to write confirmed): grows while a target is down. */
  sinkLagSeconds: 'botsieve_sink_lag_seconds',
  sinkWriteSeconds: 'botsieve_sink_write_seconds',
  /** The back-off a sink is waiting out before its next attempt (0 after a success). */
  sinkRetryBackoffSeconds: 'botsieve_sink_retry_backoff_seconds',
} as const;

/**
 * Counters for one component. `received`, `sent`, `error` and `discarded` are the four every
 * component reports; label `component` is bound when the object is made.
 */
export interface ComponentMetrics {
  received(count?: number): void;
  sent(count?: number): void;
  /** Counts an error under its code (from the package's error catalogue). */
  error(code: string, count?: number): void;
  /** Counts data dropped on purpose (bad line, late event, explicit drop setting) by reason. */
  discarded(reason: string, count?: number): void;
  /** Counts data kept but corrected on purpose (e.g. a future timestamp clamped), by reason. */
  corrected(reason: string, count?: number): void;
  /** Sets a gauge owned by this component, e.g. detector state size. */
  gauge(name: string, value: number, labels?: Record<string, string>): void;
  /** Observes a value (seconds) in a histogram owned by this component. */
  observe(name: string, value: number, labels?: Record<string, string>): void;
}
