/**
 * The simulator's scenario: every population's size, rate and timing as one typed object, so
 * tests and the evaluation can build smaller or reshaped variants (`defaultScenario({...})`, then
 * override fields).
 *
 * Default: 10 minutes of one shop (`shop.example`) at scale 1, about 0.83 M requests: ~310/s of
 * normal traffic (~0.19 M) and a 45-second L7 flood in minute 4 at ~14k/s (~0.64 M). Rates are in requests (or sessions) per second of event
 * time and already multiplied by `scale`; windows are seconds from the start of the run and
 * placed as fractions of the duration, so a 2-minute run still contains every class.
 */
import { loadCrawlerRanges, type CrawlerRanges } from './addresses.js';

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
] as const;
export type TrafficClass = (typeof TRAFFIC_CLASSES)[number];

/** An activity window, seconds from the start of the run. */
export interface Window {
  start_s: number;
  end_s: number;
}

export interface Scenario {
  seed: number;
  /** Event time of the first possible request, ms since the epoch. */
  start_ms: number;
  duration_s: number;
  /** Population multiplier the rates below were built with (reported, not applied again). */
  scale: number;
  /** Write the Bot Management fields (BotScore, BotScoreSrc, VerifiedBotCategory, JA4, JA3Hash, BotTags). */
  bot_management: boolean;
  /** Output order follows event time plus up to this much delay (Logpush is not strictly ordered). */
  jitter_ms: number;
  host: string;
  /** Populations to generate (default: all of TRAFFIC_CLASSES). */
  classes: readonly TrafficClass[];
  catalogue: {
    products: number;
    /** Zipf exponent of product popularity for humans (≈1 in shop analytics). */
    popularity_exponent: number;
  };
  origin: {
    /** Median origin response time of a dynamic page when idle. */
    base_latency_ms: number;
    /** Requests per second the origin serves before queueing sets in. */
    capacity_rps: number;
  };
  human: {
    sessions_per_s: number;
    /** Sessions that leave after the landing page (typical shop bounce rates: 30–45%). */
    bounce_share: number;
    /** Mean pages after the landing page, for sessions that do not bounce. */
    mean_pages: number;
    think_median_s: number;
    think_sigma: number;
    login_share: number;
    /** Failed logins (typos, forgotten passwords): ~10% of login attempts. */
    login_failure_share: number;
    add_to_cart_share: number;
    checkout_share: number;
    /** Humans Cloudflare scores 10–29: its false positives, what `score lt 30` gets wrong. */
    false_positive_share: number;
  };
  human_shared_ip: {
    /** Offices and carrier NATs, each one IPv4 address shared by `users_min`–`users_max` people. */
    groups: number;
    users_min: number;
    users_max: number;
    /** Groups that are offices (desktop browsers); the rest are mobile carrier NATs. */
    office_share: number;
  };
  verified_crawler: {
    googlebot_pages_per_s: number;
    googlebot_ips: number;
    bingbot_pages_per_s: number;
    bingbot_ips: number;
    ranges: CrawlerRanges;
  };
  fake_googlebot: { ips: number; requests_per_s_per_ip: number; window: Window };
  l7_flood: {
    start_s: number;
    duration_s: number;
    /** From nothing to full rate in this long. */
    ramp_ms: number;
    /**
     * Full flood rate = this × the busiest second of all traffic in the minute before the flood
     * (measured as the simulation runs, so the jump is this large at any scale).
     */
    peak_multiplier: number;
    /** The normal peak to use when the flood starts with no traffic before it. */
    fallback_peak_rps: number;
    bots: number;
    /** Requests sent through a residential proxy that gives each request a fresh IP. */
    rotating_share: number;
    /** Bots sending a browser User-Agent over a Go TLS stack (the rest say what they are). */
    spoofed_browser_share: number;
  };
  scraper: { ips: number; requests_per_s_per_ip: number; window: Window };
  scraper_rotating: { requests_per_s: number; proxy_prefixes: number; window: Window };
  scraper_low_slow: { ips: number; min_gap_s: number; max_gap_s: number };
  credential_stuffing: { attempts_per_s: number; max_attempts_per_ip: number; failure_share: number; window: Window };
  brute_force: { ips: number; attempts_per_s_per_ip: number; failure_share: number; window: Window };
  probe: { scanners: number; requests_per_s: number };
  good_bot_harmless: {
    /** External uptime checks (UptimeRobot, Pingdom) per monitored URL. */
    monitor_interval_s: number;
    /** The site's own blackbox health check. */
    healthcheck_interval_s: number;
    /** AhrefsBot's crawl rate on a mid-size shop. */
    seo_requests_per_s: number;
  };
}

export interface ScenarioOptions {
  seed?: number;
  duration_s?: number;
  scale?: number;
  bot_management?: boolean;
  /** ISO 8601 start time or ms since the epoch. Fixed by default: output never depends on the clock. */
  start?: string | number;
  jitter_ms?: number;
  /** Crawler IP ranges; default: `detectors/data/crawlers.json`, else the built-in ranges. */
  crawler_ranges?: CrawlerRanges;
}

export const DEFAULT_START = '2026-11-01T12:00:00Z';

/**
 * Busiest second of all non-flood traffic at scale 1, measured over seeds 1–5 of 10-minute runs:
 * 468–562 requests (mean 320/s; assets arrive in bursts of ~20 per page view).
 */
const NORMAL_PEAK_RPS_AT_SCALE_1 = 520;

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
    jitter_ms: options.jitter_ms ?? 250,
    host: 'shop.example',
    classes: TRAFFIC_CLASSES,
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
    },
    human_shared_ip: { groups: count(10), users_min: 20, users_max: 80, office_share: 0.6 },
    verified_crawler: {
      // Crawling HARD: Google and Bing fetch a large catalogue at tens of pages a second when
      // the host answers fast (Search Console crawl stats of big shops show 1–5 M pages a day).
      googlebot_pages_per_s: 12 * scale,
      googlebot_ips: count(24),
      bingbot_pages_per_s: 5 * scale,
      bingbot_ips: count(10),
      ranges: options.crawler_ranges ?? loadCrawlerRanges(),
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
    },
    scraper: { ips: count(3), requests_per_s_per_ip: 1.2, window: window(0.1, 0.7) },
    // 8 requests/s, each from a new IP: ~4,300 addresses over 10 minutes.
    scraper_rotating: { requests_per_s: 8 * scale, proxy_prefixes: 400, window: window(0.05, 0.95) },
    scraper_low_slow: { ips: count(2), min_gap_s: 10, max_gap_s: 40 },
    // 5 attempts/s, 1–3 per IP: ~2,100 attempts from ~1,000 residential proxy IPs.
    credential_stuffing: { attempts_per_s: 5 * scale, max_attempts_per_ip: 3, failure_share: 0.95, window: window(0.15, 0.85) },
    brute_force: { ips: count(3), attempts_per_s_per_ip: 0.8, failure_share: 0.98, window: window(0.5, 0.5 + Math.min(0.35, 240 / duration)) },
    probe: { scanners: count(5), requests_per_s: 5 },
    // Monitors and SEO tools do not grow with the audience: not scaled.
    good_bot_harmless: { monitor_interval_s: 60, healthcheck_interval_s: 15, seo_requests_per_s: 0.25 },
  };
}
