/**
 * FeatureExtractor: classifies each event once (kind, login, probe, user agent, verification,
 * safelists, traffic context) into EventFeatures that every detector shares. Everything tunable
 * is compiled at construction; per event there are string checks, two cached lookups (user agent,
 * JA4) and the traffic context's two map updates.
 */
import type { RequestEvent } from '@botsieve/core';
import type { EventFeatures, RequestKind } from '../engine/features.js';
import { UserAgentClassifier, ja4LooksLikeBrowser } from '../heuristics/index.js';
import { BoundedMap, hash32 } from '../sketch/index.js';
import type { CrawlerDirectory, Safelist } from '../safelist/index.js';
import type { ClassifyConfig, TrafficContextConfig } from './config.js';
import { PathPatterns } from './path-patterns.js';
import { extensionOf, looksCacheBusting, numericIdOf, routeOf } from './route.js';
import { TrafficContext } from './traffic-context.js';

const VERIFIED_BOT_SOURCE = 'verified bot';

export interface FeatureExtractorDeps {
  safelist: Safelist;
  crawlers: CrawlerDirectory;
}

export class FeatureExtractor {
  readonly traffic: TrafficContext;
  private readonly login: PathPatterns;
  private readonly loginMethods: ReadonlySet<string>;
  private readonly loginFailures: ReadonlySet<number>;
  private readonly sensitive: PathPatterns;
  private readonly sensitiveExcept: PathPatterns;
  private readonly assetExtensions: ReadonlySet<string>;
  private readonly apiPrefixes: PathPatterns;
  private readonly userAgents: UserAgentClassifier;
  private readonly ja4Browser = new BoundedMap<string, boolean>(10_000);

  constructor(
    private readonly config: ClassifyConfig,
    traffic: TrafficContextConfig,
    private readonly deps: FeatureExtractorDeps,
  ) {
    this.login = new PathPatterns(config.login_paths, 'prefix', 'classify.login_paths');
    this.loginMethods = new Set(config.login_methods.map((m) => m.toUpperCase()));
    this.loginFailures = new Set(config.login_failure_statuses);
    this.sensitive = new PathPatterns(config.sensitive_paths, 'substring', 'classify.sensitive_paths');
    this.sensitiveExcept = new PathPatterns(config.sensitive_paths_except, 'substring', 'classify.sensitive_paths_except');
    this.assetExtensions = new Set(config.asset_extensions);
    this.apiPrefixes = new PathPatterns(config.api_prefixes, 'prefix', 'classify.api_prefixes');
    this.userAgents = new UserAgentClassifier(deps.crawlers);
    this.traffic = new TrafficContext(traffic);
  }

  extract(event: RequestEvent): EventFeatures {
    const path = event.path;
    const lowerPath = path.toLowerCase();
    const method = event.method;
    const status = event.status;
    const route = routeOf(event.host, path, this.config.route_depth);
    const kind = this.kindOf(event, lowerPath);
    const login = this.loginMethods.has(method) && this.login.matches(lowerPath);
    const ua = this.userAgents.classify(event.user_agent);
    const ja4 = event.ja4;
    const browserJa4 = ja4 === null || ja4 === '' ? true : this.browserJa4(ja4);
    const botScore = event.bot_score;
    const verified = this.verified(event, ua.crawler);
    const flags = this.traffic.observe(event, route);
    return {
      route,
      kind,
      login,
      login_failed: login && this.loginFailures.has(status),
      probe: this.sensitive.matches(lowerPath) && (this.sensitiveExcept.empty || !this.sensitiveExcept.matches(lowerPath)),
      not_found: status === 404 || status === 410,
      client_error: status >= 400 && status < 500,
      server_error: status >= 500 || event.origin_status >= 500,
      cache_busting: (kind === 'page' || kind === 'api') && looksCacheBusting(event.uri),
      numeric_id: kind === 'page' ? numericIdOf(path) : -1,
      has_bot_management: botScore !== null,
      low_score: botScore !== null && botScore < this.config.low_score_below,
      verified,
      safelisted: this.deps.safelist.ip(event.ip) || this.deps.safelist.asn(event.asn),
      automation_ua: ua.automation && !verified,
      browser_ua: ua.browser,
      claimed_crawler: ua.crawler,
      ua_ja4_mismatch: ua.browser && !browserJa4,
      route_spiking: flags.route_spiking,
      origin_loaded: flags.origin_loaded,
      ip_hash: hash32(event.ip),
      ua_hash: hash32(event.user_agent),
      url_hash: kind === 'page' ? hash32(event.uri) : 0,
    };
  }

  stateSize(): { keys: number; bytes: number } {
    const traffic = this.traffic.stateSize();
    return { keys: traffic.keys + this.ja4Browser.size, bytes: traffic.bytes + this.ja4Browser.size * 120 };
  }

  private kindOf(event: RequestEvent, lowerPath: string): RequestKind {
    const extension = extensionOf(lowerPath);
    if (extension !== '' && this.assetExtensions.has(extension) && extension !== 'json') return 'asset';
    if (this.apiPrefixes.matches(lowerPath) || extension === 'json' || event.content_type.startsWith('application/json')) return 'api';
    const method = event.method;
    if (method !== 'GET' && method !== 'HEAD') return 'other';
    const type = event.content_type;
    if (type.startsWith('text/css') || type.startsWith('image/') || type.startsWith('font/') || type.includes('javascript')) return 'asset';
    if (extension === '' || extension === 'html' || extension === 'htm' || extension === 'php' || type.startsWith('text/html')) return 'page';
    return 'other';
  }

  /**
   * Verified good bot: Cloudflare says so (VerifiedBotCategory, BotScoreSrc "Verified Bot"), or,
   * without Bot Management, the UA claims a crawler and the IP is in that crawler's published
   * ranges. With Bot Management, a crawler UA Cloudflare did not verify is not trusted.
   */
  private verified(event: RequestEvent, crawler: string): boolean {
    if (event.verified_bot_category !== null && event.verified_bot_category !== '') return true;
    if (event.bot_score_src !== null && event.bot_score_src.toLowerCase() === VERIFIED_BOT_SOURCE) return true;
    if (crawler === '' || event.bot_score !== null) return false;
    return this.deps.crawlers.verify(crawler, event.ip);
  }

  private browserJa4(ja4: string): boolean {
    let known = this.ja4Browser.get(ja4);
    if (known === undefined) {
      known = ja4LooksLikeBrowser(ja4);
      this.ja4Browser.set(ja4, known);
    }
    return known;
  }
}
