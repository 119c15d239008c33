/**
 * The subjects a client falls under, spelled exactly as detectors spell them from events:
 * `ip:<ip>`, `prefix:<cidr>`, `asn:<n>`, `ja4:<fp>`, `ua:<user agent>`. The IP and prefix are the
 * canonical forms ingest gives events (core's `canonicalIp`), or a lookup would miss the verdict.
 *
 * `clientSubjects` spells the keys (off the hot path: tests, tools). `SubjectIndex` finds a
 * client's entries without spelling them: one map per kind keyed by the raw value, so `decide()`
 * builds no `ip:${…}` string. A canonical IPv4 client (the common case) is looked up with its own
 * text and its /24 network number; IPv4-mapped and IPv6 clients pay for their canonical text.
 */
import { AddressProbe, canonicalIp, canonicalIpInto, formatIPv4, newCanonicalIp, parseIPv4, type SubjectKey } from '@botsieve/core';
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

/** A map of the index and the key a subject has in it. */
type Slot<T> = { map: Map<string, T>; key: string } | { map: Map<number, T>; key: number };

/**
 * Values by subject, split by kind so a client's subjects are found by their raw values.
 * Subjects no client can ever match (an unknown kind, `ip:010.0.0.1`, `asn:07`) are held in
 * `others`, so the index still holds, counts and lists everything it was given.
 */
export class SubjectIndex<T> {
  /** Canonical IP text (IPv4 and IPv6). */
  private readonly ips = new Map<string, T>();
  /** `a.b.c.0/24` as the network number `(a << 16) | (b << 8) | c`: a small integer, no string built per lookup. */
  private readonly networks = new Map<number, T>();
  /** Every other prefix by its text (IPv6 /64s). */
  private readonly prefixes = new Map<string, T>();
  private readonly asns = new Map<number, T>();
  private readonly ja4s = new Map<string, T>();
  private readonly userAgents = new Map<string, T>();
  private readonly others = new Map<string, T>();
  private readonly all = [this.ips, this.networks, this.prefixes, this.asns, this.ja4s, this.userAgents, this.others] as const;
  /** Scratch for `collect` (single-threaded, never re-entered). */
  private readonly probe = new AddressProbe();
  private readonly canonical = newCanonicalIp();

  get size(): number {
    let size = 0;
    for (const map of this.all) size += map.size;
    return size;
  }

  get(subject: string): T | undefined {
    const slot = this.slot(subject);
    return typeof slot.key === 'number' ? (slot.map as Map<number, T>).get(slot.key) : (slot.map as Map<string, T>).get(slot.key);
  }

  set(subject: string, value: T): void {
    const slot = this.slot(subject);
    if (typeof slot.key === 'number') (slot.map as Map<number, T>).set(slot.key, value);
    else (slot.map as Map<string, T>).set(slot.key, value);
  }

  delete(subject: string): boolean {
    const slot = this.slot(subject);
    return typeof slot.key === 'number' ? (slot.map as Map<number, T>).delete(slot.key) : (slot.map as Map<string, T>).delete(slot.key);
  }

  clear(): void {
    for (const map of this.all) map.clear();
  }

  *values(): IterableIterator<T> {
    for (const map of this.all) yield* map.values();
  }

  /**
   * The values held for `client`'s subjects, most specific first (ip, prefix, asn, ja4, ua),
   * written into `found` from index 0; returns how many. Allocates nothing for a canonical IPv4
   * client: this is the allow path of `decide()`.
   */
  collect(client: DecisionClient, found: (T | undefined)[]): number {
    let n = 0;
    let value: T | undefined;
    const ip = client.ip;
    if (typeof ip === 'string') {
      const probe = this.probe.set(ip);
      if (probe.version === 4) {
        // parseIPv4 rejects leading zeros, so text it accepts without a colon is already canonical.
        if ((value = this.ips.get(ip.indexOf(':') < 0 ? ip : formatIPv4(probe.v4))) !== undefined) found[n++] = value;
        if ((value = this.networks.get(probe.v4 >>> 8)) !== undefined) found[n++] = value;
      } else if (probe.version === 6 && canonicalIpInto(ip, this.canonical)) {
        if ((value = this.ips.get(this.canonical.ip)) !== undefined) found[n++] = value;
        if ((value = this.prefixes.get(this.canonical.prefix)) !== undefined) found[n++] = value;
      }
    }
    const asn = client.asn;
    if (typeof asn === 'number' && asn > 0 && (value = this.asns.get(asn)) !== undefined) found[n++] = value;
    const ja4 = client.ja4;
    if (typeof ja4 === 'string' && ja4 !== '' && (value = this.ja4s.get(ja4)) !== undefined) found[n++] = value;
    const userAgent = client.user_agent;
    if (typeof userAgent === 'string' && userAgent !== '' && (value = this.userAgents.get(userAgent)) !== undefined) found[n++] = value;
    return n;
  }

  /** Where `subject` lives. Off the hot path (apply, remove): it slices the value out. */
  private slot(subject: string): Slot<T> {
    const colon = subject.indexOf(':');
    const kind = colon > 0 ? subject.slice(0, colon) : '';
    const value = subject.slice(colon + 1);
    if (value !== '') {
      switch (kind) {
        case 'ip':
          if (canonicalIp(value)?.ip === value) return { map: this.ips, key: value };
          break;
        case 'prefix': {
          const network = value.endsWith('.0/24') ? parseIPv4(value, 0, value.length - 3) : -1;
          if (network >= 0) return { map: this.networks, key: network >>> 8 };
          return { map: this.prefixes, key: value };
        }
        case 'asn': {
          const asn = Number(value);
          // Only the decimal a client's number prints as (`asn:07` never matched `asn:${7}` either).
          if (Number.isInteger(asn) && asn > 0 && String(asn) === value) return { map: this.asns, key: asn };
          break;
        }
        case 'ja4':
          return { map: this.ja4s, key: value };
        case 'ua':
          return { map: this.userAgents, key: value };
      }
    }
    return { map: this.others, key: subject };
  }
}
