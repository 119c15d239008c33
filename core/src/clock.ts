/** Time source. Detectors get event time from the runtime; only runtimes read the wall clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}
