/**
 * Subject keys (`<kind>:<value>`, see SubjectKey in event.ts): the kinds in their one order, and
 * reading a key back. Keys are built where the values are (`ip:${event.ip}`), from the canonical
 * forms of net/ip.ts; these helpers are for code that receives a key and must know what it is.
 */
import type { SubjectKey, SubjectKind } from './event.js';

/** Every kind of subject, most specific first: the order detectors build and walk their trackers. */
export const SUBJECT_KINDS: readonly SubjectKind[] = Object.freeze(['ip', 'prefix', 'asn', 'ja4', 'ua'] as const);

/** The kind of a subject key; undefined when the text before the first colon is not a kind. */
export function subjectKind(subject: string): SubjectKind | undefined {
  const colon = subject.indexOf(':');
  if (colon <= 0) return undefined;
  const kind = subject.slice(0, colon);
  return (SUBJECT_KINDS as readonly string[]).includes(kind) ? (kind as SubjectKind) : undefined;
}

/** The value of a subject key: the text after its first colon (the whole text when it has none). */
export function subjectValue(subject: string): string {
  return subject.slice(subject.indexOf(':') + 1);
}

/** A known kind, a colon and a value of at least one character. */
export function isSubjectKey(value: unknown): value is SubjectKey {
  return typeof value === 'string' && subjectKind(value) !== undefined && value.length > value.indexOf(':') + 1;
}
