export { PRIVATE_RANGES, PRIVATE_SET } from '@botsieve/runtime';
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
