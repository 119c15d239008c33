export { AddressProbe, CidrSet } from './cidr-set.js';
export { parseCidr, parseIPv4, parseIPv6, isIPv4Mapped } from './ip-address.js';
export type { CidrRange } from './ip-address.js';
export { PRIVATE_RANGES, PRIVATE_SET } from './private-ranges.js';
export {
  CrawlerDirectory,
  crawlerFileSchema,
  crawlerRangesSchema,
  defaultCrawlersPath,
  loadCrawlerRanges,
  parseBingStyleRanges,
  parseCrawlerRanges,
  parseGoogleStyleRanges,
} from './crawlers.js';
export type { CrawlerRanges, PublishedRanges } from './crawlers.js';
export { Safelist, safelistConfigObject, safelistConfigSchema, parseSafelistConfig } from './safelist.js';
export type { SafelistConfig } from './safelist.js';
export { refreshCrawlerRanges, formatRefreshSummary, writeCrawlerRanges } from './refresh.js';
export type { FetchLike, RefreshOptions, RefreshResult, RefreshSummary } from './refresh.js';
export { ClientExemption } from '@botsieve/runtime';
export type { ClientFacts, Exemption } from '@botsieve/runtime';
