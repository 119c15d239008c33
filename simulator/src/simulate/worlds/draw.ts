/**
 * `drawWorld(seed)`: one world's parameters from WORLD_RANGES, deterministic per seed (and
 * duration and scale). Each section draws from its own stream (`world:<section>`), so adding a
 * range to one section does not reshuffle the others.
 *
 * Derived values: the session rate splits into website, single-page app and mobile app; the NAT
 * exits follow from how many app users sit behind them; the floods are fitted to the world (their
 * rate is a multiple of the world's busiest second, estimated here from its populations and
 * measured again when the run reaches them) and to the request budget.
 */
import { ATTACK_CLASSES, type AttackClass } from '../classes.js';
import { CLOUDS } from '../networks.js';
import { Random } from '../random.js';
import type { AttackPlan, Drawn, WorldParameters } from './parameters.js';
import { WORLD_RANGES, type AttackerRanges, type ChoiceRange, type NumberRange } from './ranges.js';

export interface WorldOptions {
  /** Seconds of event time (default 600). */
  duration_s?: number;
  /** Population multiplier (default 1). */
  scale?: number;
}

/** Requests per session, measured on worlds 1–8: a website session (pages and assets) ~38, an SPA one ~15, an app one ~13. */
const REQUESTS_PER_SESSION = { web: 38, spa: 15, app: 13 } as const;
/**
 * Busiest second of normal traffic ≈ 1.8 × the mean rate at the shape's highest + 150 × scale
 * (asset bursts, the release rush, hoarding bursts): within ~30% on worlds 1–8, where the
 * measured ratio ran from 1.6 to 4.4. Only sizes the floods; the run measures the real peak.
 */
const PEAK_OVER_MEAN = 1.8;
const PEAK_BURSTS_RPS = 150;

export function drawNumber(range: NumberRange, random: Random, scale: number): number {
  const point = random.float();
  let value = range.log ? range.min * (range.max / range.min) ** point : range.min + (range.max - range.min) * point;
  if (range.scaled) value *= scale;
  if (range.integer) value = Math.max(range.scaled ? 1 : range.min, Math.round(value));
  return value;
}

function isChoice(range: NumberRange | ChoiceRange<string>): range is ChoiceRange<string> {
  return 'choices' in range;
}

function drawSection<T extends Record<string, NumberRange | ChoiceRange<string>>>(ranges: T, random: Random, scale: number): Drawn<T> {
  const out: Record<string, number | string> = {};
  for (const [key, range] of Object.entries(ranges)) out[key] = isChoice(range) ? random.weighted(range.choices) : drawNumber(range, random, scale);
  return out as Drawn<T>;
}

function plan(ranges: AttackerRanges, random: Random, duration_s: number): AttackPlan {
  const network = random.weighted(ranges.network.choices);
  const user_agent = random.weighted(ranges.user_agent.choices);
  const copies = ranges.copies === undefined ? 'web' : random.weighted(ranges.copies.choices);
  const length = ranges.length === undefined ? 0 : drawNumber(ranges.length, random, 1) * duration_s;
  const start_s = random.uniform(0, duration_s - length);
  return { network, user_agent, copies, start_s, end_s: start_s + length };
}

