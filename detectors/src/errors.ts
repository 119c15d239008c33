/** Error catalogue of the detectors package. README.md lists every code (checked by a test). */
import { catalogueError, type BotsieveError } from '@botsieve/core';

export const DETECTOR_ERRORS = {
  ERR_DETECTOR_CONFIG: {
    code: 'ERR_DETECTOR_CONFIG',
    retryable: false,
    description: 'A detector entry or its config is invalid (unknown type, duplicate id, a value out of range); raised at boot, before anything connects.',
  },
  ERR_DETECTOR_DATA_FETCH: {
    code: 'ERR_DETECTOR_DATA_FETCH',
    retryable: true,
    description: 'Refreshing detector data (attack signatures, hosting networks) failed in a way that may pass later (network failure, timeout, HTTP 5xx or 429); nothing was written.',
  },
  ERR_DETECTOR_FAILED: {
    code: 'ERR_DETECTOR_FAILED',
    retryable: false,
    description: 'A detector threw while processing an event or flushing; the event is skipped for that detector, counted, and logged once per detector.',
  },
  ERR_DETECT_VERDICTS_BACKPRESSURE: {
    code: 'ERR_DETECT_VERDICTS_BACKPRESSURE',
    retryable: true,
    description: 'The bus refused a verdict (producer queue full): the consumed batch is rejected and redelivered; its verdicts are kept and sent again, its events are not counted twice.',
  },
  ERR_DETECT_IDLE_FLUSH: {
    code: 'ERR_DETECT_IDLE_FLUSH',
    retryable: true,
    description: 'Verdicts produced by an idle flush (no traffic) could not be confirmed by the bus.',
  },
} as const;

export type DetectorErrorCode = keyof typeof DETECTOR_ERRORS;

/**
 * The error a detector data refresh (attack signatures, hosting networks) throws, in the shape
 * @botsieve/runtime's fetch and write steps take: ERR_DETECTOR_DATA_FETCH (retryable) for network
 * failures, timeouts, 5xx and 429; else ERR_DETECTOR_CONFIG, since the data is detector configuration.
 */
export function dataRefreshError(message: string, retryable: boolean, cause?: unknown): BotsieveError {
  return catalogueError(retryable ? DETECTOR_ERRORS.ERR_DETECTOR_DATA_FETCH : DETECTOR_ERRORS.ERR_DETECTOR_CONFIG, message, { cause });
}
