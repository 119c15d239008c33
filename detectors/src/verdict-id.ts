import { createHash } from 'node:crypto';
import type { SubjectKey, VerdictAction } from '@botsieve/core';

/**
 * Deterministic verdict id: the same decision (subject, event time, action, detectors) made in
 * replay, after a redelivery or on another instance gets the same id, so every write keyed by it
 * is idempotent. 128 bits of SHA-256 in hex; detector ids are sorted so their order is irrelevant.
 * Costs ~3 µs (measured on the dev box) and runs once per verdict, never per event.
 */
export function verdictId(subject: SubjectKey, decided_at: number, action: VerdictAction, detectorIds: readonly string[]): string {
  const ids = detectorIds.length === 1 ? (detectorIds[0] as string) : [...detectorIds].sort().join(',');
  return createHash('sha256').update(`${subject}\n${decided_at}\n${action}\n${ids}`).digest('hex').slice(0, 32);
}
