/**
 * `address-bursts`: one address acting in bursts, judged at the request that completes the
 * evidence (an event detector, `ip:` subjects only), so a verdict can cover the address seconds
 * after it started instead of after a minute-long window. Rules (config.ts for the defaults):
 *
 * - client_errors: ≥ min_errors 400/404/405/410/414 answers to ≥ min_distinct_paths paths within
 *   window_ms (20 to 15 paths in 10 s), making ≥ min_error_ratio of the address's requests over
 *   their span. Assets are left out: a page with 40 missing images is broken, not a scan.
 * - ua_rotation: a user agent new to the address (not among the 16 it last sent) on nearly every request,
 *   and almost no request reusing a user agent seen within follow_ms; over exponentially decayed
 *   counts (half_life_ms 10 s, judged from 12 decayed requests). Recommends `challenge`.
 * - unauthorized: ≥ min_unauthorized 401s within window_ms, ≥ min_ratio of the requests over
 *   their span (basic-auth guessing; a shop's logged-out XHRs answered 401 stay a small share).
 * - login_loop: ≥ min_attempts login attempts within window_ms, ≥ min_failures of them failed,
 *   making ≥ min_login_share of the address's requests over their span (a carrier NAT's app users
 *   log in between hundreds of other calls; a loop is all the address sends) or all sent with one
 *   user agent (`one_client`: the loop of one client on an address people share, which fusion
 *   then stops under `ipua:`; nobody types four passwords in five seconds).
 * - sessionless_reads: API reads (GET/HEAD to an API route, no Referer) of ≥ challenge_reads (4)
 *   distinct URIs within window_ms (30 s) from an address in no session (the client memory's
 *   `in_session`: three distinct routes) that showed one user agent and sent no write other than
 *   a login (the app's events, a cart) while tracked → challenge;
 *   ≥ block_reads (10) → block. A scraper wearing the app's user agent reads one endpoint down a
 *   watch list; the app's users are in a session by their third call (config.ts for why).
 * - sessionless_logins: unsuccessful logins (refused, or answered 429/5xx) without a preceding
 *   session (no assets within the client memory's horizon, nothing but logins from the address
 *   while tracked, and no earlier traffic unless it was its own failing logins). Challenge at 3
 *   such attempts, block at 8; while the
 *   login route surges (a LoginSurge, credential-stuffing/login-surge.ts, counting each address
 *   at its first refused attempt without a session against all login attempts: a proxy pool
 *   raises it, a lone brute forcer counts once) challenge at the 1st and block at the 3rd, so a
 *   stuffing proxy's first unsuccessful attempt covers its next ones. Each level also needs ≥ 80 % of the address's attempts
 *   failed. Real traffic assumed: a web customer loads the login page and its assets before
 *   posting it, an app customer opens the app (config, home) before logging in, a NAT's address
 *   carries its people's other requests; a customer posting the login form from an address the
 *   client memory has not seen for 10–20 minutes (a tab left open, a phone that changed address)
 *   and failing can be challenged during a surge (never blocked before 3 failures); nothing a
 *   stuffing proxy does before its first attempt exists, so that attempt is never covered here.
 *
 * NAT and false positives (ua_rotation): many people behind one carrier or office address do
 * bring many user agents, but (1) each person keeps one for the whole visit, and a browser's page
 * pulls its assets and XHRs with that user agent within a second or two, so behind a NAT most
 * requests reuse a user agent seen moments ago (the follow share is high); (2) user agents are
 * far from unique: Chrome's reduced user agent is identical for every user of one major version
 * on one platform, so the 16 remembered user agents cover most of a NAT's population and the
 * new-UA share stays far below 0.9 even with 200 people (tested: 200 people with realistic,
 * shared browser builds, with and without cached assets, 10 minutes). A rotator sends a
 * different user agent on every request and never loads a page's assets with it. What the rule
 * cannot tell apart: an address whose every request comes from a different person, each with a
 * browser build no one else there has and loading nothing else (every asset cached, no XHR);
 * that is why it only challenges (tested as the documented limit).
 * The windowed rules need ratios for the same reason: a NAT adds many ordinary requests.
 *
 * State: one IpState per address in a BoundedMap (LRU, max_tracked_ips), rings allocated on a
 * rule's first counted event; flush drops addresses idle for the longest window (or 5
 * half-lives). Login histories (LoginTrail, ~160 bytes) only for addresses that failed without a
 * session, in a second BoundedMap (max_tracked_addresses) kept window_ms (10 min) after their
 * last attempt; one LoginSurge ring (120 buckets). No timers, event time only. Per (address, rule) a new signal only after
 * cooldown_ms. Cost: one map lookup, one exp and, for an address with several user agents, a
 * scan of its ≤ 16 remembered ones per event; the windowed rules scan their ring (≤ their count
 * threshold) only on events they count. Measured with `npm run bench:attack-signatures`
 * (100k events over 5,000 addresses, each address seeing several user agents: the ring's worst
 * case): 0.51–0.58 µs per event on the shared 2-core VM, beside 7.6 µs for heuristics with 200 rules.
 */
