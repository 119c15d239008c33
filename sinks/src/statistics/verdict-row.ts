/**
 * Verdict → `verdicts` row (sinks/schemas/bigquery/verdicts.json). The insertId is the verdict
 * id, which is deterministic: a redelivered or replayed verdict repeats it, so BigQuery's
 * best-effort de-duplication and the views' dedup by `verdict_id` keep one row.
 */
import { subjectKind, type Verdict } from '@botsieve/core';

export interface VerdictRowDetector {
  id: string;
  score: number;
  evidence: { name: string; value: number }[];
}

export interface VerdictRow {
  verdict_id: string;
  decided_at: string | null;
  expires_at: string | null;
  subject: string;
  subject_kind: string;
  action: string;
  score: number;
  ttl_seconds: number;
  top_detector: string | null;
  region: string | null;
  detectors: VerdictRowDetector[];
  inserted_at: string;
}

/** The detector that fusion combines away: never the "top" one. */
const FUSION = 'fusion';

/**
 * The detector with the lowest (strongest) score other than `fusion`; ties go to the first
 * listed. Null when no other detector contributed.
 */
export function topDetector(verdict: Pick<Verdict, 'detectors'>): string | null {
  let best: string | null = null;
  let bestScore = Infinity;
  for (const finding of verdict.detectors ?? []) {
    if (finding.id === FUSION || !(finding.score < bestScore)) continue;
    best = finding.id;
    bestScore = finding.score;
  }
  return best;
}

/**
 * Maps a verdict to its row. Scores are INTEGER columns: a detector's fractional score is
 * rounded. A field that cannot be mapped (a non-finite time) becomes null so that the schema
 * validator rejects the row with a clear path instead of this function throwing.
 */
export function verdictRow(verdict: Verdict, region: string, inserted_at_ms: number): VerdictRow {
  const subject = String(verdict.subject);
  const detectors: VerdictRowDetector[] = [];
  for (const finding of verdict.detectors ?? []) {
    const evidence: { name: string; value: number }[] = [];
    for (const name in finding.evidence) evidence.push({ name, value: finding.evidence[name] as number });
    detectors.push({ id: finding.id, score: roundScore(finding.score), evidence });
  }
  return {
    verdict_id: verdict.id,
    decided_at: isoOrNull(verdict.decided_at),
    expires_at: isoOrNull(verdict.decided_at + verdict.ttl_ms),
    subject,
    subject_kind: subjectKind(subject) ?? '',
    action: verdict.action,
    score: roundScore(verdict.score),
    ttl_seconds: Math.round(verdict.ttl_ms / 1_000),
    top_detector: topDetector(verdict),
    region: region === '' ? null : region,
    detectors,
    inserted_at: new Date(inserted_at_ms).toISOString(),
  };
}

function roundScore(score: number): number {
  return typeof score === 'number' ? Math.round(score) : score;
}

/** ISO-8601 UTC with milliseconds, or null for a time that is not a finite date. */
export function isoOrNull(ms: number): string | null {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return null;
  return new Date(ms).toISOString();
}
