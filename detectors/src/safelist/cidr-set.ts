/** Moved to @botsieve/runtime (runtime/src/exemption/cidr-set.ts): one implementation for every tier. */
export { AddressProbe, CidrSet } from '@botsieve/runtime';
export type { CidrRange } from '@botsieve/runtime';
