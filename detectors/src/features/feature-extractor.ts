/**
 * FeatureExtractor: classifies each event once (kind, login, probe, user agent, verification,
 * safelists, traffic context) into EventFeatures that every detector shares. Everything tunable
 * is compiled at construction; per event there are string checks, two cached lookups (user agent,
 * JA4), the exemption's check (an IP cache hit for most events) and the traffic context's two map
 * updates.
 */
import type { RequestEvent } from '@botsieve/core';
import { ClientExemption, type UserAgentBots } from '@botsieve/runtime';
import { blankFeatures, type EventFeatures, type RequestKind } from '../engine/features.js';
import { OpenSlot } from '../engine/summary-builder.js';
import { MAX_CACHED_USER_AGENT_LENGTH, UserAgentClassifier, ja4LooksLikeBrowser } from '../heuristics/index.js';
import { BoundedMap, hash32 } from '../sketch/index.js';
import type { CrawlerDirectory, Safelist } from '../safelist/index.js';
import { ClientMemory } from './client-memory.js';
import type { ClassifyConfig, ClientMemoryConfig, TrafficContextConfig } from './config.js';
import { PathPatterns } from './path-patterns.js';
import { PathFacts, type PathFactsDeps } from './path-facts.js';
import { looksCacheBusting } from './route.js';
import { RouteNames } from './route-names.js';
import { TrafficContext } from './traffic-context.js';

/**
 * ClientRequestSource values of requests that Cloudflare's own systems made (Logpush docs,
 * "ClientRequestSource field"): a zone's Worker fetching, caching or reading KV on behalf of a
 * visitor (the visitor's own request is logged apart, as `eyeball`, so it is still judged: acting on
 * the subrequest too would count the visitor twice), purges, Always Online, health checks, Image
 * Resizing, the SSL detector and Early Hints. None is a client to act on: they count as safelisted
 * (never acted on, detectors skip them). Left out on purpose: `eyeball`, `inBrowserChallenge` (a
 * visitor's request), `orangeToOrange` (another Cloudflare customer's zone, e.g. a scraper running
 * on Workers) and `unknown`. Events without the field (no Bot Management needed, but older records
 * and origins lack it) are unaffected.
 */
const CLOUDFLARE_SYSTEM_SOURCES: ReadonlySet<string> = new Set([
  'edgeWorkerFetch',
  'edgeWorkerCacheAPI',
  'edgeWorkerKV',
  'purge',
  'alwaysOnline',
  'healthcheck',
  'imageResizing',
  'sslDetector',
  'earlyHintsCache',
]);

function isCloudflareSystemRequest(source: string | null | undefined): boolean {
  return source !== undefined && source !== null && CLOUDFLARE_SYSTEM_SOURCES.has(source);
}

/** A user agent's class (UserAgentClassifier), its known bots (ClientExemption) and its hash for the sketches. */
class UserAgentInfo {
  /** The summary builder's open `ua:` summary of this user agent (see OpenSlot). */
  readonly slot = new OpenSlot();
  constructor(
    /** On the isbot list and not an app's HTTP stack. */
    readonly automation: boolean,
    /** An app's HTTP stack (classify.app_user_agents). */
    readonly app: boolean,
    readonly browser: boolean,
    readonly crawler: string,
    readonly hash: number,
    /** The known bots whose pattern it matches (`ClientExemption.userAgentBots`). */
    readonly bots: UserAgentBots,
  ) {}
}

/** A JA4's browser shape, and the builder's open `ja4:` summary of it. */
class Ja4Info {
  readonly slot = new OpenSlot();
  constructor(readonly browser: boolean) {}
}

export interface FeatureExtractorDeps {
  safelist: Safelist;
  crawlers: CrawlerDirectory;
  /** Client memory settings; default: the schema's. */
  clients?: ClientMemoryConfig;
}

const DEFAULT_CLIENT_MEMORY: ClientMemoryConfig = { horizon_ms: 600_000, capacity: 1_000_000 };

