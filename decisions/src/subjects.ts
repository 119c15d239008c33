/**
 * The subjects a client falls under, spelled exactly as detectors spell them from events:
 * `ip:<ip>`, `prefix:<cidr>`, `asn:<n>`, `ja4:<fp>`, `ua:<user agent>`. The IP and prefix are the
 * canonical forms ingest gives events (core's `canonicalIp`), or a lookup would miss the verdict.
 */
import { canonicalIp, type SubjectKey } from '@botsieve/core';
import type { DecisionClient } from './types.js';

/** Subjects of a client, most specific first; an unparseable IP contributes none. */
export function clientSubjects(client: DecisionClient): SubjectKey[] {
  const subjects: SubjectKey[] = [];
  const canonical = canonicalIp(client.ip);
  if (canonical !== null) subjects.push(`ip:${canonical.ip}`, `prefix:${canonical.prefix}`);
  if (typeof client.asn === 'number' && Number.isInteger(client.asn) && client.asn > 0) subjects.push(`asn:${client.asn}`);
  if (client.ja4) subjects.push(`ja4:${client.ja4}`);
  if (client.user_agent) subjects.push(`ua:${client.user_agent}`);
  return subjects;
}
