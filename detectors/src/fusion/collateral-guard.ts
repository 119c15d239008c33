/**
 * Collateral guard: a prefix, ASN, JA4 or user agent that carries human traffic is never enforced
 * as a whole. Residential proxy pools resell consumer lines, so a flood or a credential-stuffing
 * run shares its network (and, copying a browser or the shop's app, its JA4 and user agent) with
 * the shop's own customers; blocking the aggregate would block them too. Those attacks are then
 * left to per-IP verdicts, and aggregates are enforced only where nobody human is seen (hosting
 * networks, proxy pools abroad, tool fingerprints and user agents).
 *
 * A subject is "inhabited" (fusion caps its verdicts at `log`) on either ground:
 *
 * 1. Evidence of humans, an exponentially decayed count (half-life `half_life_ms`) of requests
 *    only people's clients send, fed by every aggregate summary that passes through the stage,
 *    at or above `min_evidence`:
 *    - browsers rendering pages: max(rendered_assets, known_browsers). `known_browsers` counts
 *      the requests of addresses that loaded assets within the client memory's horizon, so it
 *      covers what the single-page app sends after its shell (all `/api/…`), and it is blind to
 *      the fresh addresses a proxy pool rotates through. Neither counts a client that names
 *      automation (HeadlessChrome, a tool on the isbot list): a headless scraper renders every
 *      page, and on a proxy network abroad it would otherwise shelter a flood sharing the network;
 *    - app sessions: requests with an app stack's user agent (okhttp, CFNetwork) that are not
 *      failed logins, cart calls or 4xx, weighted by the summary's share of requests from
 *      addresses in a session (three or more distinct routes within the client memory's horizon)
 *      and of requests off spiking routes and without cache busting. The mobile app never loads
 *      an asset; what marks its users is that they use it (launch, views, events: several
 *      routes; NAT exits shared by hundreds) at a human pace, and are not a flood. An API flood
 *      (fresh addresses, one spiking route, cache busting) contributes ~0, and so does a scraper
 *      wearing the app that returns to one endpoint down a list;
 *    - successful logins (logins − failures) × `login_weight`: real accounts.
 *    Counters are marginals (no per-request intersection), so the app term multiplies shares:
 *    an approximation that errs towards "inhabited".
 *    On a hosting network's ASN (hosting-networks.ts: clouds and data centres, shipped as data)
 *    only successful logins count: a headless browser in a data centre renders and returns like
 *    a person, and people browse from consumer lines, carriers and offices.
 * 2. Identity (user agents and JA4s only): a subject whose decayed requests mostly
 *    (≥ `identity_min_share`) claim a human client (a mainstream browser's user agent, or the
 *    app's; for a JA4 a browser user agent over a browser's TLS, which the JA4 check confirms, or
 *    the app's) is the identity of every person using that browser version or app: humans are
 *    assumed present until the subject has been observed for `identity_absence_ms` without
 *    evidence. This is what protects a real browser's user-agent string that a rotating-browser
 *    flood wears while no human with that exact string happened to come by yet (cold start, a
 *    small shop): the string is still theirs. A tool's user agent or TLS is not a human identity.
 *
 * 3. Shared addresses (`ip:` subjects): an address behind which several people browse at once (a
 *    carrier NAT exit, an office, a household) is not enforced as a whole either: a verdict on it
 *    blocks them all, whichever detector caught the bot that shares it. Per `ip:` summary (one
 *    event-time step) the people seen at once are its distinct user agents when the step looks
 *    like people's clients — browser or app user agents (≥ 80 %), few 404s and failed logins
 *    (≤ 20 %), and either rendering (assets, or the address loaded assets recently) or the app
 *    (≥ half app-stack requests); for the app's steps also the distinct user agents over one
 *    to two `app_window_ms` (a minute, tumbling): an exit's app users all send the app stack's
 *    user agents and seldom two in one step, but run several builds and platforms within a
 *    minute, where one person runs one; the address keeps the decayed maximum (half-life
 *    `shared_half_life_ms`) and is shared while it rounds to `min_shared_people` or more. A bot with one
 *    browser user agent on its own address never creates an entry (no state for it); one on the
 *    app's user agent gets a small one that stays at one person; a bot rotating user agents
 *    renders nothing and names no app (one rotating the app's builds on one address, calmly,
 *    without failures, is taken for several people: its address is then left to verdicts on its
 *    identity). What it assumes: people behind one address use different
 *    browsers and app versions (they do: versions, platforms, the app's builds); a NAT exit
 *    whose users all send one identical user agent is left to `volumetric`'s route mix. The
 *    attack on a shared address is left to verdicts on its own identity (a tool's JA4), and to
 *    `ipua:` verdicts on the one client a per-request detector judged there (see Fusion).
 *
 * What stays enforceable: networks without human evidence, tool fingerprints, automation user
 * agents, browser user agents over a library's TLS (the JA4, not the user-agent string).
 * Assumptions about real traffic: browsers load sub-resources from the zone (or their addresses
 * did recently); apps come back and mix routes; a residential proxy's fresh address has no
 * history. A bot that loads assets or behaves like a returning app user makes its network
 * "inhabited" and is still judged per IP. Prefixes where no human was seen *yet* are not
 * protected here: fusion keeps population verdicts short (`population_ttl_ms`) so they lapse
 * soon after the attack, and the guard is asked again at every renewal.
 *
 * Bounded: one entry per aggregate subject in a BoundedMap (LRU), ~120 bytes each, and one per
 * shared address in another (~90 bytes). An aggregate entry is created only by a summary that
 * carries evidence or (user agents, JA4s) claims a human client, an address entry only by a step
 * with several people's clients, so a spray of tool fingerprints, random user agents or fresh
 * addresses adds nothing; an address whose steps look like the app's people gets an entry (one
 * small sketch of its app user agents) from its first such step.
 */