export class FeatureExtractor {
  readonly traffic: TrafficContext;
  private readonly loginMethods: ReadonlySet<string>;
  private readonly loginFailures: ReadonlySet<number>;
  private readonly paths: PathFacts;
  private readonly appUserAgents: RegExp | null;
  private readonly clients: ClientMemory;
  private readonly userAgents: UserAgentClassifier;
  private readonly ja4Info = new BoundedMap<string, Ja4Info>(10_000);
  /**
   * The last extracted event's cached `ua:` and `ja4:` slots (null when it has none or it is not
   * cached): the SummaryBuilder finds those open summaries through them, without hashing the
   * ~70- and 36-character strings again (it did, per event, in its per-step Maps).
   */
  uaSlot: OpenSlot | null = null;
  ja4Slot: OpenSlot | null = null;
  private readonly uaInfo = new BoundedMap<string, UserAgentInfo>(10_000);
  private readonly emptyUa: UserAgentInfo;
  private readonly out: EventFeatures;
  private readonly routes: RouteNames;
  /**
   * Verified and safelisted come from the one exemption every enforcement path asks
   * (runtime/src/exemption): an event the edge and the origins would never act on is never seen
   * by a detector either, so no population (prefix, ASN, JA4, UA) is judged on verified traffic.
   */
  private readonly exemption: ClientExemption;

  constructor(
    private readonly config: ClassifyConfig,
    traffic: TrafficContextConfig,
    deps: FeatureExtractorDeps,
  ) {
    this.loginMethods = new Set(config.login_methods.map((m) => m.toUpperCase()));
    this.loginFailures = new Set(config.login_failure_statuses);
    const paths: PathFactsDeps = {
      login: new PathPatterns(config.login_paths, 'prefix', 'classify.login_paths'),
      sensitive: new PathPatterns(config.sensitive_paths, 'substring', 'classify.sensitive_paths'),
      sensitiveExcept: new PathPatterns(config.sensitive_paths_except, 'substring', 'classify.sensitive_paths_except'),
      assetExtensions: new Set(config.asset_extensions),
      apiPrefixes: new PathPatterns(config.api_prefixes, 'prefix', 'classify.api_prefixes'),
      cartPaths: new PathPatterns(config.cart_paths, 'prefix', 'classify.cart_paths'),
    };
    this.paths = new PathFacts(paths);
    // One alternation compiled once; matched once per distinct user agent (cached in uaInfo).
    this.appUserAgents = config.app_user_agents.length === 0 ? null : new RegExp(config.app_user_agents.map((source) => `(?:${source})`).join('|'), 'i');
    this.clients = new ClientMemory(deps.clients ?? DEFAULT_CLIENT_MEMORY);
    this.userAgents = new UserAgentClassifier(deps.crawlers);
    this.exemption = new ClientExemption({ safelist: deps.safelist, bots: deps.crawlers });
    this.traffic = new TrafficContext(traffic);
    this.routes = new RouteNames(config.route_depth);
    this.emptyUa = new UserAgentInfo(false, false, false, '', hash32(''), this.exemption.userAgentBots(''));
    this.out = blankFeatures();
  }

