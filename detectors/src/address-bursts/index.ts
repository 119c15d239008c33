export { addressBursts, AddressBurstsDetector, ADDRESS_BURSTS, ADDRESS_BURST_RULES } from './address-bursts.js';
export { addressBurstsConfigSchema, parseAddressBurstsConfig, addressBurstsIdleMs, addressBurstsLookbackMs } from './config.js';
export type { AddressBurstsConfig } from './config.js';
export { IpState, Ring } from './ip-state.js';
export { ADDRESS_BURSTS_DISCARD } from './metrics.js';
