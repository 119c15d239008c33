export { simulate, POPULATIONS } from './simulate.js';
export type { PopulationStarter } from './simulate.js';
export { defaultScenario, TRAFFIC_CLASSES, DEFAULT_START } from './scenario.js';
export type { Scenario, ScenarioOptions, TrafficClass, Window } from './scenario.js';
export { loadCrawlerRanges, BUILT_IN_CRAWLER_RANGES, parseCidr, cidrContains } from './addresses.js';
export type { CrawlerRanges, Cidr } from './addresses.js';
export { Random } from './random.js';
export type { LogpushRecord, RequestLabel, SimulatedRequest } from './world.js';
