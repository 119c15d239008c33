/**
 * The verdicts and clients of `bench:decide`, shared by the in-process bench, the decision
 * service's child process and the load client, so every part measures the same population.
 *
 * Verdict `i` has its own subject: 65 % IPv4 and 5 % IPv6 `ip:` (addresses in 20.0.0.0–56.x),
 * 15 % `prefix:` (/24s in 160.0.0.0–175.x), 5 % each `asn:`, `ja4:`, `ua:`; actions log,
 * challenge, block at random (seed 12: every run builds the same set).
 */
import type { SubjectKey, Verdict, VerdictAction } from '@botsieve/core';
import type { DecisionClient } from '@botsieve/decisions';
import { seededRandom } from './seeded-random.js';

export const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
export const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
export const HOSTING_ASN = 15_169;

export function ipv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** `count` verdicts decided at `now`, plus a block on the hosting ASN (the exempt path's population). */
export function benchVerdicts(count: number, now: number): Verdict[] {
  const random = seededRandom(12);
  const verdicts: Verdict[] = [];
  for (let i = 0; i < count; i++) {
    const pick = random.random();
    const base = 0x14000000 + i * 37;
    let subject: string;
    if (pick < 0.65) subject = `ip:${ipv4(base)}`;
    else if (pick < 0.7) subject = `ip:2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::${(i % 97).toString(16)}`;
    else if (pick < 0.85) subject = `prefix:${ipv4(0xa0000000 + i * 256)}/24`;
    else if (pick < 0.9) subject = `asn:${100_000 + i}`;
    else if (pick < 0.95) subject = `ja4:t13d${i.toString(36).padStart(6, '0')}_8daaf6152771_b186095e22b6`;
    else subject = `ua:Mozilla/5.0 (scraper ${i}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36`;
    const action: VerdictAction = random.pick(['log', 'challenge', 'block'] as const);
    verdicts.push({ id: `v${i}`, subject: subject as SubjectKey, action, score: 5, ttl_ms: 3_600_000 + random.int(3_600_000), decided_at: now, detectors: [{ id: 'volumetric', score: 5, evidence: {} }] });
  }
  verdicts.push({ id: 'hosting', subject: `asn:${HOSTING_ASN}` as SubjectKey, action: 'block', score: 5, ttl_ms: 3_600_000, decided_at: now, detectors: [{ id: 'hosting', score: 5, evidence: {} }] });
  return verdicts;
}

/** Client `i` no verdict covers: a public IPv4 address, an ASN, a JA4 and a user agent nobody holds. */
export function allowClient(i: number): DecisionClient {
  return { ip: ipv4(0x50000000 + i * 7_919), asn: 64_512 + (i % 500), ja4: `t13d${i}_unheld`, user_agent: `${CHROME} ${i % 64}` };
}

/** `count` clients whose IPv4 address holds a verdict of `verdicts` (log, challenge or block). */
export function hitClients(verdicts: readonly Verdict[], count: number): DecisionClient[] {
  const held = verdicts.filter((v) => v.subject.startsWith('ip:') && !v.subject.includes(':', 3));
  return Array.from({ length: count }, (_, i) => ({ ip: (held[(i * 131) % held.length] as Verdict).subject.slice(3), asn: 64_512 + (i % 500), user_agent: CHROME }));
}