import type { ComponentMetrics, RequestEvent, SubjectKey, VerdictAction } from '@botsieve/core';
import type { EngineDetectorFactory, EventDetector, HostedDetectorContext, StateSize } from '../engine/detector.js';
import type { EventFeatures } from '../engine/features.js';
import { round3 } from '../engine/evidence.js';
import { NO_SIGNALS, type Signal } from '../engine/signal.js';
import { BoundedMap, hash32 } from '../sketch/index.js';
import { LoginSurge } from '../credential-stuffing/login-surge.js';
import { addressBurstsIdleMs, addressBurstsLookbackMs, parseAddressBurstsConfig, type AddressBurstsConfig } from './config.js';
import { IpState, LoginTrail, Ring } from './ip-state.js';
import { ADDRESS_BURSTS_DISCARD } from './metrics.js';

export const ADDRESS_BURSTS = 'address-bursts';
export const ADDRESS_BURST_RULES = ['client_errors', 'ua_rotation', 'unauthorized', 'login_loop', 'sessionless_logins', 'sessionless_reads'] as const;

const LN2 = Math.LN2;
/** One address with a single user agent (~260 bytes), some with a user-agent ring or a rule's ring: IpState.bytes() averaged over the tests' traffic. */
const AVERAGE_ADDRESS_BYTES = 320;
/** A LoginTrail with its map entry and key. */
const TRAIL_BYTES = 160;
const RANK_CHALLENGE = 2;
const RANK_BLOCK = 3;

export class AddressBurstsDetector implements EventDetector<AddressBurstsConfig> {
  readonly id: string;
  readonly input = 'events' as const;
  private config: AddressBurstsConfig;
  private ips: BoundedMap<string, IpState>;
  /** Login histories of addresses that failed without a session (sessionless_logins). */
  private trails: BoundedMap<string, LoginTrail>;
  /** The login route's failures without a session against its baseline (this instance's addresses). */
  private surge: LoginSurge;
  private statuses: ReadonlySet<number> = new Set();
  private idleMs = 0;
  private readonly metrics: ComponentMetrics;
  private reportedEvictions = 0;
  private readonly names: Readonly<Record<(typeof ADDRESS_BURST_RULES)[number], string>>;
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly idle = (state: IpState): boolean => this.watermark - state.lastMs >= this.idleMs;
  private readonly trailIdle = (trail: LoginTrail): boolean => this.watermark - trail.lastMs > this.config.sessionless_logins.window_ms;

  constructor(config: AddressBurstsConfig, context: HostedDetectorContext) {
    this.id = context.id ?? ADDRESS_BURSTS;
    this.metrics = context.metrics;
    this.names = {
      client_errors: `${this.id}/client_errors`,
      ua_rotation: `${this.id}/ua_rotation`,
      unauthorized: `${this.id}/unauthorized`,
      login_loop: `${this.id}/login_loop`,
      sessionless_logins: `${this.id}/sessionless_logins`,
      sessionless_reads: `${this.id}/sessionless_reads`,
    };
    this.ips = new BoundedMap(config.max_tracked_ips);
    this.trails = new BoundedMap(config.sessionless_logins.max_tracked_addresses);
    this.surge = new LoginSurge(config.sessionless_logins.surge);
    this.config = config;
    this.apply(config);
  }

