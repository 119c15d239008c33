export { CloudflareListsSink } from './cloudflare-lists.js';
export type { CloudflareListsDeps, CloudflareListsStatus } from './cloudflare-lists.js';
export { cloudflareListsConfigSchema } from './config.js';
export type { CloudflareListsConfig } from './config.js';
export { CLOUDFLARE_METRIC } from './pass-report.js';
export { SubjectClassifier } from './subject.js';
export type { Target, TargetKind, SkipReason } from './subject.js';
