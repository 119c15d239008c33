/**
 * Configuration of the `address-bursts` detector: six per-address rules that act within
 * seconds (client-error bursts to many paths, per-request user-agent rotation, repeated 401s,
 * a login loop, failed logins without a session, API reads without a session), each with its window or half-life,
 * thresholds, score, action and TTL hint; the re-signal cooldown and the cap on tracked
 * addresses. Everything a user tunes is here, as data.
 */
import { z } from 'zod';
import { loginSurgeSchema } from '../credential-stuffing/login-surge.js';
import { parseOrThrow } from '../parse-or-throw.js';

const actionSchema = z.enum(['block', 'challenge', 'log']);
const scoreSchema = z.number().int().min(1).max(99);
/** Longest window or half-life: state per address stays a few seconds to minutes. */
const MAX_WINDOW_MS = 600_000;
const windowSchema = (d: number, what: string) => z.number().int().positive().max(MAX_WINDOW_MS).default(d).describe(what);
/** Ring sizes follow the count thresholds: bounded so one address's state stays small. */
const countSchema = (d: number, what: string) => z.number().int().min(2).max(1_000).default(d).describe(what);
const shareSchema = (d: number, what: string) => z.number().min(0).max(1).default(d).describe(what);

function outcome(d: { score: number; action: 'block' | 'challenge' | 'log' }) {
  return {
    score: scoreSchema.default(d.score).describe("Score of the rule's signals (1 certainly automated … 99 certainly human)."),
    action: actionSchema.default(d.action).describe('What the rule recommends for the address.'),
    ttl_ms: z.number().int().positive().max(86_400_000).nullable().default(300_000).describe("TTL hint for the verdict (fusion multiplies it for repeat offenders); null: fusion's per-action TTL."),
  };
}

