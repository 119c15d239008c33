/**
 * The traffic classes the simulator labels, in report order.
 *
 * `TRAFFIC_CLASSES` are the default scenario's twelve populations (what `botsieve simulate`
 * writes without `--world`, and what every report lists even when absent). Worlds add seven:
 * humans who do not browse like a browser loading pages (a single-page app, the mobile app, a
 * release rush) and the attacks that hide among them (inventory hoarding, an API flood from
 * tens of thousands of addresses, a headless-browser scraper, a scraper of the app's API).
 */

export const ALL_CLASSES = [
  'human',
  'human_shared_ip',
  'human_spa',
  'human_app',
  'human_release_rush',
  'verified_crawler',
  'fake_googlebot',
  'l7_flood',
  'api_flood',
  'scraper',
  'scraper_rotating',
  'scraper_headless',
  'scraper_api',
  'scraper_low_slow',
  'credential_stuffing',
  'brute_force',
  'inventory_hoarding',
  'probe',
  'good_bot_harmless',
] as const;
export type TrafficClass = (typeof ALL_CLASSES)[number];

/** Classes only worlds generate. */
export const WORLD_CLASSES = ['human_spa', 'human_app', 'human_release_rush', 'api_flood', 'scraper_headless', 'scraper_api', 'inventory_hoarding'] as const satisfies readonly TrafficClass[];

/** The default scenario's classes, in the order their populations start (fixed: it decides the output bytes). */
export const TRAFFIC_CLASSES = [
  'human',
  'human_shared_ip',
  'verified_crawler',
  'fake_googlebot',
  'l7_flood',
  'scraper',
  'scraper_rotating',
  'scraper_low_slow',
  'credential_stuffing',
  'brute_force',
  'probe',
  'good_bot_harmless',
] as const satisfies readonly TrafficClass[];

/** Real people: the classes the `humans` row sums. */
export const HUMAN_CLASSES = ['human', 'human_shared_ip', 'human_spa', 'human_app', 'human_release_rush'] as const satisfies readonly TrafficClass[];

/** Classes whose attackers a world equips with an AttackerProfile (network and user-agent strategy). */
export const ATTACK_CLASSES = [
  'fake_googlebot',
  'l7_flood',
  'api_flood',
  'scraper',
  'scraper_rotating',
  'scraper_headless',
  'scraper_api',
  'scraper_low_slow',
  'credential_stuffing',
  'brute_force',
  'inventory_hoarding',
  'probe',
] as const satisfies readonly TrafficClass[];
export type AttackClass = (typeof ATTACK_CLASSES)[number];
