export { DeadletterFile } from './deadletter-file.js';
export { deadletterFileConfigSchema } from './config.js';
export type { DeadletterFileConfig } from './config.js';
