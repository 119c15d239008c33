/**
 * A world in a few words: a line for the whole world, and the parameters that matter for one
 * class, so a report can say which world was worst for that class and why it might have been.
 */
import type { TrafficClass } from '../classes.js';
import type { AttackPlan, WorldParameters } from './parameters.js';

function pct(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function attacker(plan: AttackPlan, client = true): string {
  const ua = plan.user_agent === 'copy_human' ? `copy_human(${plan.copies})` : plan.user_agent;
  return client ? `${plan.network}, ${ua}` : plan.network;
}

function when(plan: AttackPlan): string {
  return `${clock(plan.start_s)}–${clock(plan.end_s)}`;
}

/** The whole world on one line. */
export function describeWorld(world: WorldParameters): string {
  const { shop, audience, derived } = world;
  return (
    `${shop.sessions_per_s.toFixed(1)} sessions/s (${shop.traffic_shape}), ${count(shop.products)} products; app ${pct(audience.app_share)} ` +
    `(${derived.nat_exits} NAT exits), SPA ${pct(audience.spa_share)}, mobile ${pct(audience.mobile_share)}; ` +
    `flood ${world.l7_flood.multiplier.toFixed(0)}× ${count(world.l7_flood.pool)} addr; API flood ${world.api_flood.multiplier.toFixed(0)}× ${count(world.api_flood.pool)} addr`
  );
}

/** The parameters that shape one class in this world. */
export function describeClass(world: WorldParameters, cls: TrafficClass | string): string {
  const { shop, audience, release, attacks, attackers: plans, derived } = world;
  switch (cls) {
    case 'humans':
      return describeWorld(world);
    case 'human':
      return `${derived.web_sessions_per_s.toFixed(2)} sessions/s ${shop.traffic_shape}, mobile ${pct(audience.mobile_share)}, ${audience.carrier_prefixes} carrier /24s, think ${shop.think_median_s.toFixed(0)} s`;
    case 'human_shared_ip':
      return `${audience.shared_groups} addresses × up to ${audience.shared_group_users_max} people, offices ${pct(audience.office_share)}`;
    case 'human_spa':
      return `${derived.spa_sessions_per_s.toFixed(2)} sessions/s, ${shop.mean_pages.toFixed(1)} views`;
    case 'human_app':
      return `${derived.app_sessions_per_s.toFixed(2)} sessions/s, NAT ${pct(audience.app_nat_share)} over ${derived.nat_exits} exits, BM<30 ${pct(audience.app_low_score_share)}`;
    case 'human_release_rush':
      return `${count(release.buyers)} buyers at ${clock(release.at * world.duration_s)}, stock ${count(release.stock)}, app ${pct(release.app_share)}, early ${pct(release.early_share)}`;
    case 'verified_crawler':
      return `Googlebot ${world.bots.googlebot_pages_per_s.toFixed(1)}/s, Bingbot ${world.bots.bingbot_pages_per_s.toFixed(1)}/s`;
    case 'good_bot_harmless':
      return `on ${world.bots.clouds} shared clouds × ${world.bots.cloud_prefixes} /24s, ${world.bots.link_previews} link previews`;
    case 'fake_googlebot':
      return `${attacks.fake_googlebot_addresses} addr × ${attacks.fake_googlebot_rate.toFixed(1)}/s, ${attacker(plans.fake_googlebot, false)}, ${when(plans.fake_googlebot)}`;
    case 'l7_flood': {
      const f = world.l7_flood;
      return `${f.multiplier.toFixed(0)}× for ${f.duration_s} s at ${clock(plans.l7_flood.start_s)}, ${count(f.pool)} addr × ${f.requests_per_address.toFixed(1)}, ${f.target}, ${attacker(plans.l7_flood)}`;
    }
    case 'api_flood': {
      const f = world.api_flood;
      return `${f.multiplier.toFixed(0)}× for ${f.duration_s} s at ${clock(plans.api_flood.start_s)}, ${count(f.pool)} addr × 1–${f.max_requests_per_address}, ${f.endpoint}, ${attacker(plans.api_flood)}`;
    }
    case 'scraper':
      return `${attacks.scraper_addresses} addr × ${attacks.scraper_rate.toFixed(1)}/s, ${attacker(plans.scraper)}, ${when(plans.scraper)}`;
    case 'scraper_rotating':
      return `${attacks.rotating_rate.toFixed(1)}/s, ${attacker(plans.scraper_rotating)}, ${when(plans.scraper_rotating)}`;
    case 'scraper_headless':
      return `${attacks.headless_workers} workers every ${attacks.headless_interval_s.toFixed(1)} s, ${attacks.headless_pages_per_address} pages/addr, ${plans.scraper_headless.user_agent === 'automation' ? 'HeadlessChrome UA' : 'stealth UA'}, ${plans.scraper_headless.network}`;
    case 'scraper_api':
      return `${attacks.api_scraper_rate.toFixed(1)}/s, ${attacks.api_scraper_requests_per_address}/addr, ${plans.scraper_api.network}, ${when(plans.scraper_api)}`;
    case 'scraper_low_slow':
      return `${attacks.low_slow_addresses} addr every ~${attacks.low_slow_gap_s.toFixed(0)} s, ${attacker(plans.scraper_low_slow)}`;
    case 'credential_stuffing':
      return `${attacks.stuffing_rate.toFixed(1)}/s, ≤${attacks.stuffing_attempts_per_address}/addr, ${plans.credential_stuffing.copies === 'app' ? 'app login' : 'web login'}, ${attacker(plans.credential_stuffing)}`;
    case 'brute_force':
      return `${attacks.brute_force_addresses} addr × ${attacks.brute_force_rate.toFixed(1)}/s, ${attacker(plans.brute_force)}, ${when(plans.brute_force)}`;
    case 'inventory_hoarding':
      return `${count(release.hoarding_tasks)} tasks, ${release.hoarding_requests_per_address}/addr, ${attacker(plans.inventory_hoarding)}`;
    case 'probe':
      return `${attacks.scanners} scanners × ${attacks.scanner_rate.toFixed(1)}/s, ${attacker(plans.probe)}`;
    default:
      return describeWorld(world);
  }
}
