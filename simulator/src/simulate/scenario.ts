/**
 * The simulator's scenario: every population's size, rate and timing as one typed object, so
 * tests and the evaluation can build smaller or reshaped variants (`defaultScenario({...})`, then
 * override fields), and worlds (`worldScenario(drawWorld(seed))`) can draw them all.
 *
 * Rates are in requests (or sessions) per second of event time and already multiplied by
 * `scale`; windows are seconds from the start of the run.
 *
 * Fields worlds added (request protocol, traffic shape, shared networks, attacker profiles, the
 * seven world classes) default to what the original scenario did, so the default output stays
 * byte-identical: `request_protocol` off, a flat shape, `networks: null` (each population draws
 * its own addresses, as before) and no attacker profiles (each attack its original client).
 */
import type { SimulatedCrawlerRanges } from './addresses.js';
import type { AttackClass, TrafficClass } from './classes.js';

export { ALL_CLASSES, TRAFFIC_CLASSES, WORLD_CLASSES, HUMAN_CLASSES, ATTACK_CLASSES } from './classes.js';
export type { TrafficClass, AttackClass } from './classes.js';
export { defaultScenario, DEFAULT_START } from './default-scenario.js';

/** An activity window, seconds from the start of the run. */
export interface Window {
  start_s: number;
  end_s: number;
}

/** Where an attacker's addresses come from. */
export type AttackerNetwork =
  /** Cloud and VPS networks: the same /24s the world's monitors and other bots use. */
  | 'hosting'
  /** Residential proxy pools abroad (resold consumer lines in BR, IN, VN, ID, TR). */
  | 'proxy_abroad'
  /** Residential and mobile proxies on the shop's own customers' ISPs and carrier NATs. */
  | 'proxy_customers';

/** What an attacker says it is. */
export type UserAgentStrategy =
  /** One automation User-Agent with its library's TLS (python-requests, Go, Scrapy, Hydra…). */
  | 'automation'
  /** A different real browser User-Agent per address, with that browser's TLS (impersonation). */
  | 'rotating_browser'
  /** A browser User-Agent over a library's TLS stack (the JA4 gives it away). */
  | 'browser_non_browser_ja4'
  /** No User-Agent header at all. */
  | 'none'
  /** The exact User-Agent and fingerprint of the shop's own clients (a browser, or the app). */
  | 'copy_human';

export interface AttackerProfile {
  network: AttackerNetwork;
  user_agent: UserAgentStrategy;
  /** Whose client `copy_human` copies (and whose endpoints the attack uses): the website or the app. */
  copies: 'web' | 'app';
}

/** Human arrivals over the run, as a multiplier of the session rates. */
export interface TrafficShape {
  kind: 'flat' | 'rising' | 'falling' | 'wave' | 'spike';
  /** rising/falling: ±amplitude from start to end; wave: ±amplitude; spike: × (1 + 4 × amplitude). */
  amplitude: number;
  /** spike: when it starts (s from the start); wave: phase. */
  at_s: number;
  /** spike: how long it lasts; wave: its period. */
  length_s: number;
}