export const addressBurstsConfigSchema = z.strictObject({
  /**
   * Many client errors to many different paths (fuzzing, directory brute force): within
   * `window_ms`, at least `min_errors` answers with a status in `statuses` to at least
   * `min_distinct_paths` paths, making at least `min_error_ratio` of the address's requests over
   * that span. Assets are not counted unless `count_assets` (a page whose 40 images are gone is
   * a broken page, not a scan).
   */
  client_errors: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Judge bursts of client errors.'),
      statuses: z.array(z.number().int().min(400).max(499)).min(1).default([400, 404, 405, 410, 414]).describe('Statuses that count (401 has its own rule; 403 and 429 are what the edge answers blocked or challenged clients).'),
      window_ms: windowSchema(10_000, 'Window the errors must fall in (event time).'),
      min_errors: countSchema(20, 'Errors within the window.'),
      min_distinct_paths: countSchema(15, 'Distinct paths among those errors.'),
      min_error_ratio: shareSchema(0.8, "Errors / the address's requests over the errors' span."),
      count_assets: z.boolean().default(false).describe('Count errors on assets (images, scripts, styles) too.'),
      ...outcome({ score: 8, action: 'block' }),
    })
    .prefault({})
    .describe('Many client errors to many paths within seconds (fuzzing, directory brute force).'),
  /**
   * A new user agent on (nearly) every request: of the address's requests (exponentially decayed,
   * `half_life_ms`), at least `min_new_ua_share` brought a user agent not among the
   * `remembered_user_agents` last seen from it, and at most `max_follow_share` reused a user agent seen from it within `follow_ms`
   * (a browser loading a page's assets, XHRs, the next page). NAT: people behind one address
   * each keep their browser's user agent for their whole visit, so their requests repeat and
   * follow each other; see the address-bursts README section for the reasoning and its limit.
   */
  ua_rotation: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Judge per-request user-agent rotation.'),
      half_life_ms: windowSchema(10_000, 'Half-life of the decayed request counts.'),
      min_requests: z.number().positive().max(10_000).default(12).describe('Decayed requests at or above which the shares are judged.'),
      min_new_ua_share: shareSchema(0.9, 'Share of requests bringing a user agent not among those remembered for the address.'),
      max_follow_share: shareSchema(0.1, 'Largest share of requests reusing a user agent seen within follow_ms (page → asset sequences).'),
      follow_ms: windowSchema(2_000, 'A request whose user agent was seen from the address this recently follows it.'),
      /**
       * User agents remembered per address ("new" means: not among these). More protects a NAT
       * whose clients interleave evenly (a call centre on a polling single-page app); fewer
       * catches rotators cycling a small pool. Allocated only for addresses with a second user agent.
       */
      remembered_user_agents: z.number().int().min(2).max(64).default(16).describe('User agents remembered per address; a request brings a new one when its user agent is not among these.'),
      ...outcome({ score: 15, action: 'challenge' }),
    })
    .prefault({})
    .describe('A new user agent on nearly every request, without page → asset sequences.'),
  /** Repeated 401s (basic-auth guessing): at least `min_unauthorized` within `window_ms`, at least `min_ratio` of the address's requests over that span. */
  unauthorized: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Judge repeated 401 answers.'),
      window_ms: windowSchema(10_000, 'Window the 401s must fall in (event time).'),
      min_unauthorized: countSchema(10, '401 answers within the window.'),
      min_ratio: shareSchema(0.8, "401s / the address's requests over their span (a shop's logged-out XHRs answered 401 stay a small share)."),
      ...outcome({ score: 5, action: 'block' }),
    })
    .prefault({})
    .describe('Repeated 401s within seconds (basic-auth guessing).'),
  /** Login attempts (the engine's `login` feature: method and path) in a tight loop: `min_attempts` within `window_ms`, `min_failures` of them failed, `min_login_share` of the address's requests over their span. */
  login_loop: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Judge tight login loops.'),
      window_ms: windowSchema(5_000, 'Window the attempts must fall in (event time).'),
      min_attempts: countSchema(4, 'Login attempts within the window.'),
      min_failures: z.number().int().min(0).max(1_000).default(3).describe('Failed attempts among them (the engine\'s login_failure_statuses).'),
      min_login_share: shareSchema(0.8, "Login attempts / the address's requests over their span (a NAT's people log in between their other requests)."),
      ...outcome({ score: 5, action: 'block' }),
    })
    .prefault({})
    .describe('Login attempts in a tight loop (a few within seconds, most failing).'),
  /**
   * Unsuccessful logins (refused, or answered 429/5xx) without a preceding session: the address
   * loaded no assets within the client memory's horizon (`known_browser` false), sent nothing but
   * login attempts since it was first tracked, and was new to the client memory then (or is
   * already known here for failing so).
   * Web customers load the login page and its assets first, app customers open the app (config,
   * home) first, and customers behind a NAT share an address full of other requests: all have a
   * session. Credential-stuffing workers and brute forcers post to the login and nothing else.
   *
   * Outside a surge an address is challenged at `challenge_failures` such attempts and blocked at
   * `block_failures` (a slow brute force); while the login route fails above its baseline
   * (`surge`, counting each address at its first refused attempt without a session), at
   * `surge_challenge_failures` and `surge_block_failures`: the first unsuccessful attempt of a
   * stuffing proxy then covers its next ones. Every level also needs `min_failure_ratio` of the
   * address's attempts unsuccessful.
   */
  sessionless_logins: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Judge unsuccessful logins that come without a preceding session.'),
      window_ms: windowSchema(600_000, "An address's login history is forgotten after this long without a login attempt (event time)."),
      challenge_failures: countSchema(3, 'Unsuccessful attempts without a session that challenge the address (no surge).'),
      block_failures: countSchema(8, 'Unsuccessful attempts without a session that block the address (no surge).'),
      surge_challenge_failures: z.number().int().min(1).max(1_000).default(1).describe('Unsuccessful attempts without a session that challenge the address while the login route surges.'),
      surge_block_failures: z.number().int().min(1).max(1_000).default(3).describe('Unsuccessful attempts without a session that block the address while the login route surges.'),
      min_failure_ratio: shareSchema(0.8, "Unsuccessful / all of the address's login attempts in its history."),
      challenge_score: scoreSchema.default(20).describe('Score of a challenge signal.'),
      block_score: scoreSchema.default(5).describe('Score of a block signal.'),
      ttl_ms: z.number().int().positive().max(86_400_000).nullable().default(null).describe("TTL hint for the verdicts (fusion multiplies it for repeat offenders); null: fusion's per-action TTL."),
      max_tracked_addresses: z.number().int().positive().max(10_000_000).default(100_000).describe('Most addresses with a login history kept at once (only addresses that failed without a session); the least recently seen is evicted.'),
      surge: loginSurgeSchema({ prior_share: 0.01, min_short_excess: 5, min_long_excess: 12 }).describe(
        "The login route surge: addresses refused without a session (each counted at its first such attempt) among all login attempts, as this instance sees them (its share of the addresses).",
      ),
    })
    .prefault({})
    .describe('Unsuccessful logins without a preceding session (credential stuffing, brute force), with a lower bar while the login route surges.'),
  /**
   * API reads without a session: GET/HEAD calls to API routes (classify.api_prefixes, JSON) with
   * no Referer from an address that is in no session (the client memory's `in_session`: three or
   * more distinct routes within its horizon), has shown one user agent and sent no write other
   * than a login (the app posts its events, people add to carts), `challenge_reads` /
   * `block_reads` distinct URIs of them within `window_ms`. The app launches (its config), views
   * (product, recommendations) and sends its events: its address is in a session by its third
   * call, and one that changed address mid-session is again within three calls, two of them
   * reads; the single-page app sends a Referer. A scraper wearing the app's user agent reads
   * one endpoint down a list (and its search) and is in no session however many calls it
   * makes. A person browsing listings before their third route (one caught mid-session by a cold
   * start, in world 30 of the many-worlds report) posts the app's events. A buyer polling one
   * product makes one distinct read. A NAT exit's app users put it
   * in a session, and bring several builds. Clients of a public API that are neither (partners'
   * integrations, SDKs) belong on the safelist.
   */
  sessionless_reads: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Judge API reads from addresses in no session.'),
      window_ms: windowSchema(30_000, 'Window the distinct reads must fall in (event time).'),
      challenge_reads: countSchema(4, 'Distinct URIs read without a session within the window that challenge the address.'),
      block_reads: countSchema(10, 'Distinct URIs read without a session within the window that block the address.'),
      challenge_score: scoreSchema.default(22).describe('Score of a challenge signal.'),
      block_score: scoreSchema.default(8).describe('Score of a block signal.'),
      ttl_ms: z.number().int().positive().max(86_400_000).nullable().default(300_000).describe("TTL hint for the verdicts (fusion multiplies it for repeat offenders); null: fusion's per-action TTL."),
    })
    .prefault({})
    .describe('API reads (GET, no Referer) of many distinct URIs from an address in no session, with one user agent and no write but logins: a scraper wearing the app, reading one endpoint down a list.'),
  cooldown_ms: z.number().int().positive().max(86_400_000).default(60_000).describe('Per (address, rule): a new signal only when the last one is at least this old (event time).'),
  max_tracked_ips: z.number().int().positive().max(10_000_000).default(100_000).describe('Most addresses tracked at once; when full the least recently seen is evicted (discarded `state_evicted`).'),
})
  .refine((c) => c.client_errors.min_distinct_paths <= c.client_errors.min_errors, { message: 'min_distinct_paths cannot exceed min_errors', path: ['client_errors', 'min_distinct_paths'] })
  .refine((c) => c.login_loop.min_failures <= c.login_loop.min_attempts, { message: 'min_failures cannot exceed min_attempts', path: ['login_loop', 'min_failures'] })
  .refine((c) => c.sessionless_logins.challenge_failures <= c.sessionless_logins.block_failures, { message: 'challenge_failures cannot exceed block_failures', path: ['sessionless_logins', 'challenge_failures'] })
  .refine((c) => c.sessionless_logins.surge_challenge_failures <= c.sessionless_logins.surge_block_failures, { message: 'surge_challenge_failures cannot exceed surge_block_failures', path: ['sessionless_logins', 'surge_challenge_failures'] })
  .refine((c) => c.sessionless_reads.challenge_reads <= c.sessionless_reads.block_reads, { message: 'challenge_reads cannot exceed block_reads', path: ['sessionless_reads', 'challenge_reads'] });

export type AddressBurstsConfig = z.output<typeof addressBurstsConfigSchema>;

/** Validates raw config; every problem is listed with its path. */
export function parseAddressBurstsConfig(raw: unknown): AddressBurstsConfig {
  return parseOrThrow(addressBurstsConfigSchema, raw ?? {}, 'address-bursts config');
}

/** How long an address's state matters after its last request: the longest window, 5 half-lives, the follow time. */
export function addressBurstsIdleMs(config: AddressBurstsConfig): number {
  return Math.max(config.client_errors.window_ms, config.unauthorized.window_ms, config.login_loop.window_ms, config.sessionless_reads.window_ms, 5 * config.ua_rotation.half_life_ms, config.ua_rotation.follow_ms);
}

/** What a failover replays: the idle horizon, the login histories and the surge's long window. */
export function addressBurstsLookbackMs(config: AddressBurstsConfig): number {
  const logins = config.sessionless_logins;
  return Math.max(addressBurstsIdleMs(config), logins.window_ms, logins.surge.long_window_ms);
}
