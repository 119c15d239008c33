export { MemoryVerdictStore } from './memory-verdict-store.js';
export type { ActiveVerdict, LookupResult } from './memory-verdict-store.js';
export { memoryVerdictStoreConfigSchema } from './config.js';
export type { MemoryVerdictStoreConfig } from './config.js';
