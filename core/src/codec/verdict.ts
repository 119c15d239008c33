/**
 * The verdict codec: the one wire form of a Verdict (its JSON, UTF-8) and the one check of what
 * comes back. The `verdicts` topic, the Pub/Sub verdict exchange and the JSON inside a Redis
 * verdict value all use it; every consumer gets the same answer for the same bytes.
 *
 * Strictness is the strictest any consumer needs to be correct, and nothing the engine writes
 * fails it (fusion rounds and clamps its score to 1–99, TTLs are positive integer ms, decision
 * times integer event-time ms):
 * - `id` a non-empty string (writes are keyed by it);
 * - `subject` a SubjectKey: a known kind, a colon and a value (keys, lists and rules are built from it);
 * - `action` one of block, challenge, log (ACTION_RANK orders them);
 * - `score` an integer 1–99 (Cloudflare's scale);
 * - `ttl_ms` a positive safe integer, `decided_at` a non-negative safe integer: their sum is an
 *   absolute expiry in whole ms (Redis PEXPIREAT, its Lua compare reads digits only);
 * - `detectors` an array of `{ id: string, score: finite number, evidence: object }`. Evidence
 *   values are not checked here: a NaN there becomes `null` in JSON and only the statistics tables
 *   care (they reject the row with `schema`); enforcement must not lose a verdict over a diagnostic.
 *
 * A bad record is an answer, never an exception: the caller counts it and dead-letters it, and the
 * rest of its batch goes on.
 */
import { isSubjectKey } from '../subject.js';
import type { Verdict } from '../verdict.js';
import { NOT_JSON, parseWire } from './json.js';

export type VerdictDecoding = { ok: true; verdict: Verdict } | { ok: false; reason: string };

/** The verdict's JSON text: what `encodeVerdict` carries, and what a store may embed in its own format. */
export function verdictJson(verdict: Verdict): string {
  return JSON.stringify(verdict);
}

/** The verdict's wire bytes. */
export function encodeVerdict(verdict: Verdict): Buffer {
  return Buffer.from(JSON.stringify(verdict));
}

/** Parses and checks wire bytes (or the JSON text) of one verdict. */
export function decodeVerdict(bytes: Buffer | string): VerdictDecoding {
  const value = parseWire(bytes);
  if (value === NOT_JSON) return { ok: false, reason: 'not JSON' };
  const reason = verdictProblem(value);
  return reason === undefined ? { ok: true, verdict: value as Verdict } : { ok: false, reason };
}

/** Why `value` is not a verdict, or undefined when it is one. For items that did not come through decodeVerdict. */
export function verdictProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || v.id === '') return 'id is not a non-empty string';
  if (!isSubjectKey(v.subject)) return 'subject is not <kind>:<value> with a known kind';
  if (v.action !== 'block' && v.action !== 'challenge' && v.action !== 'log') return `unknown action ${String(v.action).slice(0, 40)}`;
  if (!Number.isInteger(v.score) || (v.score as number) < 1 || (v.score as number) > 99) return 'score is not an integer from 1 to 99';
  if (!Number.isSafeInteger(v.ttl_ms) || (v.ttl_ms as number) <= 0) return 'ttl_ms is not a positive integer (ms)';
  if (!Number.isSafeInteger(v.decided_at) || (v.decided_at as number) < 0) return 'decided_at is not a non-negative integer (ms)';
  if (!Array.isArray(v.detectors)) return 'detectors is not an array';
  for (let i = 0; i < v.detectors.length; i++) {
    const finding = v.detectors[i] as Record<string, unknown> | null;
    if (typeof finding !== 'object' || finding === null) return `detectors[${i}] is not an object`;
    if (typeof finding.id !== 'string') return `detectors[${i}].id is not a string`;
    if (!Number.isFinite(finding.score)) return `detectors[${i}].score is not a number`;
    if (typeof finding.evidence !== 'object' || finding.evidence === null || Array.isArray(finding.evidence)) return `detectors[${i}].evidence is not an object`;
  }
  return undefined;
}
