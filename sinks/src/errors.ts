/** Error catalogue of the sinks package. */
export const SINK_ERRORS = {
  ERR_SINK_CONNECT: { code: 'ERR_SINK_CONNECT', retryable: true, description: 'The sink could not reach or open its target.' },
  ERR_SINK_WRITE: { code: 'ERR_SINK_WRITE', retryable: true, description: 'A batch could not be written; it is retried and its offsets stay uncommitted.' },
  ERR_SINK_CLOSED: { code: 'ERR_SINK_CLOSED', retryable: false, description: 'A write reached a sink that is not connected or already closed.' },
  ERR_SINK_DECODE: { code: 'ERR_SINK_DECODE', retryable: false, description: 'A record on the topic could not be decoded; it is counted and skipped.' },
} as const;
