/**
 * Every range a world is drawn from, in one typed object: the documentation of what the
 * simulator's worlds cover (`simulator/README.md` prints it, checked by a test).
 *
 * Numbers are drawn uniformly between `min` and `max`, or log-uniformly with `log` (sizes and
 * rates that span orders of magnitude); `scaled` ones are then multiplied by the world's scale.
 * Choices are drawn by weight. Rates are per second of event time; durations in seconds.
 */
import type { AttackClass, AttackerNetwork, TrafficShape, UserAgentStrategy } from '../scenario.js';

export interface NumberRange {
  readonly min: number;
  readonly max: number;
  /** Log-uniform (else uniform). */
  readonly log?: boolean;
  /** Rounded to an integer. */
  readonly integer?: boolean;
  /** Multiplied by the world's scale after drawing. */
  readonly scaled?: boolean;
  readonly doc: string;
}

export interface ChoiceRange<T extends string> {
  readonly choices: readonly (readonly [number, T])[];
  readonly doc: string;
}

export interface AttackerRanges {
  readonly network: ChoiceRange<AttackerNetwork>;
  readonly user_agent: ChoiceRange<UserAgentStrategy>;
  /**
   * The attack's activity window, as a fraction of the world's duration; it starts anywhere it
   * fits. Absent for the floods (their own duration) and hoarding (the release decides).
   */
  readonly length?: NumberRange;
  /** When `length` is absent: what decides the window. */
  readonly window?: string;
  /** Whose client `copy_human` copies and whose endpoints it uses; absent: the website's. */
  readonly copies?: ChoiceRange<'web' | 'app'>;
}

const r = (min: number, max: number, doc: string, flags: Partial<Pick<NumberRange, 'log' | 'integer' | 'scaled'>> = {}): NumberRange => ({ min, max, doc, ...flags });
const c = <T extends string>(doc: string, ...choices: (readonly [number, T])[]): ChoiceRange<T> => ({ choices, doc });
const ALL_UA: (readonly [number, UserAgentStrategy])[] = [[1, 'automation'], [1, 'rotating_browser'], [1, 'browser_non_browser_ja4'], [1, 'none'], [1, 'copy_human']];
const net = (hosting: number, abroad: number, customers: number): ChoiceRange<AttackerNetwork> =>
  c('where its addresses come from', [hosting, 'hosting'], [abroad, 'proxy_abroad'], [customers, 'proxy_customers']);
const ua = (doc: string, ...choices: (readonly [number, UserAgentStrategy])[]): ChoiceRange<UserAgentStrategy> => c(doc, ...choices);
const length = (min: number, max: number): NumberRange => r(min, max, 'activity window, fraction of the run');