  /**
   * The features of `event`, in one object reused for every event (read it before the next call;
   * detectors and rules never keep it). Allocating one per event was ~200 of the ~1,850 bytes
   * the engine allocated per event (sampled allocation profile, simulator traffic).
   */
  extract(event: RequestEvent): EventFeatures {
    const out = this.out;
    const path = event.path;
    const pathHash = hash32(path);
    const paths = this.paths;
    const facts = paths.of(path, pathHash);
    const method = event.method;
    const status = event.status;
    const route = this.routes.of(event.host, path);
    const kind = this.kindOf(event, facts);
    const login = (facts & PathFacts.LOGIN) !== 0 && this.loginMethods.has(method);
    const ua = this.userAgent(event.user_agent);
    const ja4 = event.ja4;
    const browserJa4 = ja4 === null || ja4 === '' ? true : this.browserJa4(ja4);
    if (ja4 === null || ja4 === '') this.ja4Slot = null;
    const botScore = event.bot_score;
    const exemption = this.exemption.checkWith(event, ua.bots);
    const verified = exemption !== null && exemption.reason === 'verified_bot';
    const flags = this.traffic.observe(event, route);
    out.route = route;
    out.kind = kind;
    out.login = login;
    out.login_failed = login && this.loginFailures.has(status);
    out.probe = (facts & PathFacts.PROBE) !== 0;
    out.not_found = status === 404 || status === 410;
    out.client_error = status >= 400 && status < 500;
    out.server_error = status >= 500 || event.origin_status >= 500;
    out.cache_busting = (kind === 'page' || kind === 'api') && looksCacheBusting(event.uri);
    out.numeric_id = kind === 'page' ? paths.numericId : -1;
    out.has_bot_management = botScore !== null;
    out.low_score = botScore !== null && botScore < this.config.low_score_below;
    out.verified = verified;
    const ipHash = hash32(event.ip);
    out.safelisted = (exemption !== null && !verified) || isCloudflareSystemRequest(event.client_request_source);
    out.automation_ua = ua.automation && !verified;
    out.browser_ua = ua.browser;
    out.claimed_crawler = ua.crawler;
    out.ua_ja4_mismatch = ua.browser && !browserJa4;
    out.app_ua = ua.app;
    out.has_referer = event.referer !== '';
    out.cart = (facts & PathFacts.CART) !== 0;
    // A client that names automation (HeadlessChrome, a tool) renders as software: its assets do
    // not make its address a browser's, and its own requests are never a known browser's.
    this.clients.observe(ipHash, event.timestamp_ms, kind === 'asset' && !out.automation_ua, this.routes.hash);
    out.new_client = this.clients.newClient;
    out.in_session = this.clients.inSession;
    out.known_browser = this.clients.knownBrowser && !out.automation_ua;
    out.route_spiking = flags.route_spiking;
    out.origin_loaded = flags.origin_loaded;
    out.ip_hash = ipHash;
    out.ua_hash = ua.hash;
    out.url_hash = kind === 'page' ? hash32(event.uri) : 0;
    out.path_hash = pathHash;
    return out;
  }

  stateSize(): { keys: number; bytes: number } {
    const traffic = this.traffic.stateSize();
    const clients = this.clients.stateSize();
    return { keys: traffic.keys + this.ja4Info.size, bytes: traffic.bytes + this.ja4Info.size * 120 + clients.bytes };
  }

  /** The request's kind from its path's facts, method and content type. */
  private kindOf(event: RequestEvent, facts: number): RequestKind {
    if ((facts & PathFacts.ASSET_EXTENSION) !== 0) return 'asset';
    const type = event.content_type;
    if ((facts & PathFacts.API_PATH) !== 0 || type.startsWith('application/json')) return 'api';
    const method = event.method;
    if (method !== 'GET' && method !== 'HEAD') return 'other';
    if (type.startsWith('text/css') || type.startsWith('image/') || type.startsWith('font/') || type.includes('javascript')) return 'asset';
    if ((facts & PathFacts.PAGE_EXTENSION) !== 0 || type.startsWith('text/html')) return 'page';
    return 'other';
  }

  /** The user agent's class and hash, cached per user agent (one lookup, no re-hash of a ~70-character string). */
  private userAgent(ua: string): UserAgentInfo {
    if (typeof ua !== 'string' || ua === '') {
      this.uaSlot = this.emptyUa.slot;
      return this.emptyUa;
    }
    this.uaSlot = null;
    const cached = this.uaInfo.get(ua);
    if (cached !== undefined) {
      this.uaSlot = cached.slot;
      return cached;
    }
    const cls = this.userAgents.classify(ua);
    const app = this.appUserAgents !== null && this.appUserAgents.test(ua);
    const info = new UserAgentInfo(cls.automation && !app, app, cls.browser, cls.crawler, hash32(ua), this.exemption.userAgentBots(ua));
    if (ua.length <= MAX_CACHED_USER_AGENT_LENGTH) {
      this.uaInfo.set(ua, info);
      this.uaSlot = info.slot;
    }
    return info;
  }

  private browserJa4(ja4: string): boolean {
    let known = this.ja4Info.get(ja4);
    if (known === undefined) {
      known = new Ja4Info(ja4LooksLikeBrowser(ja4));
      this.ja4Info.set(ja4, known);
    }
    this.ja4Slot = known.slot;
    return known.browser;
  }
}
