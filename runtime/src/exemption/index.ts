export { ClientExemption, shippedCrawlerDirectory } from './exemption.js';
export type { ClientExemptionOptions, ClientFacts, Exemption, ExemptionReason, ExemptionSource, UserAgentBots } from './exemption.js';
export { PRIVATE_RANGES, PRIVATE_SET } from './private-ranges.js';
export {
  CrawlerDirectory,
  KNOWN_BOT_KINDS,
  KNOWN_BOT_MATCHES,
  KnownBot,
  SOURCE_FORMATS,
  crawlerFileSchema,
  crawlerRangesSchema,
  defaultCrawlersPath,
  loadCrawlerRanges,
  parseCrawlerRanges,
} from './known-bots.js';
export type { CrawlerRanges, CrawlerRangesInput, KnownBotData, KnownBotKind, KnownBotMatch, SourceFormat } from './known-bots.js';
export { parseAddressLines, parseBingStyleRanges, parseGoogleStyleRanges, parsePublication, parseStatusCakeLocations } from './published-formats.js';
export type { PublishedRanges } from './published-formats.js';
export { DEFAULT_SAFELIST, Safelist, safelistConfigObject, safelistConfigSchema } from './safelist.js';
export type { SafelistConfig } from './safelist.js';
export { formatRefreshSummary, refreshCrawlerRanges, writeCrawlerRanges } from './refresh.js';
export type { FetchLike, RefreshOptions, RefreshResult, RefreshSummary } from './refresh.js';
export { EXEMPTION_ERRORS } from './errors.js';
export type { ExemptionErrorCode } from './errors.js';
