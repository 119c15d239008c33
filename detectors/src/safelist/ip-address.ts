/** Moved to @botsieve/runtime (runtime/src/exemption/ip-address.ts): one implementation for every tier. */
export { compareWords, isIPv4Mapped, mask32, parseCidr, parseIPv4, parseIPv6 } from '@botsieve/runtime';
export type { CidrRange } from '@botsieve/runtime';
