/**
 * The client address of a request, as far as it can be known: never a value the client chose.
 *
 * Walk from the TCP peer towards the client, one hop at a time, and stop at the first hop that is
 * not trusted; that hop is the client. A hop is trusted when it is a configured proxy
 * (`trusted_proxies`) or a Cloudflare edge address. At a Cloudflare hop, `CF-Connecting-IP` (which
 * Cloudflare overwrites, so it names the address Cloudflare saw) is the answer. Otherwise the next
 * hop is the next `X-Forwarded-For` entry from the right: each proxy appends the address it saw,
 * so the right end was written by the hop we trust and the left end by whoever sent the request.
 *
 * - The leftmost value is never taken because it is leftmost; it is taken only when every hop to
 *   its right is trusted (then a trusted proxy wrote it).
 * - `CF-Connecting-IP` from a peer that is not Cloudflare (or not reached through trusted hops) is
 *   ignored: anyone can send that header.
 * - An entry that is not an address (`unknown`, garbage, an empty field) ends the walk: nothing to
 *   its left can be believed, and the client is the last hop known for certain (a trusted proxy);
 *   `source` says `invalid_forwarded` so the caller can count it. Ports (`1.2.3.4:80`,
 *   `[2001:db8::1]:443`), brackets, quotes and whitespace around entries are accepted.
 * - Several `X-Forwarded-For` headers are one list, in order (RFC 9110 §5.3); Node joins them so.
 * - IPv4-mapped IPv6 peers (`::ffff:203.0.113.9`, what a dual-stack socket reports) are their
 *   IPv4 address: the answer is always core's canonical form (`canonicalIp`).
 * - At most `max_hops` entries are examined (a header of 10,000 commas costs no more than 32).
 */
import { AddressProbe, CidrSet, canonicalIp } from '@botsieve/core';
import { originConfigError } from '../errors.js';
import { cloudflareIpSet } from './cloudflare-ips.js';

/** Where the address came from. */
export type AddressSource = 'peer' | 'cf-connecting-ip' | 'x-forwarded-for' | 'invalid_forwarded';

export interface ClientAddress {
  /** Canonical client address; '' when not even the peer is an IP address (a Unix socket). */
  readonly ip: string;
  readonly source: AddressSource;
  /** Canonical TCP peer address ('' when unknown). */
  readonly peer: string;
  /** True when the walk passed a Cloudflare edge hop: the edge's headers (bot score, JA4…) can be believed. */
  readonly via_cloudflare: boolean;
}

export interface ClientAddressOptions {
  /**
   * Cloudflare edge ranges whose `CF-Connecting-IP` is believed: a CidrSet, a list of CIDRs, or
   * `false` when the origin is not behind Cloudflare. Default: the shipped ranges
   * (`origin/data/cloudflare-ips.json`).
   */
  cloudflare?: CidrSet | readonly string[] | false;
  /** CIDRs (or addresses) of your own proxies and load balancers in front of this process. Default: none. */
  trusted_proxies?: readonly string[];
  /** X-Forwarded-For entries examined at most, from the right (default 32). */
  max_hops?: number;
}

type HeaderValue = string | string[] | undefined;

const NO_RANGES = new CidrSet([]);

export class ClientAddressResolver {
  private readonly cloudflare: CidrSet;
  private readonly trusted: CidrSet;
  private readonly maxHops: number;
  private readonly probe = new AddressProbe();

  constructor(options: ClientAddressOptions = {}) {
    const cloudflare = options.cloudflare ?? cloudflareIpSet();
    try {
      this.cloudflare = cloudflare === false ? NO_RANGES : cloudflare instanceof CidrSet ? cloudflare : new CidrSet(cloudflare);
      this.trusted = new CidrSet(options.trusted_proxies ?? []);
    } catch (cause) {
      throw originConfigError(`client address: ${(cause as Error).message}`, cause);
    }
    this.maxHops = options.max_hops ?? 32;
    if (!Number.isInteger(this.maxHops) || this.maxHops < 1 || this.maxHops > 1_000) throw originConfigError(`client address: max_hops ${this.maxHops}: expected an integer from 1 to 1000`);
  }

  /**
   * The client of a request that arrived from `peer` (the socket's remoteAddress) with these
   * `CF-Connecting-IP` and `X-Forwarded-For` header values (as Node gives them: a string, or an
   * array when the headers were kept apart).
   */
  resolve(peer: string | undefined, cfConnectingIp: HeaderValue, forwardedFor: HeaderValue): ClientAddress {
    const peerIp = peer === undefined ? null : canonicalIp(peer);
    if (peerIp === null) return { ip: '', source: 'peer', peer: '', via_cloudflare: false };
    let hop = peerIp.ip;
    let source: AddressSource = 'peer';
    let viaCloudflare = false;
    const chain = typeof forwardedFor === 'string' ? forwardedFor : Array.isArray(forwardedFor) ? forwardedFor.join(',') : '';
    let end = chain.length;
    for (let examined = 0; ; examined += 1) {
      const probe = this.probe.set(hop);
      if (this.cloudflare.hasAddress(probe)) {
        viaCloudflare = true;
        const connecting = typeof cfConnectingIp === 'string' ? canonicalIp(cfConnectingIp.trim()) : null;
        if (connecting !== null) return { ip: connecting.ip, source: 'cf-connecting-ip', peer: peerIp.ip, via_cloudflare: true };
      } else if (!this.trusted.hasAddress(probe)) {
        break;
      }
      // `hop` is trusted: the entry it appended (rightmost not yet read) names the hop before it.
      if (end <= 0 || examined >= this.maxHops) break;
      const comma = chain.lastIndexOf(',', end - 1);
      const entry = forwardedEntry(chain.slice(comma + 1, end));
      end = comma;
      if (entry === null) {
        source = 'invalid_forwarded';
        break;
      }
      hop = entry;
      source = 'x-forwarded-for';
    }
    return { ip: hop, source, peer: peerIp.ip, via_cloudflare: viaCloudflare };
  }
}

/** One X-Forwarded-For entry as a canonical address, or null: whitespace, quotes, brackets and a port are allowed around it. */
export function forwardedEntry(raw: string): string | null {
  let text = raw.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1).trim();
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return null;
    const rest = text.slice(close + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null;
    text = text.slice(1, close);
  } else {
    const colon = text.indexOf(':');
    // One colon: IPv4 with a port. IPv6 has at least two.
    if (colon >= 0 && text.indexOf(':', colon + 1) < 0) {
      if (!/^\d{1,5}$/.test(text.slice(colon + 1))) return null;
      text = text.slice(0, colon);
    }
  }
  const canonical = canonicalIp(text);
  return canonical === null ? null : canonical.ip;
}
