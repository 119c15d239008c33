/**
 * Human presence per aggregate subject (ASN, JA4, user agent, prefix) for `scraping`: where a
 * population rule must not act. A population verdict lands on everyone behind the identity or
 * network, so it is legitimate only where humans are absent, and absence has to be observed:
 *
 * - evidence of humans, per summary: pages reached by navigation (a Referer: page-window.ts
 *   `navigationsOf`), cart and checkout requests, and app calls from addresses in a session
 *   (three or more distinct routes: a scraper returning to one endpoint is none). Logins are not evidence:
 *   a credential-stuffing fleet sends nothing else. Every human of the
 *   simulator and of a real shop shows one of them within a session; the scrapers it hunts show
 *   none (no Referer on their pages, no cart, one or two routes per address). Bots that do show them
 *   (floods that fake a Referer, hoarders at the cart) make their subjects look inhabited: this
 *   errs towards sparing, never towards acting.
 * - a subject is inhabited while its last evidence is less than `memory_ms` old.
 * - absence is only evidence after looking: the detector must have watched `min_watched_ms` (per kind) of
 *   event time (scraping.ts), so a fresh instance does not read "nothing seen yet" as "nobody here".
 *
 * Assets are not evidence here: headless fleets load them (fusion's collateral guard, which
 * counts assets, sees such a fleet as inhabited; see the report in this directory's README
 * section of detectors/README.md).
 *
 * Bounded: a StateTable per aggregate kind holding only subjects with evidence (LRU, cap
 * `max_subjects`); one lookup per aggregate summary that carries evidence, one peek per
 * judgement of a population rule.
 */
import type { Summary } from '../engine/summary.js';
import type { StateTable, TrackedState } from '../engine/state-table.js';
import { humanEvidence } from './page-window.js';

/** Object header and three numbers. */
const PRESENCE_BYTES = 48;

export class Presence implements TrackedState {
  bytes = PRESENCE_BYTES;
  /** Newest event time with human evidence. */
  lastMs: number;
  /** Evidence counted since the subject was last uninhabited (requests). */
  evidence = 0;

  constructor(at: number) {
    this.lastMs = at;
  }
}

/** Records a summary's human evidence in `table` (nothing when it has none). */
export function observePresence(table: StateTable<Presence>, summary: Summary, memory_ms: number): void {
  const evidence = humanEvidence(summary);
  if (evidence <= 0) return;
  const at = summary.last_ms;
  let presence = table.get(summary.subject);
  if (presence === undefined) {
    presence = new Presence(at);
    table.add(summary.subject, presence);
  } else if (at - presence.lastMs > memory_ms) presence.evidence = 0;
  if (at > presence.lastMs) presence.lastMs = at;
  presence.evidence += evidence;
}

/** Human evidence on `subject` within `memory_ms` before `at` (0: uninhabited, as far as seen). */
export function presenceAt(table: StateTable<Presence>, subject: string, at: number, memory_ms: number): number {
  const presence = table.peek(subject);
  if (presence === undefined || at - presence.lastMs > memory_ms) return 0;
  return presence.evidence;
}
