/**
 * The subjects a request's client falls under, spelled as detectors spell them from events, with
 * the IP and prefix in core's canonical form (the same function ingest applies to ClientIP), so an
 * `ipua:`/`ip:`/`prefix:` verdict matches at the edge exactly when it matches in the pipeline.
 * Same order and rules as core's `clientSubjects`; a test checks the two agree.
 */
import { canonicalIpInto, ipuaSubject, newCanonicalIp } from '@botsieve/core';

export interface EdgeClient {
  ip: string;
  asn: number | null;
  ja4: string | null;
  user_agent: string;
}

/** Reused per call (one request at a time runs JavaScript in an isolate). */
const canonical = newCanonicalIp();

/** Subjects of a client, most specific first; an unparseable IP contributes none. */
export function edgeSubjects(client: EdgeClient): string[] {
  const subjects: string[] = [];
  if (canonicalIpInto(client.ip, canonical)) {
    // This user agent on this address: a client behind a shared address (a carrier NAT) on its own.
    if (typeof client.user_agent === 'string') subjects.push(ipuaSubject(canonical.ip, client.user_agent));
    subjects.push(`ip:${canonical.ip}`, `prefix:${canonical.prefix}`);
  }
  if (typeof client.asn === 'number' && Number.isInteger(client.asn) && client.asn > 0) subjects.push(`asn:${client.asn}`);
  if (client.ja4) subjects.push(`ja4:${client.ja4}`);
  // '' is a request without a User-Agent: the population `ua:` (no browser or app sends none).
  if (typeof client.user_agent === 'string') subjects.push(`ua:${client.user_agent}`);
  return subjects;
}

/**
 * Subjects about a population rather than one client: a verdict on them never applies to a
 * verified bot. `ipua:` (one user agent on one address) is one client, like `ip:`.
 */
export function isPopulationSubject(subject: string): boolean {
  return subject.startsWith('asn:') || subject.startsWith('ja4:') || subject.startsWith('ua:');
}
