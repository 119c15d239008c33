/**
 * The default scenario: 10 minutes of one shop (`shop.example`) at scale 1, about 0.83 M
 * requests: ~310/s of normal traffic (~0.19 M) and a 45-second L7 flood in minute 4 at ~14k/s
 * (~0.64 M). Windows are placed as fractions of the duration, so a 2-minute run still contains
 * every class.
 *
 * Its output (seed 1 and every other seed) is pinned byte for byte by a golden test: the README's
 * quality report is measured on it. The sections worlds added are filled with values that change
 * nothing here (the world classes are not in `classes`, no protocol field, no shared networks, no
 * attacker profiles), and with sizes that make sense if a test switches a world class on.
 */
import { simulatedCrawlerRanges } from './addresses.js';
import { TRAFFIC_CLASSES } from './classes.js';
import type { Scenario, ScenarioOptions, Window } from './scenario.js';

export const DEFAULT_START = '2026-11-01T12:00:00Z';

/**
 * Busiest second of all non-flood traffic at scale 1, measured over seeds 1–5 of 10-minute runs:
 * 468–562 requests (mean 320/s; assets arrive in bursts of ~20 per page view).
 */
export const NORMAL_PEAK_RPS_AT_SCALE_1 = 520;

export function defaultScenario(options: ScenarioOptions = {}): Scenario {
  const duration = options.duration_s ?? 600;
  const scale = options.scale ?? 1;
  if (!(duration > 0)) throw new RangeError(`duration_s must be positive, got ${duration}`);
  if (!(scale > 0)) throw new RangeError(`scale must be positive, got ${scale}`);
  const start = options.start ?? DEFAULT_START;
  const start_ms = typeof start === 'number' ? start : Date.parse(start);
  if (!Number.isFinite(start_ms)) throw new RangeError(`start is not a date: ${String(start)}`);
  const count = (n: number): number => Math.max(1, Math.round(n * scale));
  const window = (from: number, to: number): Window => ({ start_s: from * duration, end_s: to * duration });

  return {
    seed: options.seed ?? 1,
    start_ms,
    duration_s: duration,
    scale,
    bot_management: options.bot_management ?? true,
    request_protocol: false,
    http3_share: 0.25,
    jitter_ms: options.jitter_ms ?? 250,
    host: 'shop.example',
    classes: TRAFFIC_CLASSES,
    traffic_shape: { kind: 'flat', amplitude: 0, at_s: 0, length_s: duration },
    networks: null,
    attackers: {},
    catalogue: { products: 4_000, popularity_exponent: 1 },
    // Idle origin: ~50 ms median for a dynamic page (a typical PHP/Node shop behind a CDN);
    // capacity ~4× the normal dynamic load, so crawlers and bots alone never saturate it.
    origin: { base_latency_ms: 50, capacity_rps: 400 * scale },
    human: {
      // 5 new sessions/s ≈ 18k sessions an hour: a mid-size shop. At ~37 requests a session
      // (pages, assets, XHR), humans make ~85% of the normal (non-flood) requests.
      sessions_per_s: 5 * scale,
      bounce_share: 0.35,
      mean_pages: 5,
      // Time on page: lognormal, median ~9 s, long tail (reading reviews); published web
      // analytics put the median dwell time of shop pages at 5–15 s.
      think_median_s: 9,
      think_sigma: 1,
      login_share: 0.12,
      login_failure_share: 0.1,
      add_to_cart_share: 0.2,
      checkout_share: 0.35,
      false_positive_share: 0.01,
      mobile_share: null,
      mobile_ipv6_share: 0.35,
      home_ipv6_share: 0.25,
    },
    human_shared_ip: { groups: count(10), users_min: 20, users_max: 80, office_share: 0.6 },
    human_spa: { sessions_per_s: 1 * scale, mean_views: 6, background_interval_s: 45 },
    human_app: { sessions_per_s: 1.5 * scale, mean_screens: 8, nat_share: 0.6, low_score_share: 0.15, ios_share: 0.45 },
    release: { at_s: 0.6 * duration, stock: count(300) },
    human_release_rush: { buyers: count(600), rush_s: 90, app_share: 0.5, early_share: 0.4 },
    inventory_hoarding: { tasks: count(60), requests_per_address: 12, lead_s: 30, duration_s: 120 },
    verified_crawler: {
      // Crawling HARD: Google and Bing fetch a large catalogue at tens of pages a second when
      // the host answers fast (Search Console crawl stats of big shops show 1–5 M pages a day).
      googlebot_pages_per_s: 12 * scale,
      googlebot_ips: count(24),
      bingbot_pages_per_s: 5 * scale,
      bingbot_ips: count(10),
      ranges: options.crawler_ranges ?? simulatedCrawlerRanges(),
    },
    fake_googlebot: { ips: count(3), requests_per_s_per_ip: 1.5, window: window(0.2, 0.8) },
    l7_flood: {
      start_s: 0.4 * duration,
      duration_s: Math.min(45, 0.25 * duration),
      ramp_ms: 1_000,
      // 30×: the jump one operator reported "from one second to the next" (shared/reference).
      peak_multiplier: 30,
      fallback_peak_rps: NORMAL_PEAK_RPS_AT_SCALE_1 * scale,
      bots: count(3_000),
      rotating_share: 0.1,
      spoofed_browser_share: 0.3,
      target: 'search',
      max_requests: Number.POSITIVE_INFINITY,
    },
    api_flood: {
      start_s: 0.7 * duration,
      duration_s: Math.min(20, 0.1 * duration),
      ramp_ms: 1_000,
      peak_multiplier: 10,
      fallback_peak_rps: NORMAL_PEAK_RPS_AT_SCALE_1 * scale,
      addresses: count(20_000),
      max_requests_per_address: 3,
      endpoint: 'search',
    },
    scraper: { ips: count(3), requests_per_s_per_ip: 1.2, window: window(0.1, 0.7) },
    // 8 requests/s, each from a new IP: ~4,300 addresses over 10 minutes.
    scraper_rotating: { requests_per_s: 8 * scale, proxy_prefixes: 400, window: window(0.05, 0.95) },
    scraper_headless: { workers: count(8), page_interval_s: 4, pages_per_address: 3, headless_user_agent: false, window: window(0.1, 0.9) },
    scraper_api: { requests_per_s: 3 * scale, requests_per_address: 5, window: window(0.2, 0.9) },
    scraper_low_slow: { ips: count(2), min_gap_s: 10, max_gap_s: 40, window: { start_s: 0, end_s: duration } },
    // 5 attempts/s, 1–3 per IP: ~2,100 attempts from ~1,000 residential proxy IPs.
    credential_stuffing: { attempts_per_s: 5 * scale, max_attempts_per_ip: 3, failure_share: 0.95, window: window(0.15, 0.85), endpoint: 'web' },
    brute_force: { ips: count(3), attempts_per_s_per_ip: 0.8, failure_share: 0.98, window: window(0.5, 0.5 + Math.min(0.35, 240 / duration)) },
    probe: { scanners: count(5), requests_per_s: 5, window: { start_s: 0, end_s: duration } },
    // Monitors and SEO tools do not grow with the audience: not scaled.
    good_bot_harmless: { monitor_interval_s: 60, healthcheck_interval_s: 15, seo_requests_per_s: 0.25, on_shared_clouds: false, link_previews: 0 },
  };
}