/** Networks shared between populations in worlds (see pools.ts). */
export interface NetworkPlan {
  /** ASNs of the hosting networks the world's hosting-based bots, crawlers and monitors share. */
  clouds: readonly number[];
  /** /24s drawn per cloud network, which all of them use. */
  cloud_prefixes: number;
  /** NAT /24s per mobile carrier (fewer: more handsets per /24 and per address). */
  carrier_prefixes: number;
  /** Carrier NAT exits shared by many app users and release buyers (hundreds of people each). */
  cgnat_exits: number;
  /** `proxy_customers`: share of proxy addresses that are one of those very NAT exits. */
  proxy_on_customer_nat_share: number;
  /** `proxy_customers`: share of the other proxy addresses inside the carrier /24s the shop's phones use. */
  proxy_in_customer_prefixes: number;
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
  /** Write ClientRequestProtocol (HTTP/1.1, HTTP/2, HTTP/3) on every record: on in worlds, off in the default scenario. */
  request_protocol: boolean;
  /** Share of browsers (and iOS app clients) on HTTP/3 when request_protocol is on; JA4 then starts with `q`. */
  http3_share: number;
  /** Output order follows event time plus up to this much delay (Logpush is not strictly ordered). */
  jitter_ms: number;
  host: string;
  /** Populations to generate (default: TRAFFIC_CLASSES). */
  classes: readonly TrafficClass[];
  /** Human arrivals over time (flat by default). */
  traffic_shape: TrafficShape;
  /** Shared networks (worlds); null: every population draws its own, as the default scenario always did. */
  networks: NetworkPlan | null;
  /** Network and client of each attack; an attack without a profile uses its original client. */
  attackers: Partial<Record<AttackClass, AttackerProfile>>;
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
    /** Browsers on phones; null: the default audience table (~46% mobile). */
    mobile_share: number | null;
    /** Phones on IPv6 (the rest behind carrier NAT on IPv4). */
    mobile_ipv6_share: number;
    home_ipv6_share: number;
  };
  human_shared_ip: {
    /** Offices and carrier NATs, each one IPv4 address shared by `users_min`–`users_max` people. */
    groups: number;
    users_min: number;
    users_max: number;
    /** Groups that are offices (desktop browsers); the rest are mobile carrier NATs. */
    office_share: number;
  };
  /** Shoppers on the single-page app: one page load, then XHR calls to /api/… */
  human_spa: {
    sessions_per_s: number;
    /** Mean client-side views after the landing page. */
    mean_views: number;
    /** Background calls while the tab is open (cart poll, analytics beacon), seconds apart. */
    background_interval_s: number;
  };
  /** The mobile app: API calls only, no assets, an HTTP library's User-Agent. */
  human_app: {
    sessions_per_s: number;
    mean_screens: number;
    /** App users behind a shared carrier NAT exit (`networks.cgnat_exits`). */
    nat_share: number;
    /** App users Bot Management scores below 30 (no JavaScript detections inside an app). */
    low_score_share: number;
    /** iOS (CFNetwork) users; the rest Android (okhttp). */
    ios_share: number;
  };
  /** A product release: one product goes on sale at `at_s` with limited stock. */
  release: {
    at_s: number;
    /** Units for sale; cart adds after they are gone get 409. */
    stock: number;
  };
  human_release_rush: {
    buyers: number;
    /** Arrivals after the release spread over about this long (exponential, mean a third of it). */
    rush_s: number;
    /** Buyers using the app (the rest the website). */
    app_share: number;
    /** Buyers who arrive up to two minutes early and refresh until the release. */
    early_share: number;
  };
  inventory_hoarding: {
    /** Bot tasks (each one checkout account after another). */
    tasks: number;
    /** Requests a task sends from one proxy address before it rotates. */
    requests_per_address: number;
    /** Tasks start polling the product this long before the release. */
    lead_s: number;
    /** How long after the release the tasks keep trying. */
    duration_s: number;
  };
  verified_crawler: {
    googlebot_pages_per_s: number;
    googlebot_ips: number;
    bingbot_pages_per_s: number;
    bingbot_ips: number;
    ranges: SimulatedCrawlerRanges;
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
    /** What it requests, always uncacheable: `/search?q=<random>`, `/?<random>` or `/product/<random id>`. */
    target: 'search' | 'home' | 'product';
    /** Worlds: the flood stops after this many requests (its share of the world's request budget). */
    max_requests: number;
  };
  /** Tens of thousands of addresses, 1–3 requests each, against one API endpoint. */
  api_flood: {
    start_s: number;
    duration_s: number;
    ramp_ms: number;
    peak_multiplier: number;
    fallback_peak_rps: number;
    /** Addresses in the botnet; each sends 1…`max_requests_per_address` requests, then is done. */
    addresses: number;
    max_requests_per_address: number;
    endpoint: 'search' | 'product' | 'cart';
  };
  scraper: { ips: number; requests_per_s_per_ip: number; window: Window };
  scraper_rotating: { requests_per_s: number; proxy_prefixes: number; window: Window };
  /** A fleet of headless browsers: pages with their assets at a steady cadence, one User-Agent, rotating addresses. */
  scraper_headless: {
    workers: number;
    /** Seconds between two pages of one worker (±10%). */
    page_interval_s: number;
    /** Pages a worker loads from one address before its proxy rotates. */
    pages_per_address: number;
    /** `HeadlessChrome` in the User-Agent (else a current Chrome's, stealth plugins). */
    headless_user_agent: boolean;
    window: Window;
  };
  /** Price scraping through the mobile app's API with the app's User-Agent and TLS fingerprint. */
  scraper_api: { requests_per_s: number; requests_per_address: number; window: Window };
  scraper_low_slow: { ips: number; min_gap_s: number; max_gap_s: number; window: Window };
  credential_stuffing: {
    attempts_per_s: number;
    max_attempts_per_ip: number;
    failure_share: number;
    window: Window;
    /** The website's POST /login, or the app's POST /api/auth/login. */
    endpoint: 'web' | 'app';
  };
  brute_force: { ips: number; attempts_per_s_per_ip: number; failure_share: number; window: Window };
  probe: { scanners: number; requests_per_s: number; window: Window };
  good_bot_harmless: {
    /** External uptime checks (UptimeRobot, Pingdom) per monitored URL. */
    monitor_interval_s: number;
    /** The site's own blackbox health check. */
    healthcheck_interval_s: number;
    /** AhrefsBot's crawl rate on a mid-size shop. */
    seo_requests_per_s: number;
    /** Monitors, SEO crawlers and link previews on the world's shared clouds (`networks.clouds`), beside its scrapers. */
    on_shared_clouds: boolean;
    /** Link-preview fetches (Slack, Facebook, Discord) of the released product around the release. */
    link_previews: number;
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
  /** Crawler IP ranges; default: the shipped bot data (`runtime/data/crawlers.json`), else the built-in ranges. */
  crawler_ranges?: SimulatedCrawlerRanges;
}