  process(event: RequestEvent, features: EventFeatures): Signal[] {
    if (features.verified || features.safelisted || event.ip === '') return NO_SIGNALS;
    const ts = event.timestamp_ms;
    const config = this.config;
    let state = this.ips.getHashed(event.ip, features.ip_hash);
    if (state === undefined) {
      state = new IpState(ts, !features.new_client);
      this.ips.set(event.ip, state);
    }
    if (ts > state.lastMs) state.lastMs = ts;
    state.requests += 1;
    if (!features.login) state.sessionRequests += 1;
    let out: Signal[] | null = null;
    if (config.ua_rotation.enabled) out = this.rotation(state, event, features.ua_hash, out);
    else if (config.sessionless_reads.enabled) state.seeUserAgent(features.ua_hash, ts, config.ua_rotation.follow_ms, config.ua_rotation.remembered_user_agents);
    const status = event.status;
    if (config.client_errors.enabled && this.statuses.has(status) && (config.client_errors.count_assets || features.kind !== 'asset')) out = this.clientError(state, event, out);
    if (config.unauthorized.enabled && status === 401) out = this.unauthorized(state, event, out);
    if (config.login_loop.enabled && features.login) out = this.login(state, event, features.login_failed, features.ua_hash, out);
    if (config.sessionless_logins.enabled && features.login) out = this.sessionless(state, event, features, out);
    if (config.sessionless_reads.enabled && !state.readsSpared) out = this.reads(state, event, features, out);
    return out ?? NO_SIGNALS;
  }

  flush(watermark_ms: number): Signal[] {
    this.watermark = watermark_ms;
    this.ips.sweepOldest(this.idle);
    this.trails.sweepOldest(this.trailIdle);
    const evictions = this.ips.evictions + this.trails.evictions;
    const evicted = evictions - this.reportedEvictions;
    if (evicted > 0) {
      this.metrics.discarded(ADDRESS_BURSTS_DISCARD.stateEvicted, evicted);
      this.reportedEvictions = evictions;
    }
    return NO_SIGNALS;
  }

  /** Bytes are estimated (AVERAGE_ADDRESS_BYTES per address): walking 100,000 states every flush step to sum them would cost more than it tells. */
  stateSize(): StateSize {
    const keys = this.ips.size + this.trails.size;
    return { keys, bytes: this.ips.size * AVERAGE_ADDRESS_BYTES + this.trails.size * TRAIL_BYTES };
  }

  /** Addresses tracked (tests, debugging). */
  trackedAddresses(): number {
    return this.ips.size;
  }

  /**
   * New thresholds, actions and windows apply at once, keeping state; a new ring size (a count
   * threshold) or cap restarts the state (rings are sized by the thresholds).
   */
  reconfigure(next: AddressBurstsConfig): void {
    const previous = this.config;
    const reshaped =
      next.max_tracked_ips !== previous.max_tracked_ips ||
      next.ua_rotation.remembered_user_agents !== previous.ua_rotation.remembered_user_agents ||
      next.client_errors.min_errors !== previous.client_errors.min_errors ||
      next.unauthorized.min_unauthorized !== previous.unauthorized.min_unauthorized ||
      next.login_loop.min_attempts !== previous.login_loop.min_attempts;
    if (reshaped || next.sessionless_logins.max_tracked_addresses !== previous.sessionless_logins.max_tracked_addresses) {
      this.ips = new BoundedMap(next.max_tracked_ips);
      this.trails = new BoundedMap(next.sessionless_logins.max_tracked_addresses);
      this.reportedEvictions = 0;
    }
    if (JSON.stringify(next.sessionless_logins.surge) !== JSON.stringify(previous.sessionless_logins.surge)) this.surge = new LoginSurge(next.sessionless_logins.surge);
    this.config = next;
    this.apply(next);
  }

  private apply(config: AddressBurstsConfig): void {
    this.statuses = new Set(config.client_errors.statuses);
    this.idleMs = addressBurstsIdleMs(config);
  }

