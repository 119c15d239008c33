import { Telemetry } from './telemetry.js';

/** Telemetry for tests and tools: logs dropped, metrics still counted (tests read them). */
export function nullTelemetry(): Telemetry {
  return new Telemetry({ level: 'silent' });
}