export const WORLD_RANGES = {
  shop: {
    products: r(200, 60_000, 'catalogue size', { log: true, integer: true }),
    popularity_exponent: r(0.6, 1.4, 'Zipf exponent of product views'),
    sessions_per_s: r(0.8, 10, 'human sessions starting per second: website, single-page app and mobile app together', { log: true, scaled: true }),
    traffic_shape: c<TrafficShape['kind']>('sessions over the run', [3, 'flat'], [2, 'rising'], [2, 'falling'], [2, 'wave'], [2, 'spike']),
    shape_amplitude: r(0.1, 0.8, 'rising/falling/wave: ± this; spike: × (1 + 4 × this)'),
    shape_at: r(0, 1, 'spike start or wave phase, fraction of the run'),
    shape_length_s: r(60, 600, 'spike length or wave period', { log: true }),
    think_median_s: r(4, 20, 'median time on a page or screen'),
    bounce_share: r(0.2, 0.6, 'web sessions that leave after one page'),
    mean_pages: r(2, 9, 'mean pages (views, screens) after the first'),
    origin_capacity_factor: r(1.5, 8, "origin capacity, × the world's estimated normal origin load", { log: true }),
    origin_latency_ms: r(20, 250, 'median origin response time when idle', { log: true }),
  },
  audience: {
    mobile_share: r(0.3, 0.8, 'web browsers on phones (carrier NAT /24s or IPv6)'),
    carrier_prefixes: r(2, 60, 'NAT /24s per mobile carrier: fewer means more phones per /24 and per address', { log: true, integer: true }),
    mobile_ipv6_share: r(0, 0.6, 'phones on IPv6'),
    shared_groups: r(1, 30, 'offices and carrier NATs, one address each (human_shared_ip)', { log: true, integer: true, scaled: true }),
    shared_group_users_max: r(20, 300, 'most people behind one of those addresses (the least: a quarter of it)', { log: true, integer: true }),
    office_share: r(0.2, 0.8, 'shared addresses that are offices (the rest carrier NATs)'),
    spa_share: r(0.05, 0.6, 'web sessions on the single-page app (human_spa)'),
    app_share: r(0.05, 0.6, 'sessions from the mobile app (human_app)'),
    app_nat_share: r(0.3, 0.95, 'app users behind a carrier NAT exit shared by many'),
    app_users_per_nat_exit: r(50, 500, 'app users (sessions) per NAT exit over the run', { log: true }),
    app_low_score_share: r(0.02, 0.4, 'app users Bot Management scores under 30'),
    http3_share: r(0, 0.45, 'browsers and iOS app clients on HTTP/3'),
    false_positive_share: r(0.003, 0.03, 'web humans Bot Management scores 10–29'),
  },
  bots: {
    clouds: r(2, 5, 'hosting networks the hosting-based bots, monitors, SEO crawlers and link previews all share', { integer: true }),
    cloud_prefixes: r(4, 120, 'shared /24s per cloud network', { log: true, integer: true }),
    proxy_on_customer_nat_share: r(0, 0.3, "proxy_customers addresses that are one of the app users' NAT exits (each exit lends itself to 3 attacker addresses at most)"),
    proxy_in_customer_prefixes: r(0.05, 0.5, "other proxy_customers addresses that are phones in the carrier /24s the shop's own phones use (the rest: elsewhere on the same carriers and home ISPs)"),
    googlebot_pages_per_s: r(1, 20, 'Googlebot crawl rate (from its published ranges)', { log: true, scaled: true }),
    bingbot_pages_per_s: r(0.5, 8, 'Bingbot crawl rate (from its published ranges)', { log: true, scaled: true }),
    link_previews: r(5, 200, 'link-preview fetches of the released product (Slack, Facebook, Discord)', { log: true, integer: true }),
  },
  release: {
    at: r(0.15, 0.75, 'when the product goes on sale, fraction of the run'),
    buyers: r(100, 2_500, 'real buyers in the rush (human_release_rush)', { log: true, integer: true, scaled: true }),
    stock: r(20, 2_000, 'units for sale', { log: true, integer: true, scaled: true }),
    rush_s: r(20, 240, 'buyers arrive over about this long after the release', { log: true }),
    app_share: r(0.2, 0.8, 'buyers using the app'),
    early_share: r(0.1, 0.6, 'buyers who come early and refresh until the release'),
    hoarding_tasks: r(20, 400, 'inventory-hoarding bot tasks', { log: true, integer: true, scaled: true }),
    hoarding_requests_per_address: r(3, 50, 'requests per proxy address before a task rotates', { log: true, integer: true }),
    hoarding_lead_s: r(5, 120, 'tasks start polling the product this long before the release', { log: true }),
    hoarding_duration_s: r(60, 300, 'tasks keep trying this long after the release'),
  },
  l7_flood: {
    multiplier: r(5, 50, 'full rate, × the busiest second of the minute before', { log: true }),
    duration_s: r(10, 180, 'length, shortened to fit the request budget', { log: true }),
    requests_per_address: r(1, 50, 'requests per address; the pool follows (rate × length / this), then the pool is clamped and this recomputed', { log: true }),
    pool: r(500, 50_000, 'addresses in the botnet (the clamp)', { log: true, integer: true }),
    max_requests: r(400_000, 400_000, 'request budget of one flood (keeps 20 worlds × 2 variants near 10 minutes)', { scaled: true }),
    target: c<'search' | 'home' | 'product'>('what it asks for, always past the cache', [2, 'search'], [1, 'home'], [1, 'product']),
    rotating_share: r(0, 0.3, 'requests through a proxy giving each a fresh address'),
  },
  api_flood: {
    multiplier: r(5, 50, 'full rate, × the busiest second of the minute before', { log: true }),
    duration_s: r(10, 120, 'length', { log: true }),
    max_requests_per_address: r(1, 3, 'each address sends 1…this many requests, then is done', { integer: true }),
    pool: r(10_000, 50_000, 'addresses (rate × length / mean requests per address, clamped to this)', { log: true, integer: true, scaled: true }),
    endpoint: c<'search' | 'product' | 'cart'>('the API endpoint', [2, 'search'], [1, 'product'], [1, 'cart']),
  },
  attacks: {
    fake_googlebot_addresses: r(1, 8, 'fake Googlebot addresses', { integer: true }),
    fake_googlebot_rate: r(0.3, 3, 'requests per second per fake Googlebot', { log: true }),
    scraper_addresses: r(1, 6, 'classic scraper addresses', { integer: true }),
    scraper_rate: r(0.3, 3, 'requests per second per classic scraper address', { log: true }),
    rotating_rate: r(1, 20, 'rotating scraper requests per second (a new address each)', { log: true, scaled: true }),
    headless_workers: r(2, 40, 'headless browsers in the fleet', { log: true, integer: true, scaled: true }),
    headless_interval_s: r(2, 15, 'seconds between pages of one headless worker', { log: true }),
    headless_pages_per_address: r(1, 20, 'pages before a headless worker rotates its address', { log: true, integer: true }),
    api_scraper_rate: r(0.5, 10, 'app-API scraper requests per second', { log: true, scaled: true }),
    api_scraper_requests_per_address: r(1, 30, 'app-API scraper requests per address', { log: true, integer: true }),
    low_slow_addresses: r(1, 5, 'low-and-slow scraper addresses', { integer: true }),
    low_slow_gap_s: r(8, 60, 'mean seconds between its requests (±50%)', { log: true }),
    stuffing_rate: r(0.5, 15, 'credential-stuffing attempts per second', { log: true, scaled: true }),
    stuffing_attempts_per_address: r(1, 5, 'most attempts per address', { integer: true }),
    brute_force_addresses: r(1, 5, 'brute-force addresses', { integer: true }),
    brute_force_rate: r(0.2, 2, 'attempts per second per brute-force address', { log: true }),
    scanners: r(1, 10, 'vulnerability scanners', { integer: true }),
    scanner_rate: r(1, 10, 'requests per second per scanner', { log: true }),
  },
  attackers: {
    fake_googlebot: { network: net(3, 1, 1), user_agent: ua("always Googlebot's", [1, 'automation']), length: length(0.2, 0.8) },
    l7_flood: { network: net(1, 1, 1), user_agent: ua('any', ...ALL_UA), window: 'its duration_s, starting after the first minute' },
    api_flood: { network: net(1, 2, 2), user_agent: ua('any; copy_human copies the app or a browser', ...ALL_UA), copies: c('whose client', [1, 'web'], [2, 'app']), window: 'its duration_s, starting after the first minute' },
    scraper: { network: net(3, 1, 1), user_agent: ua('mostly its own', [3, 'automation'], [2, 'browser_non_browser_ja4'], [1, 'rotating_browser'], [1, 'none']), length: length(0.15, 0.8) },
    scraper_rotating: { network: net(2, 1, 1), user_agent: ua('mostly browser-like', [3, 'rotating_browser'], [2, 'browser_non_browser_ja4'], [1, 'automation'], [1, 'copy_human']), length: length(0.3, 0.9) },
    scraper_headless: { network: net(4, 1, 1), user_agent: ua('automation: HeadlessChrome in the User-Agent; copy_human: a current Chrome (stealth)', [1, 'automation'], [2, 'copy_human']), length: length(0.3, 0.9) },
    scraper_api: { network: net(1, 2, 3), user_agent: ua("always a copy of the app's", [1, 'copy_human']), length: length(0.2, 0.8), copies: c('the app', [1, 'app']) },
    scraper_low_slow: { network: net(1, 1, 2), user_agent: ua('browser-like', [2, 'browser_non_browser_ja4'], [2, 'copy_human'], [1, 'rotating_browser'], [1, 'automation']), length: length(0.5, 1) },
    credential_stuffing: { network: net(1, 2, 2), user_agent: ua('any', ...ALL_UA), length: length(0.15, 0.8), copies: c("the website's login form or the app's login API", [1, 'web'], [1, 'app']) },
    brute_force: { network: net(3, 1, 1), user_agent: ua('mostly tools', [3, 'automation'], [2, 'browser_non_browser_ja4'], [1, 'none'], [1, 'rotating_browser']), length: length(0.05, 0.5) },
    inventory_hoarding: { network: net(1, 2, 3), user_agent: ua('mostly copies of the buyers', [3, 'copy_human'], [2, 'rotating_browser'], [1, 'browser_non_browser_ja4'], [1, 'automation']), copies: c("the website's cart or the app's", [1, 'web'], [1, 'app']), window: 'the release, from hoarding_lead_s before to hoarding_duration_s after' },
    probe: { network: net(3, 1, 1), user_agent: ua('mostly scanners', [3, 'automation'], [2, 'browser_non_browser_ja4'], [1, 'none'], [1, 'rotating_browser']), length: length(1, 1) },
  } satisfies Record<AttackClass, AttackerRanges>,
} as const;
