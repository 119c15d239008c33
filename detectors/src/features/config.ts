/**
 * Configuration of the feature extractor: how botsieve classifies a request before any detector
 * sees it (what is a login, a failed login, a sensitive path, an asset), and the traffic context
 * (route spikes, origin load). Patterns are data users tune, validated and compiled once at boot.
 */
import { z } from 'zod';

const pathPattern = z.string().min(1).max(512);

export const classifyConfigSchema = z
  .strictObject({
    /**
     * Login endpoints: a request is a login attempt when its method is in `login_methods` and its
     * path matches one of these (a plain string matches as a prefix; `re:` starts a regex).
     */
    login_paths: z.array(pathPattern).default(['/login', '/signin', '/account/login', '/api/login', '/user/login', '/wp-login.php', 're:^/(api/)?(v\\d+/)?(auth|session)s?(/login)?$']).describe('Login endpoints (prefix, or `re:` + regex on the path).'),
    login_methods: z.array(z.string().min(1)).default(['POST']).describe('Methods of a login attempt.'),
    login_failure_statuses: z.array(z.number().int().min(100).max(599)).default([401, 403, 422]).describe('Edge statuses that mean a login attempt failed.'),
    /**
     * Sensitive or probing paths (`.env`, `.git/`, admin panels, backups): a plain string matches
     * anywhere in the lower-cased path; `re:` starts a regex.
     */
    sensitive_paths: z
      .array(pathPattern)
      .default(['/.env', '/.git/', '/.svn/', '/.hg/', '/.ds_store', '/wp-config', '/phpmyadmin', '/pma/', '/adminer', '/.aws/', '/.ssh/', '/server-status', '/actuator', '/config.json', '/.htpasswd', '/xmlrpc.php', '/cgi-bin/', '/vendor/phpunit', '/solr/', 're:\\.(sql|bak|old|backup|swp|tar|tgz|zip|7z|gz)$', 're:^/(admin|administrator|manager)(/|$)', 're:^/wp-(login|admin)'])
      .describe('Sensitive paths (substring of the lower-cased path, or `re:` + regex).'),
    /** Paths that are never probes even if they match (e.g. a shop whose admin is legitimately at /admin). */
    sensitive_paths_except: z.array(pathPattern).default([]).describe('Paths never counted as probes (same syntax).'),
    /** File extensions of assets a browser loads with a page. */
    asset_extensions: z
      .array(z.string().regex(/^[a-z0-9]+$/))
      .default(['css', 'js', 'mjs', 'map', 'png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'svg', 'ico', 'woff', 'woff2', 'ttf', 'otf', 'eot', 'mp4', 'webm', 'mp3', 'json'])
      .describe('File extensions of assets (lower case, no dot).'),
    /** Path prefixes of API calls (JSON/XHR), counted as `api`, not pages. */
    api_prefixes: z.array(pathPattern).default(['/api/', '/graphql', '/_next/data/', '/ajax/']).describe('Path prefixes of API calls.'),
    /** Bot Management scores below this are "low" (Cloudflare's likely-automated band is 2–29). */
    low_score_below: z.number().int().min(2).max(99).default(30).describe('Bot Management scores below this are low (likely automated).'),
    /** Path segments kept in a route (host + path group); deeper segments are dropped. */
    route_depth: z.number().int().min(1).max(8).default(2).describe('Path segments kept in a route (host + path group).'),
    /**
     * Cart and checkout endpoints (add to cart, checkout, order): what inventory hoarding hammers
     * at a release. A plain string matches as a prefix of the lower-cased path; `re:` a regex.
     */
    cart_paths: z.array(pathPattern).default(['/cart', '/basket', '/checkout', '/order', '/api/cart', '/api/basket', '/api/checkout', '/api/order']).describe('Cart and checkout endpoints (prefix, or `re:` + regex on the path).'),
    /**
     * User agents of mobile and desktop apps' HTTP stacks (regex sources, case-insensitive): real
     * customers' apps talk through them, so they are not automation evidence on their own even
     * where the isbot list names them (okhttp, CFNetwork).
     */
    app_user_agents: z.array(z.string().min(1).max(256)).default(['^okhttp/', '\\bCFNetwork/\\d', '^Dalvik/\\d', '\\bAlamofire/', '^Dart/\\d', '\\bktor-client\\b']).describe('Regex sources (case-insensitive) of app HTTP stacks\' user agents: not automation evidence on their own.'),
  })
  .prefault({});

export const clientMemoryConfigSchema = z
  .strictObject({
    /**
     * How long a client address is remembered (event time): a request counts as from a new client
     * when its address sent nothing within the last `horizon_ms` to 2 × `horizon_ms`.
     */
    horizon_ms: z.number().int().min(10_000).max(86_400_000).default(600_000).describe('How long client addresses are remembered (event time): an address with no request within this (up to twice this) is new.'),
    capacity: z.number().int().min(1_000).max(50_000_000).default(1_000_000).describe('Addresses per horizon the client memory holds at about 1 % false positives (memory fixed at ~13 bytes per address: seen and browsed filters, two generations each, ~4.8 bytes; the session table, capacity / 2 slots of 16 bytes, 8 bytes).'),
  })
  .prefault({});

export const trafficContextConfigSchema = z
  .strictObject({
    /** Event-time step of the traffic context (route rates, origin load). */
    step_ms: z.number().int().min(100).max(60_000).default(1_000).describe('Event-time step of route rates and origin load.'),
    /** A route spikes when its requests in the current step exceed `spike_factor` × its baseline's upper bound. */
    spike_factor: z.number().min(1.5).default(4).describe('A route spikes when its requests in a step exceed this × its baseline upper bound.'),
    /** …and at least this many requests per step (small routes never spike). */
    spike_min_requests: z.number().int().positive().default(50).describe('Least requests per step on a spiking route.'),
    spike_hold_ms: z.number().int().nonnegative().default(30_000).describe('A route stays flagged as spiking this long after its last spiking step.'),
    /** EWMA weight of one step in the route baselines (0.01 ≈ the last 100 steps). */
    baseline_alpha: z.number().gt(0).max(1).default(0.02).describe('EWMA weight of one step in route and origin baselines.'),
    baseline_warmup_steps: z.number().int().positive().default(30).describe('Steps before a baseline is trusted (no spike before).'),
    origin_latency_factor: z.number().min(1).default(3).describe('The origin is loaded when its mean response time in a step exceeds this × its baseline…'),
    origin_latency_min_ms: z.number().int().nonnegative().default(500).describe('…and at least this many ms.'),
    /** Or when this share of its responses in a step are 5xx (with at least 20 responses). */
    origin_error_share: z.number().gt(0).max(1).default(0.1).describe('The origin is also loaded when this share of its responses in a step are 5xx.'),
    load_hold_ms: z.number().int().nonnegative().default(15_000).describe('Origin load stays flagged this long after the last loaded step.'),
    /** Most routes tracked (bounded; least recently seen evicted). */
    max_routes: z.number().int().positive().max(1_000_000).default(10_000).describe('Most routes tracked at once.'),
  })
  .prefault({});

export type ClassifyConfig = z.output<typeof classifyConfigSchema>;
export type TrafficContextConfig = z.output<typeof trafficContextConfigSchema>;
export type ClientMemoryConfig = z.output<typeof clientMemoryConfigSchema>;