import type { SubjectKey } from '@botsieve/core';
import type { Summary } from '../engine/summary.js';
import { BoundedMap, decayFactor, HyperLogLog } from '../sketch/index.js';
import { hostingAsns } from './hosting-networks.js';

export interface CollateralGuardConfig {
  enabled: boolean;
  min_evidence: number;
  login_weight: number;
  half_life_ms: number;
  identity_min_share: number;
  identity_absence_ms: number;
  max_subjects: number;
  min_shared_people: number;
  shared_half_life_ms: number;
  max_addresses: number;
  app_window_ms: number;
  hosting: { enabled: boolean; extra_asns: number[]; except_asns: number[] };
}

function hostingSet(config: CollateralGuardConfig): ReadonlySet<number> {
  return config.hosting.enabled ? hostingAsns(config.hosting.extra_asns, config.hosting.except_asns) : new Set();
}

/** Why a subject is inhabited (0: it is not). */
export const INHABITED = { no: 0, evidence: 1, identity: 2, shared: 3 } as const;
export type Inhabited = (typeof INHABITED)[keyof typeof INHABITED];

class Presence {
  /** Decayed human evidence. */
  evidence = 0;
  /** Decayed requests claiming a human client (user agents and JA4s). */
  claims = 0;
  /** Decayed requests. */
  requests = 0;
  at = 0;
  /** When the guard started tracking the subject (event time). */
  since = 0;
}

/**
 * Human evidence in one summary (see the file comment). On a hosting network (`hosting`) only
 * successful logins count: rendering and app-like requests there are software's.
 */
export function humanEvidence(s: Summary, loginWeight: number, hosting = false): number {
  const requests = s.requests;
  if (requests <= 0) return 0;
  // A user agent that names automation, or none at all (`ua:`: no browser or app omits it), is
  // software's: its successful logins are a tool's (a stuffing run's hits), not people's.
  if (s.kind === 'ua' && (s.automation_ua >= requests || s.subject === 'ua:')) return 0;
  const logins = s.logins - s.login_failures;
  if (hosting) return logins > 0 ? loginWeight * logins : 0;
  let evidence = s.rendered_assets > s.known_browsers ? s.rendered_assets : s.known_browsers;
  const app = s.app_ua - s.login_failures - s.cart - s.client_errors;
  if (app > 0) {
    const sessions = s.session_calls / requests;
    const calm = 1 - Math.max(s.spiking_route, s.cache_busting) / requests;
    if (sessions > 0 && calm > 0) evidence += app * sessions * calm;
  }
  if (logins > 0) evidence += loginWeight * logins;
  return evidence;
}

/** Requests of one summary that claim a human client's identity; 0 for networks. */
export function humanClaims(s: Summary): number {
  if (s.kind === 'ua') return s.browser_ua + s.app_ua;
  if (s.kind === 'ja4') return Math.max(0, s.browser_ua - s.ua_ja4_mismatch) + s.app_ua;
  return 0;
}

class SharedAddress {
  /** Decayed maximum of the people seen at once. */
  people = 0;
  at = 0;
  /** App user agents seen in the current and the previous `app_window_ms` epoch (app steps only). */
  apps: HyperLogLog | null = null;
  previousApps: HyperLogLog | null = null;
  epoch = 0;
}

/** Whether the step is the app's people: the people test of peopleAtOnce, and app-stack requests at least half. */
function appStep(s: Summary): boolean {
  return s.uas !== null && s.requests > 0 && 2 * s.app_ua >= s.requests && 5 * (s.not_found + s.login_failures) <= s.requests && 5 * (s.browser_ua + s.app_ua) >= 4 * s.requests;
}

/** People's clients seen at once in one `ip:` summary (0 when the step does not look like people). */
export function peopleAtOnce(s: Summary): number {
  const requests = s.requests;
  if (requests <= 0 || s.uas === null) return 0;
  if (5 * (s.not_found + s.login_failures) > requests) return 0;
  if (5 * (s.browser_ua + s.app_ua) < 4 * requests) return 0;
  if (s.rendered_assets === 0 && s.known_browsers === 0 && 2 * s.app_ua < requests) return 0;
  return s.uas.estimate();
}

