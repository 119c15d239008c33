export { scraping, ScrapingDetector, SCRAPING } from './scraping.js';
export { scrapingConfigSchema, parseScrapingConfig, scrapingLookbackMs } from './config.js';
export type { ScrapingConfig, ScrapingSubjectConfig } from './config.js';
export { SCRAPING_DISCARD } from './metrics.js';
