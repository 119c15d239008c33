/**
 * Test helpers: a simulation collected in memory with per-class counts, one shared small run
 * (2 minutes at scale 0.2, seed 1: ~135k requests, ~1 s) that most tests inspect, and one
 * small world with its attackers pinned (so each population's shape can be asserted).
 */
import { defaultScenario, type Scenario, type TrafficClass } from './scenario.js';
import { simulate } from './simulate.js';
import type { SimulatedRequest } from './world.js';
import { drawWorld } from './worlds/draw.js';
import type { WorldParameters } from './worlds/parameters.js';
import { worldScenario } from './worlds/world-scenario.js';

export interface Run {
  scenario: Scenario;
  requests: SimulatedRequest[];
  counts: Map<TrafficClass, number>;
}

export function run(scenario: Scenario): Run {
  const requests: SimulatedRequest[] = [];
  const counts = new Map<TrafficClass, number>();
  for (const request of simulate(scenario)) {
    requests.push(request);
    counts.set(request.label.class, (counts.get(request.label.class) ?? 0) + 1);
  }
  return { scenario, requests, counts };
}

let small: Run | null = null;

/** The `--duration-s 120 --scale 0.2` run, generated once per test file. */
export function smallRun(): Run {
  small ??= run(defaultScenario({ seed: 1, duration_s: 120, scale: 0.2 }));
  return small;
}

/** Seconds from the start of the run of a record. */
export function elapsed(scenario: Scenario, request: SimulatedRequest): number {
  return (request.record.EdgeStartTimestamp / 1e6 - scenario.start_ms) / 1_000;
}

export interface WorldRun extends Run {
  world: WorldParameters;
}

let smallWorld: WorldRun | null = null;

/**
 * World 11 (3 minutes, scale 0.3) with pinned attackers: hoarding and the app-API scraper copy
 * the app from customers' networks, the API flood is a library on proxies abroad, the rotating
 * scraper and the headless fleet on the clouds (few /24s, shared with the monitors); app users
 * mostly behind two NAT exits; a small stock, released one minute in. ~60k requests, ~0.5 s.
 */
export function smallWorldRun(): WorldRun {
  if (smallWorld !== null) return smallWorld;
  const world = drawWorld(11, { duration_s: 180, scale: 0.3 });
  const base = worldScenario(world);
  const scenario: Scenario = {
    ...base,
    networks: { clouds: world.derived.clouds, cloud_prefixes: 4, carrier_prefixes: 20, cgnat_exits: 2, proxy_on_customer_nat_share: 0.2, proxy_in_customer_prefixes: 0.3 },
    attackers: {
      ...base.attackers,
      inventory_hoarding: { network: 'proxy_customers', user_agent: 'copy_human', copies: 'app' },
      scraper_api: { network: 'proxy_customers', user_agent: 'copy_human', copies: 'app' },
      api_flood: { network: 'proxy_abroad', user_agent: 'automation', copies: 'app' },
      l7_flood: { network: 'hosting', user_agent: 'automation', copies: 'web' },
      scraper_rotating: { network: 'hosting', user_agent: 'rotating_browser', copies: 'web' },
      scraper_headless: { network: 'hosting', user_agent: 'copy_human', copies: 'web' },
    },
    human_app: { ...base.human_app, sessions_per_s: 1, nat_share: 0.9 },
    release: { at_s: 60, stock: 20 },
    human_release_rush: { ...base.human_release_rush, buyers: 150, early_share: 0.4 },
    inventory_hoarding: { tasks: 30, requests_per_address: 10, lead_s: 20, duration_s: 90 },
    api_flood: { ...base.api_flood, start_s: 100, duration_s: 10, addresses: 3_000, max_requests_per_address: 3 },
    l7_flood: { ...base.l7_flood, start_s: 130, duration_s: 10, bots: 500, max_requests: 20_000 },
    scraper_headless: { ...base.scraper_headless, workers: 4, page_interval_s: 3, pages_per_address: 4, window: { start_s: 10, end_s: 170 } },
  };
  smallWorld = { ...run(scenario), world };
  return smallWorld;
}
