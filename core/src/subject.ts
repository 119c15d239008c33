/**
 * Subject keys (`<kind>:<value>`, see SubjectKey in event.ts): the kinds in their one order,
 * reading a key back, and the keys a client falls under. Detectors build keys where the values
 * are (`ip:${event.ip}`), from the canonical forms of net/ip.ts; the helpers here are for code
 * that receives a key and must know what it is, and for enforcing sides that look a client up.
 */
import type { SubjectKey, SubjectKind, VerdictSubjectKind } from './event.js';
import { canonicalIp } from './net/ip.js';

/** Every kind of subject detectors aggregate by, most specific first: the order detectors build and walk their trackers. */
export const SUBJECT_KINDS: readonly SubjectKind[] = Object.freeze(['ip', 'prefix', 'asn', 'ja4', 'ua'] as const);

/** Every kind of subject a verdict can be about, most specific first: `ipua` (one client on an address), then SUBJECT_KINDS. */
export const VERDICT_SUBJECT_KINDS: readonly VerdictSubjectKind[] = Object.freeze(['ipua', 'ip', 'prefix', 'asn', 'ja4', 'ua'] as const);

/** The kind of a subject key; undefined when the text before the first colon is not a kind. */
export function subjectKind(subject: string): VerdictSubjectKind | undefined {
  const colon = subject.indexOf(':');
  if (colon <= 0) return undefined;
  const kind = subject.slice(0, colon);
  return (VERDICT_SUBJECT_KINDS as readonly string[]).includes(kind) ? (kind as VerdictSubjectKind) : undefined;
}

/**
 * The `ipua:` key of one user agent on one address: `ipua:<ip> <user agent>`. `ip` must already be
 * canonical (as ingest gives events); `userAgent` is exact, '' for a request without one.
 */
export function ipuaSubject(ip: string, userAgent: string): SubjectKey {
  return `ipua:${ip} ${userAgent}`;
}

/** The address and user agent of an `ipua:` key (null when `subject` is not one). */
export function parseIpuaSubject(subject: string): { ip: string; user_agent: string } | null {
  if (!subject.startsWith('ipua:')) return null;
  const space = subject.indexOf(' ', 5);
  if (space <= 5) return null;
  return { ip: subject.slice(5, space), user_agent: subject.slice(space + 1) };
}

/** The value of a subject key: the text after its first colon (the whole text when it has none). */
export function subjectValue(subject: string): string {
  return subject.slice(subject.indexOf(':') + 1);
}

/**
 * A known kind, a colon and a value of at least one character — except `ua:` alone, the empty user
 * agent: requests that send none (no browser or app omits it) are one population of their own.
 */
export function isSubjectKey(value: unknown): value is SubjectKey {
  if (typeof value !== 'string') return false;
  const kind = subjectKind(value);
  if (kind === 'ipua') return parseIpuaSubject(value) !== null;
  return kind !== undefined && (value.length > value.indexOf(':') + 1 || kind === 'ua');
}

/** What an enforcing side knows of a client that subjects are made of. */
export interface ClientIdentity {
  /** Client IP in any valid text form; canonicalised before it becomes a key. */
  readonly ip: string;
  /** Autonomous system number; 0 or absent when unknown. */
  readonly asn?: number | null | undefined;
  /** JA4 TLS fingerprint when the edge passed one. */
  readonly ja4?: string | null | undefined;
  /**
   * The exact User-Agent header; '' when the request had none (or an empty one): that is the
   * subject `ua:`. Absent or null when the caller does not know it: then no `ua:` subject.
   */
  readonly user_agent?: string | null | undefined;
}

/**
 * The subjects a client falls under, most specific first (VERDICT_SUBJECT_KINDS' order), spelled
 * exactly as detectors spell them from events: `ipua:<ip> <user agent>` (when both are known),
 * `ip:<ip>`, `prefix:<cidr>`, `asn:<n>`, `ja4:<fp>`, `ua:<user agent>` (`ua:` for a request
 * without one). The IP and prefix are the canonical forms ingest gives events
 * (`canonicalIp`), or a lookup would miss the verdict; an unparseable IP contributes none.
 * Builds strings: lookups on a hot path find entries without spelling keys (decisions'
 * SubjectIndex), and agree with this function by test.
 */
export function clientSubjects(client: ClientIdentity): SubjectKey[] {
  const subjects: SubjectKey[] = [];
  const canonical = canonicalIp(client.ip);
  const ua = typeof client.user_agent === 'string' ? client.user_agent : null;
  if (canonical !== null && ua !== null) subjects.push(ipuaSubject(canonical.ip, ua));
  if (canonical !== null) subjects.push(`ip:${canonical.ip}`, `prefix:${canonical.prefix}`);
  if (typeof client.asn === 'number' && Number.isInteger(client.asn) && client.asn > 0) subjects.push(`asn:${client.asn}`);
  if (client.ja4) subjects.push(`ja4:${client.ja4}`);
  if (ua !== null) subjects.push(`ua:${ua}`);
  return subjects;
}