  private rotation(s: IpState, event: RequestEvent, uaHash: number, out: Signal[] | null): Signal[] | null {
    const rule = this.config.ua_rotation;
    const ts = event.timestamp_ms;
    if (ts > s.decayMs) {
      const factor = Math.exp((-(ts - s.decayMs) * LN2) / rule.half_life_ms);
      s.decayedRequests *= factor;
      s.decayedNew *= factor;
      s.decayedFollow *= factor;
      s.decayMs = ts;
    }
    s.decayedRequests += 1;
    const seen = s.seeUserAgent(uaHash, ts, rule.follow_ms, rule.remembered_user_agents);
    if (seen === 0) s.decayedNew += 1;
    else if (seen === 2) s.decayedFollow += 1;
    const requests = s.decayedRequests;
    if (requests < rule.min_requests || s.decayedNew < rule.min_new_ua_share * requests || s.decayedFollow > rule.max_follow_share * requests) return out;
    if (ts - s.rotationSignalMs < this.config.cooldown_ms) return out;
    s.rotationSignalMs = ts;
    return emit(out, event, this.names.ua_rotation, rule, {
      requests: round3(requests),
      new_ua_share: round3(s.decayedNew / requests),
      follow_share: round3(s.decayedFollow / requests),
      half_life_ms: rule.half_life_ms,
      follow_ms: rule.follow_ms,
      min_requests: rule.min_requests,
      min_new_ua_share: rule.min_new_ua_share,
      max_follow_share: rule.max_follow_share,
    }, false);
  }

