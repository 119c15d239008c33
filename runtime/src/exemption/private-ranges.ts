/**
 * Address ranges that are never a public client: traffic from them is internal (health checks,
 * load balancers, the origin's own jobs) or cannot be a real source address, so it is never
 * acted on when the safelist's `private_ranges` is on (the default).
 *
 * Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are NOT
 * here on purpose: they are what tests and examples use for "some public client".
 */
import { CidrSet } from '@botsieve/core';

export const PRIVATE_RANGES: readonly string[] = Object.freeze([
  // IPv4
  '0.0.0.0/8', // "this network" (RFC 791); never a source on the internet
  '10.0.0.0/8', // private (RFC 1918)
  '100.64.0.0/10', // carrier-grade NAT shared space (RFC 6598)
  '127.0.0.0/8', // loopback (RFC 1122)
  '169.254.0.0/16', // link-local (RFC 3927)
  '172.16.0.0/12', // private (RFC 1918)
  '192.0.0.0/24', // IETF protocol assignments (RFC 6890)
  '192.168.0.0/16', // private (RFC 1918)
  '198.18.0.0/15', // benchmarking (RFC 2544)
  '224.0.0.0/4', // multicast: never a client source
  '240.0.0.0/4', // reserved, incl. 255.255.255.255 broadcast
  // IPv6 (IPv4-mapped addresses, ::ffff:a.b.c.d, are looked up as their IPv4 address)
  '::/128', // unspecified
  '::1/128', // loopback
  'fc00::/7', // unique local (RFC 4193)
  'fe80::/10', // link-local
  'fec0::/10', // deprecated site-local (RFC 3879)
  'ff00::/8', // multicast
]);

/** The ranges above as one set (built once at import: 18 CIDRs, microseconds). */
export const PRIVATE_SET: CidrSet = new CidrSet(PRIVATE_RANGES);