export function drawWorld(seed: number, options: WorldOptions = {}): WorldParameters {
  const duration_s = options.duration_s ?? 600;
  const scale = options.scale ?? 1;
  if (!(duration_s >= 30)) throw new RangeError(`a world needs at least 30 s, got ${duration_s}`);
  if (!(scale > 0)) throw new RangeError(`scale must be positive, got ${scale}`);
  const root = new Random(seed);
  const section = <T extends Record<string, NumberRange | ChoiceRange<string>>>(name: string, ranges: T): Drawn<T> => drawSection(ranges, root.derive(`world:${name}`), scale);
  const shop = section('shop', WORLD_RANGES.shop);
  const audience = section('audience', WORLD_RANGES.audience);
  const bots = section('bots', WORLD_RANGES.bots);
  const release = section('release', WORLD_RANGES.release);
  const l7_flood = section('l7_flood', WORLD_RANGES.l7_flood);
  const api_flood = section('api_flood', WORLD_RANGES.api_flood);
  const attacks = section('attacks', WORLD_RANGES.attacks);
  const timing = root.derive('world:attackers');
  const attackers = {} as Record<AttackClass, AttackPlan>;
  for (const cls of ATTACK_CLASSES) attackers[cls] = plan(WORLD_RANGES.attackers[cls], timing, duration_s);

  // The session rate, split: the app first, then the single-page app among web sessions.
  const app = shop.sessions_per_s * audience.app_share;
  const spa = (shop.sessions_per_s - app) * audience.spa_share;
  const web = shop.sessions_per_s - app - spa;
  const crawl = bots.googlebot_pages_per_s + bots.bingbot_pages_per_s;
  const shapePeak = shop.traffic_shape === 'flat' ? 1 : shop.traffic_shape === 'spike' ? 1 + 4 * shop.shape_amplitude : 1 + shop.shape_amplitude;
  const mean = web * REQUESTS_PER_SESSION.web + spa * REQUESTS_PER_SESSION.spa + app * REQUESTS_PER_SESSION.app + crawl;
  const peak = PEAK_OVER_MEAN * mean * shapePeak + PEAK_BURSTS_RPS * scale;
  // Origin load: a web session's ~9 dynamic requests, an SPA's ~14 and an app's ~16 API calls,
  // crawlers' pages, and half the release rush's (shops scale up for a drop, rarely enough).
  const rush = (release.buyers * 4) / Math.max(30, release.rush_s / 3);
  const originLoad = web * 9 + spa * 14 + app * 16 + crawl + rush / 2;
  const natExits = Math.max(1, Math.ceil((app * (duration_s + 180) * audience.app_nat_share) / audience.app_users_per_nat_exit));

  // Floods: start once a minute of traffic can be measured, fit the budget and at most 40% of the run.
  const earliest = Math.min(60, duration_s / 4);
  const floodRate = l7_flood.multiplier * peak;
  const floodTotal = Math.min(floodRate * Math.min(l7_flood.duration_s, 0.4 * duration_s), l7_flood.max_requests);
  l7_flood.pool = clamp(Math.round(floodTotal / l7_flood.requests_per_address), WORLD_RANGES.l7_flood.pool.min, WORLD_RANGES.l7_flood.pool.max);
  l7_flood.requests_per_address = round(floodTotal / l7_flood.pool, 2);
  l7_flood.duration_s = round(Math.max(3, floodTotal / floodRate), 1);
  attackers.l7_flood.start_s = timing.uniform(earliest, duration_s - l7_flood.duration_s);
  attackers.l7_flood.end_s = attackers.l7_flood.start_s + l7_flood.duration_s;

  const apiRate = api_flood.multiplier * peak;
  const meanPerAddress = (1 + api_flood.max_requests_per_address) / 2;
  const poolRange = WORLD_RANGES.api_flood.pool;
  api_flood.pool = clamp(Math.round((apiRate * Math.min(api_flood.duration_s, 0.4 * duration_s)) / meanPerAddress), Math.max(100, Math.round(poolRange.min * scale)), Math.max(100, Math.round(poolRange.max * scale)));
  api_flood.duration_s = round(Math.min(0.4 * duration_s, Math.max(3, (api_flood.pool * meanPerAddress) / apiRate)), 1);
  attackers.api_flood.start_s = timing.uniform(earliest, duration_s - api_flood.duration_s);
  attackers.api_flood.end_s = attackers.api_flood.start_s + api_flood.duration_s;

  const releaseAt = release.at * duration_s;
  attackers.inventory_hoarding.start_s = Math.max(0, releaseAt - release.hoarding_lead_s);
  attackers.inventory_hoarding.end_s = Math.min(duration_s, releaseAt + release.hoarding_duration_s);

  const clouds = root.derive('world:clouds').shuffled(CLOUDS).slice(0, bots.clouds).map((cloud) => cloud.asn);
  return {
    seed,
    duration_s,
    scale,
    shop,
    audience,
    bots,
    release,
    l7_flood,
    api_flood,
    attacks,
    attackers,
    derived: {
      normal_peak_rps_estimate: Math.round(peak),
      web_sessions_per_s: round(web, 3),
      spa_sessions_per_s: round(spa, 3),
      app_sessions_per_s: round(app, 3),
      nat_exits: natExits,
      clouds,
      shape_at_s: round(shop.shape_at * duration_s, 1),
      shape_length_s: round(Math.min(shop.shape_length_s, duration_s), 1),
      origin_capacity_rps: Math.round(Math.max(20, shop.origin_capacity_factor * originLoad)),
    },
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
