/**
 * A world's Scenario: the default scenario's shape with every population set from the world's
 * parameters, all nineteen classes on, the request protocol written, the shared networks and
 * each attack's profile. Both variants of a world (with and without Bot Management) are the
 * same traffic; only the Bot Management fields differ.
 */
import type { SimulatedCrawlerRanges } from '../addresses.js';
import { ALL_CLASSES, ATTACK_CLASSES } from '../classes.js';
import { defaultScenario } from '../default-scenario.js';
import type { AttackerProfile, AttackClass, Scenario, Window } from '../scenario.js';
import type { WorldParameters } from './parameters.js';

export interface WorldScenarioOptions {
  bot_management?: boolean;
  start?: string | number;
  crawler_ranges?: SimulatedCrawlerRanges;
}

/** Expected requests (or sessions) each population gets at least, so a tiny world still has every class. */
const AT_LEAST = 8;

export function worldScenario(world: WorldParameters, options: WorldScenarioOptions = {}): Scenario {
  const base = defaultScenario({ seed: world.seed, duration_s: world.duration_s, scale: world.scale, bot_management: options.bot_management ?? true, start: options.start, crawler_ranges: options.crawler_ranges });
  const { shop, audience, bots, release, attacks, attackers, derived } = world;
  const window = (cls: AttackClass): Window => ({ start_s: attackers[cls].start_s, end_s: attackers[cls].end_s });
  const profiles: Partial<Record<AttackClass, AttackerProfile>> = {};
  for (const cls of ATTACK_CLASSES) {
    const { network, user_agent, copies } = attackers[cls];
    profiles[cls] = { network, user_agent, copies };
  }
  const usersMax = audience.shared_group_users_max;
  // Floors that only bind in tiny worlds (tests): a rate high enough for AT_LEAST events in its window.
  const length = (cls: AttackClass): number => Math.max(1, attackers[cls].end_s - attackers[cls].start_s);
  const rate = (value: number, cls: AttackClass, per = 1): number => Math.max(value, AT_LEAST / length(cls) / per);
  const sessions = (value: number): number => Math.max(value, AT_LEAST / (world.duration_s + 180));
  const gap = Math.min(attacks.low_slow_gap_s, length('scraper_low_slow') / AT_LEAST);
  return {
    ...base,
    request_protocol: true,
    http3_share: audience.http3_share,
    classes: ALL_CLASSES,
    traffic_shape: { kind: shop.traffic_shape, amplitude: shop.shape_amplitude, at_s: derived.shape_at_s, length_s: derived.shape_length_s },
    networks: {
      clouds: derived.clouds,
      cloud_prefixes: bots.cloud_prefixes,
      carrier_prefixes: audience.carrier_prefixes,
      cgnat_exits: derived.nat_exits,
      proxy_on_customer_nat_share: bots.proxy_on_customer_nat_share,
      proxy_in_customer_prefixes: bots.proxy_in_customer_prefixes,
    },
    attackers: profiles,
    catalogue: { products: shop.products, popularity_exponent: shop.popularity_exponent },
    origin: { base_latency_ms: shop.origin_latency_ms, capacity_rps: derived.origin_capacity_rps },
    human: {
      ...base.human,
      sessions_per_s: sessions(derived.web_sessions_per_s),
      bounce_share: shop.bounce_share,
      mean_pages: shop.mean_pages,
      think_median_s: shop.think_median_s,
      false_positive_share: audience.false_positive_share,
      mobile_share: audience.mobile_share,
      mobile_ipv6_share: audience.mobile_ipv6_share,
    },
    human_shared_ip: { groups: audience.shared_groups, users_min: Math.max(5, Math.round(usersMax / 4)), users_max: usersMax, office_share: audience.office_share },
    human_spa: { sessions_per_s: sessions(derived.spa_sessions_per_s), mean_views: shop.mean_pages + 1, background_interval_s: 45 },
    human_app: { sessions_per_s: sessions(derived.app_sessions_per_s), mean_screens: shop.mean_pages * 1.5, nat_share: audience.app_nat_share, low_score_share: audience.app_low_score_share, ios_share: 0.45 },
    release: { at_s: release.at * world.duration_s, stock: release.stock },
    human_release_rush: { buyers: release.buyers, rush_s: release.rush_s, app_share: release.app_share, early_share: release.early_share },
    inventory_hoarding: { tasks: release.hoarding_tasks, requests_per_address: release.hoarding_requests_per_address, lead_s: release.hoarding_lead_s, duration_s: release.hoarding_duration_s },
    verified_crawler: {
      ...base.verified_crawler,
      googlebot_pages_per_s: bots.googlebot_pages_per_s,
      googlebot_ips: Math.max(2, Math.round(4 + bots.googlebot_pages_per_s * 1.5)),
      bingbot_pages_per_s: bots.bingbot_pages_per_s,
      bingbot_ips: Math.max(2, Math.round(2 + bots.bingbot_pages_per_s)),
    },
    fake_googlebot: { ips: attacks.fake_googlebot_addresses, requests_per_s_per_ip: rate(attacks.fake_googlebot_rate, 'fake_googlebot', attacks.fake_googlebot_addresses), window: window('fake_googlebot') },
    l7_flood: {
      ...base.l7_flood,
      start_s: attackers.l7_flood.start_s,
      duration_s: world.l7_flood.duration_s,
      peak_multiplier: world.l7_flood.multiplier,
      fallback_peak_rps: derived.normal_peak_rps_estimate,
      bots: world.l7_flood.pool,
      rotating_share: world.l7_flood.rotating_share,
      target: world.l7_flood.target,
      max_requests: world.l7_flood.max_requests,
    },
    api_flood: {
      ...base.api_flood,
      start_s: attackers.api_flood.start_s,
      duration_s: world.api_flood.duration_s,
      peak_multiplier: world.api_flood.multiplier,
      fallback_peak_rps: derived.normal_peak_rps_estimate,
      addresses: world.api_flood.pool,
      max_requests_per_address: world.api_flood.max_requests_per_address,
      endpoint: world.api_flood.endpoint,
    },
    scraper: { ips: attacks.scraper_addresses, requests_per_s_per_ip: rate(attacks.scraper_rate, 'scraper', attacks.scraper_addresses), window: window('scraper') },
    scraper_rotating: { ...base.scraper_rotating, requests_per_s: rate(attacks.rotating_rate, 'scraper_rotating'), window: window('scraper_rotating') },
    scraper_headless: {
      workers: attacks.headless_workers,
      page_interval_s: attacks.headless_interval_s,
      pages_per_address: attacks.headless_pages_per_address,
      headless_user_agent: attackers.scraper_headless.user_agent === 'automation',
      window: window('scraper_headless'),
    },
    scraper_api: { requests_per_s: rate(attacks.api_scraper_rate, 'scraper_api'), requests_per_address: attacks.api_scraper_requests_per_address, window: window('scraper_api') },
    scraper_low_slow: { ips: attacks.low_slow_addresses, min_gap_s: gap * 0.5, max_gap_s: gap * 1.5, window: window('scraper_low_slow') },
    credential_stuffing: {
      ...base.credential_stuffing,
      attempts_per_s: rate(attacks.stuffing_rate, 'credential_stuffing'),
      max_attempts_per_ip: attacks.stuffing_attempts_per_address,
      window: window('credential_stuffing'),
      endpoint: attackers.credential_stuffing.copies,
    },
    brute_force: { ...base.brute_force, ips: attacks.brute_force_addresses, attempts_per_s_per_ip: rate(attacks.brute_force_rate, 'brute_force', attacks.brute_force_addresses), window: window('brute_force') },
    probe: { scanners: attacks.scanners, requests_per_s: attacks.scanner_rate, window: window('probe') },
    good_bot_harmless: { ...base.good_bot_harmless, on_shared_clouds: true, link_previews: bots.link_previews },
  };
}