  private clientError(s: IpState, event: RequestEvent, out: Signal[] | null): Signal[] | null {
    const rule = this.config.client_errors;
    let ring = s.errors;
    if (ring === null || ring.size !== rule.min_errors) ring = s.errors = new Ring(rule.min_errors, 3);
    ring.push(event.timestamp_ms, hash32(event.path), s.requests);
    if (ring.filled < rule.min_errors) return out;
    const from = s.lastMs - rule.window_ms;
    const data = ring.data;
    let count = 0;
    let distinct = 0;
    let first = Number.POSITIVE_INFINITY;
    let firstRequest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < ring.size; i++) {
      const t = data[i * 3] as number;
      if (t <= from) continue;
      count += 1;
      if (t < first) first = t;
      const request = data[i * 3 + 2] as number;
      if (request < firstRequest) firstRequest = request;
      const path = data[i * 3 + 1];
      let repeated = false;
      for (let k = 0; k < i; k++) {
        if (data[k * 3 + 1] === path && (data[k * 3] as number) > from) {
          repeated = true;
          break;
        }
      }
      if (!repeated) distinct += 1;
    }
    if (count < rule.min_errors || distinct < rule.min_distinct_paths) return out;
    const requests = s.requests - firstRequest + 1;
    const ratio = count / requests;
    if (ratio < rule.min_error_ratio) return out;
    const ts = event.timestamp_ms;
    if (ts - s.errorsSignalMs < this.config.cooldown_ms) return out;
    s.errorsSignalMs = ts;
    return emit(out, event, this.names.client_errors, rule, {
      errors: count,
      distinct_paths: distinct,
      requests,
      error_ratio: round3(ratio),
      span_ms: s.lastMs - first,
      window_ms: rule.window_ms,
      min_errors: rule.min_errors,
      min_distinct_paths: rule.min_distinct_paths,
      min_error_ratio: rule.min_error_ratio,
    });
  }

  private unauthorized(s: IpState, event: RequestEvent, out: Signal[] | null): Signal[] | null {
    const rule = this.config.unauthorized;
    let ring = s.unauthorized;
    if (ring === null || ring.size !== rule.min_unauthorized) ring = s.unauthorized = new Ring(rule.min_unauthorized, 2);
    ring.push(event.timestamp_ms, s.requests);
    if (ring.filled < rule.min_unauthorized) return out;
    const from = s.lastMs - rule.window_ms;
    const data = ring.data;
    let count = 0;
    let first = Number.POSITIVE_INFINITY;
    let firstRequest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < ring.size; i++) {
      const t = data[i * 2] as number;
      if (t <= from) continue;
      count += 1;
      if (t < first) first = t;
      const request = data[i * 2 + 1] as number;
      if (request < firstRequest) firstRequest = request;
    }
    if (count < rule.min_unauthorized) return out;
    const requests = s.requests - firstRequest + 1;
    const ratio = count / requests;
    if (ratio < rule.min_ratio) return out;
    const ts = event.timestamp_ms;
    if (ts - s.unauthorizedSignalMs < this.config.cooldown_ms) return out;
    s.unauthorizedSignalMs = ts;
    return emit(out, event, this.names.unauthorized, rule, {
      unauthorized: count,
      requests,
      ratio: round3(ratio),
      span_ms: s.lastMs - first,
      window_ms: rule.window_ms,
      min_unauthorized: rule.min_unauthorized,
      min_ratio: rule.min_ratio,
    });
  }

  private login(s: IpState, event: RequestEvent, failed: boolean, uaHash: number, out: Signal[] | null): Signal[] | null {
    const rule = this.config.login_loop;
    let ring = s.logins;
    if (ring === null || ring.size !== rule.min_attempts) ring = s.logins = new Ring(rule.min_attempts, 4);
    ring.push(event.timestamp_ms, failed ? 1 : 0, s.requests, uaHash);
    if (ring.filled < rule.min_attempts) return out;
    const from = s.lastMs - rule.window_ms;
    const data = ring.data;
    let attempts = 0;
    let failures = 0;
    let first = Number.POSITIVE_INFINITY;
    let firstRequest = Number.POSITIVE_INFINITY;
    let oneClient = true;
    for (let i = 0; i < ring.size; i++) {
      const t = data[i * 4] as number;
      if (t <= from) continue;
      attempts += 1;
      failures += data[i * 4 + 1] as number;
      if (t < first) first = t;
      const request = data[i * 4 + 2] as number;
      if (request < firstRequest) firstRequest = request;
      if ((data[i * 4 + 3] as number) !== uaHash) oneClient = false;
    }
    if (attempts < rule.min_attempts || failures < rule.min_failures) return out;
    // A NAT's people log in between their other requests: the loop must be most of the address's
    // traffic, or all one client's (one user agent: nobody types four passwords in five seconds).
    const requests = s.requests - firstRequest + 1;
    if (attempts < rule.min_login_share * requests && !oneClient) return out;
    const ts = event.timestamp_ms;
    if (ts - s.loginSignalMs < this.config.cooldown_ms) return out;
    s.loginSignalMs = ts;
    return emit(out, event, this.names.login_loop, rule, {
      attempts,
      failures,
      requests,
      login_share: round3(attempts / requests),
      one_client: oneClient ? 1 : 0,
      span_ms: s.lastMs - first,
      window_ms: rule.window_ms,
      min_attempts: rule.min_attempts,
      min_failures: rule.min_failures,
      min_login_share: rule.min_login_share,
    });
  }

  /**
   * sessionless_reads: an API read from an address in no session, with one user agent. An address
   * seen in a session, with a second user agent or sending a write other than a login is spared
   * for as long as it is tracked.
   */
  private reads(s: IpState, event: RequestEvent, features: EventFeatures, out: Signal[] | null): Signal[] | null {
    const method = event.method;
    const read = method === 'GET' || method === 'HEAD';
    // A session, a second user agent, or a write that is not a login (the app's events, a cart):
    // what a person's client sends and a reader down a list does not.
    if (features.in_session || s.uas !== null || (!read && !features.login)) {
      s.readsSpared = true;
      s.reads = null;
      return out;
    }
    if (features.kind !== 'api' || features.has_referer || !read) return out;
    const rule = this.config.sessionless_reads;
    let ring = s.reads;
    if (ring === null || ring.size !== rule.block_reads) ring = s.reads = new Ring(rule.block_reads, 2);
    const ts = event.timestamp_ms;
    const uri = hash32(event.uri);
    const data = ring.data;
    const from = s.lastMs - rule.window_ms;
    // A URI read again within the window refreshes its time instead of taking a slot.
    let repeated = -1;
    for (let i = 0; i < ring.filled; i++) {
      if (data[i * 2 + 1] === uri && (data[i * 2] as number) > from) {
        repeated = i;
        break;
      }
    }
    if (repeated >= 0) {
      if (ts > (data[repeated * 2] as number)) data[repeated * 2] = ts;
      return out;
    }
    ring.push(ts, uri);
    let distinct = 0;
    for (let i = 0; i < ring.filled; i++) if ((data[i * 2] as number) > from) distinct += 1;
    const rank = distinct >= rule.block_reads ? RANK_BLOCK : distinct >= rule.challenge_reads ? RANK_CHALLENGE : 0;
    if (rank === 0) return out;
    if (rank <= s.readsRank && ts - s.readsSignalMs < this.config.cooldown_ms) return out;
    s.readsRank = rank;
    s.readsSignalMs = ts;
    const block = rank === RANK_BLOCK;
    return emit(out, event, this.names.sessionless_reads, { score: block ? rule.block_score : rule.challenge_score, action: block ? 'block' : 'challenge', ttl_ms: rule.ttl_ms }, {
      distinct_reads: distinct,
      requests: s.requests,
      window_ms: rule.window_ms,
      challenge_reads: rule.challenge_reads,
      block_reads: rule.block_reads,
    });
  }

  /**
   * A login attempt: feeds the route surge and, when it failed without a session, the address's
   * trail; signals when the trail reaches the level the surge state asks for.
   */
  private sessionless(s: IpState, event: RequestEvent, features: EventFeatures, out: Signal[] | null): Signal[] | null {
    const rule = this.config.sessionless_logins;
    const ts = event.timestamp_ms;
    let trail = this.trails.get(event.ip);
    // No session: no assets within the client memory's horizon, nothing but logins while tracked,
    // and no earlier traffic, unless that traffic was this address's own failing logins.
    const sessionless = !features.known_browser && s.sessionRequests === 0 && (!s.history || trail !== undefined);
    // Unsuccessful: refused (the login failure statuses), or not answered (429, 5xx: an origin
    // swamped by a flood answers the pool's attempts with errors; they are attempts all the same).
    const status = event.status;
    const failed = features.login_failed || status === 429 || status >= 500;
    if (!(failed && sessionless)) {
      this.surge.add(ts, 1, 0);
      if (trail !== undefined) {
        trail.touch(ts, rule.window_ms);
        trail.attempts += 1;
        if (failed) trail.failures += 1;
      }
      return out;
    }
    if (trail === undefined) {
      trail = new LoginTrail(ts);
      this.trails.set(event.ip, trail);
    }
    trail.touch(ts, rule.window_ms);
    trail.attempts += 1;
    trail.failures += 1;
    trail.sessionless += 1;
    // The route counts each address once, at its first refused attempt (errors say nothing of the credentials).
    const counted = features.login_failed && !trail.counted;
    if (counted) trail.counted = true;
    this.surge.add(ts, 1, counted ? 1 : 0);
    if (trail.failures < rule.min_failure_ratio * trail.attempts) return out;
    const surging = trail.sessionless >= rule.surge_challenge_failures && trail.sessionless < rule.block_failures ? this.surge.surging(ts) : false;
    const challengeAt = surging ? rule.surge_challenge_failures : rule.challenge_failures;
    const blockAt = surging ? rule.surge_block_failures : rule.block_failures;
    const rank = trail.sessionless >= blockAt ? RANK_BLOCK : trail.sessionless >= challengeAt ? RANK_CHALLENGE : 0;
    if (rank === 0) return out;
    if (rank <= trail.signalRank && ts - trail.signalMs < this.config.cooldown_ms) return out;
    trail.signalRank = rank;
    trail.signalMs = ts;
    const evidence: Record<string, number> = {
      sessionless_failures: trail.sessionless,
      attempts: trail.attempts,
      failures: trail.failures,
      failure_ratio: round3(trail.failures / trail.attempts),
      surging: surging ? 1 : 0,
      challenge_failures: challengeAt,
      block_failures: blockAt,
    };
    if (surging) this.surge.evidence(evidence);
    const block = rank === RANK_BLOCK;
    return emit(out, event, this.names.sessionless_logins, { score: block ? rule.block_score : rule.challenge_score, action: block ? 'block' : 'challenge', ttl_ms: rule.ttl_ms }, evidence);
  }
}

/**
 * One signal about the event's address. `client`: the burst is one client's (its user agent goes
 * with the signal, so that fusion can stop that client alone on an address people share); false
 * for a rotation of user agents, which is the address's.
 */
function emit(out: Signal[] | null, event: RequestEvent, detector: string, rule: { score: number; action: VerdictAction; ttl_ms: number | null }, evidence: Record<string, number>, client = true): Signal[] {
  const signal: Signal = { subject: `ip:${event.ip}` as SubjectKey, at: event.timestamp_ms, detector, score: rule.score, action: rule.action, evidence };
  if (rule.ttl_ms !== null) signal.ttl_ms = rule.ttl_ms;
  if (client) signal.user_agent = event.user_agent;
  if (out === null) return [signal];
  out.push(signal);
  return out;
}

export const addressBursts: EngineDetectorFactory<AddressBurstsConfig> = {
  parseConfig: parseAddressBurstsConfig,
  create(config: AddressBurstsConfig, context: HostedDetectorContext): AddressBurstsDetector {
    return new AddressBurstsDetector(config, context);
  },
  /** The longest window (or 5 half-lives, the login histories, the surge's long window): what a failover replays. */
  lookbackMs: addressBurstsLookbackMs,
};
