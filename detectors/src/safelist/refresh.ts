/** Moved to @botsieve/runtime (runtime/src/exemption/refresh.ts), beside the data it rewrites. */
export { formatRefreshSummary, refreshCrawlerRanges, writeCrawlerRanges } from '@botsieve/runtime';
export type { FetchLike, RefreshOptions, RefreshResult, RefreshSummary } from '@botsieve/runtime';