export class CollateralGuard {
  private readonly subjects: BoundedMap<SubjectKey, Presence>;
  private readonly addresses: BoundedMap<SubjectKey, SharedAddress>;
  private hosting: ReadonlySet<number>;

  constructor(private config: CollateralGuardConfig) {
    this.subjects = new BoundedMap(config.max_subjects);
    this.addresses = new BoundedMap(config.max_addresses);
    this.hosting = hostingSet(config);
  }

  /** The hosting list is read first (it may have been refreshed): if it fails, nothing changes. */
  reconfigure(config: CollateralGuardConfig): void {
    this.hosting = hostingSet(config);
    this.config = config;
  }

  /** Whether `subject` is an `asn:` of a hosting network. */
  isHosting(subject: SubjectKey): boolean {
    return subject.startsWith('asn:') && this.hosting.has(Number(subject.slice(4)));
  }

  /** Feeds one summary. */
  observe(summary: Summary): void {
    if (summary.kind === 'ip') {
      this.observeAddress(summary);
      return;
    }
    const evidence = humanEvidence(summary, this.config.login_weight, summary.kind === 'asn' && this.isHosting(summary.subject));
    const claims = humanClaims(summary);
    let presence = this.subjects.get(summary.subject);
    if (presence === undefined) {
      if (evidence === 0 && claims === 0) return;
      presence = new Presence();
      presence.at = summary.last_ms;
      presence.since = summary.step_ms;
      this.subjects.set(summary.subject, presence);
    }
    this.decayTo(presence, summary.last_ms);
    presence.evidence += evidence;
    presence.claims += claims;
    presence.requests += summary.requests;
  }

  /** Whether enforcing `subject` as a whole would hit humans seen in it recently, and on which ground. */
  inhabited(subject: SubjectKey, at: number): Inhabited {
    if (!this.config.enabled) return INHABITED.no;
    if (subject.startsWith('ip:')) return this.sharedAddress(subject, at);
    const presence = this.subjects.peek(subject);
    if (presence === undefined) return INHABITED.no;
    this.decayTo(presence, at);
    const config = this.config;
    if (presence.evidence >= config.min_evidence) return INHABITED.evidence;
    if (presence.claims > 0 && presence.claims >= config.identity_min_share * presence.requests && at - presence.since < config.identity_absence_ms) return INHABITED.identity;
    return INHABITED.no;
  }

  get size(): number {
    return this.subjects.size + this.addresses.size;
  }

  /**
   * A summary of one address: most addresses show one user agent per step (no entry is made,
   * one HyperLogLog count read); a step with several people's clients raises the address's
   * decayed maximum.
   */
  private observeAddress(summary: Summary): void {
    let people = peopleAtOnce(summary);
    const window = this.config.app_window_ms;
    const app = window > 0 && appStep(summary);
    if (people < 2 && !app) return;
    let shared = this.addresses.get(summary.subject);
    if (shared === undefined) {
      shared = new SharedAddress();
      shared.at = summary.last_ms;
      this.addresses.set(summary.subject, shared);
    }
    this.decayAddress(shared, summary.last_ms);
    if (app) people = Math.max(people, this.appsOver(shared, summary, window));
    if (people > shared.people) shared.people = people;
  }

  /**
   * The app's users behind one address, over one to two `window`s: they all send the app stack's
   * user agents, so a step seldom shows two at once, but a carrier exit's users run several builds
   * and platforms within a minute, where one person runs one.
   */
  private appsOver(shared: SharedAddress, summary: Summary, window: number): number {
    const epoch = Math.floor(summary.step_ms / window);
    if (epoch !== shared.epoch) {
      shared.previousApps = epoch === shared.epoch + 1 ? shared.apps : null;
      shared.apps = null;
      shared.epoch = epoch;
    }
    const uas = summary.uas as HyperLogLog;
    if (shared.apps === null || shared.apps.precision !== uas.precision) shared.apps = new HyperLogLog(uas.precision);
    shared.apps.merge(uas);
    const now = shared.apps.estimate();
    const before = shared.previousApps === null ? 0 : shared.previousApps.estimate();
    return Math.round(now > before ? now : before);
  }

  private sharedAddress(subject: SubjectKey, at: number): Inhabited {
    const shared = this.addresses.peek(subject);
    if (shared === undefined) return INHABITED.no;
    this.decayAddress(shared, at);
    // Rounded: a step of exactly two people decays below 2 within the next second.
    return Math.round(shared.people) >= this.config.min_shared_people ? INHABITED.shared : INHABITED.no;
  }

  private decayAddress(shared: SharedAddress, at: number): void {
    if (at <= shared.at) return;
    shared.people *= decayFactor(at - shared.at, this.config.shared_half_life_ms);
    shared.at = at;
  }

  private decayTo(presence: Presence, at: number): void {
    if (at <= presence.at) return;
    const factor = decayFactor(at - presence.at, this.config.half_life_ms);
    presence.evidence *= factor;
    presence.claims *= factor;
    presence.requests *= factor;
    presence.at = at;
  }
}
