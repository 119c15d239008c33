export { canonicalIp, canonicalIpInto, formatIPv4, formatIPv6, isIPv4Mapped, newCanonicalIp, parseIPv4, parseIPv6 } from './ip.js';
export type { CanonicalIp } from './ip.js';
export { cidrsOverlap, compareWords, formatCidr, mask32, parseCidr, truncateCidr } from './cidr.js';
export type { CidrRange, MappedPrefixes } from './cidr.js';
export { AddressProbe, CidrSet } from './cidr-set.js';
