/**
 * Moved to @botsieve/runtime (runtime/src/exemption/known-bots.ts and published-formats.ts), with
 * the data (runtime/data/crawlers.json): the detectors, the annotator and the origins' lookup
 * verify bots with the same code and the same data.
 */
export {
  CrawlerDirectory,
  crawlerFileSchema,
  crawlerRangesSchema,
  defaultCrawlersPath,
  loadCrawlerRanges,
  parseBingStyleRanges,
  parseCrawlerRanges,
  parseGoogleStyleRanges,
} from '@botsieve/runtime';
export type { CrawlerRanges, PublishedRanges } from '@botsieve/runtime';
