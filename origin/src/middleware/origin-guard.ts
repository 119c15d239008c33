/**
 * OriginGuard: one request in, what to do about it out. Framework adapters (node-http.ts,
 * express.ts, fastify.ts) only translate; every rule lives here.
 *
 * Per request: the client address (client-address/), the edge's facts about the client (only when
 * the request came through Cloudflare, see edge-headers.ts), a decision from the local source,
 * then enforcement: `block` → 403, `challenge` → the configured handler, `log`/`allow` → on. A
 * loaded origin may still answer 429 to a low-score bot (load-bucket/). What was found is attached
 * to the request for the application (`req.botsieve`). At the response's end one metadata record
 * goes to the request stream (request-stream/), if one is configured.
 *
 * Fail open, always: the source throwing, not ready, answering something that is not a decision,
 * or taking longer than `budget_ms` lets the request through as `allow`, counted by reason. A
 * synchronous call cannot be interrupted, so `breaker_after` answers over budget in a row open a
 * breaker: for `breaker_ms` the source is not asked at all (counted as `breaker_open`), so a
 * source that turned slow costs a few slow calls per `breaker_ms`, not one per request.
 *
 * Why in a row and not at the first: the elapsed time includes whatever paused the process (a GC,
 * a JIT deopt). Measured with the breaker opening at the first slow answer (a 10,000-verdict
 * replica, 1 M checks in a loop, Node 20, 2-core VM): 7 answers over 1 ms, all pauses, kept the
 * breaker open for 97.7 % of the requests. With three in a row (the default), the same run had 43
 * answers over budget, each failing open alone, and the breaker never opened. A pause is one
 * request; a slow source is every request. The whole check (address walk, edge headers, decide)
 * cost 2.4–3.0 µs per request in that run.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { CLOUDFLARE_HEADERS, EDGE_HEADERS, EDGE_TOKEN_MIN_LENGTH, type Clock, type EventAction } from '@botsieve/core';
import type { Decision, DecisionClient } from '@botsieve/decisions';
import { systemClock } from '@botsieve/runtime';
import { ClientAddressResolver, type AddressSource, type ClientAddressOptions } from '../client-address/index.js';
import { originConfigError } from '../errors.js';
import type { LoadBucket } from '../load-bucket/index.js';
import { buildRequestRecord, type RequestRecordSink } from '../request-stream/record.js';
import { NO_EDGE_FACTS, readEdgeFacts, type EdgeFacts } from './edge-headers.js';
import { GuardMetrics, type FailOpenReason } from './metrics.js';

/** Where decisions come from: a VerdictReplica fits (and any object with the same `decide`). */
export interface DecisionSource {
  decide(client: DecisionClient): Decision;
  /** False while the source has nothing to go on yet (a replica still loading); absent = always ready. */
  ready?(): boolean;
}

/** What the guard found, attached to the request as `req.botsieve`. */
export interface BotsieveRequestInfo {
  /** Canonical client address ('' when unknown). */
  readonly ip: string;
  readonly address_source: AddressSource;
  /** The request came through the Cloudflare edge (and the edge token matched, when one is set). */
  readonly edge_trusted: boolean;
  readonly edge: Readonly<EdgeFacts>;
  /** What was enforced: the decision's action, `allow` when failing open. */
  readonly action: EventAction;
  /** The source's decision; null when failing open. */
  readonly decision: Decision | null;
  /** Why no decision was taken; null when one was. */
  readonly fail_open: FailOpenReason | null;
  /** Answered 429 by the load bucket. */
  readonly rate_limited: boolean;
  /** Wall-clock ms when the guard saw the request (the record's EdgeStartTimestamp). */
  readonly started_at_ms: number;
}

/** A response the adapter sends instead of calling the application. */
export interface GuardResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** `pass` (default): on to the application, which sees `req.botsieve.action === 'challenge'`; `block`: 403; or your own answer (null = pass). */
export type ChallengeHandling = 'pass' | 'block' | ((info: BotsieveRequestInfo, req: IncomingMessage) => GuardResponse | null);

export interface OriginGuardOptions {
  /** The local decision source (a VerdictReplica fed by a feed). */
  source: DecisionSource;
  /** How the client address is found: options, or a resolver to share. Default: shipped Cloudflare ranges, no trusted proxies. */
  address?: ClientAddressOptions | ClientAddressResolver;
  /** Longest a decision may take, in ms (default 1); slower answers are not used (fail open). */
  budget_ms?: number;
  /** After `breaker_after` decisions over budget in a row, the source is not asked for this long, in ms (default 250; 0: always ask). */
  breaker_ms?: number;
  /** Decisions over budget in a row that open the breaker (default 3). */
  breaker_after?: number;
  /** What a `challenge` decision does (default `pass`; see README, "Challenges"). */
  challenge?: ChallengeHandling;
  /** Shared secret the edge Worker sends in `botsieve-edge-token` (its EDGE_TOKEN secret); when set, edge headers without it are ignored. */
  edge_token?: string | null;
  /** Where each request's metadata record goes at the response's end (a RequestStream). */
  stream?: RequestRecordSink | null;
  /** The load-adaptive bucket for low-score bots. */
  load_bucket?: LoadBucket | null;
  /** Wall clock for record timestamps (default the system clock). */
  clock?: Clock;
  /** Monotonic ms for the budget (default performance.now; tests inject one). */
  monotonic_ms?: () => number;
}

export const BLOCKED_RESPONSE: GuardResponse = Object.freeze({
  status: 403,
  headers: Object.freeze({ 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }),
  body: "Forbidden: this request was blocked by the site's bot protection.\n",
});

const STATE = Symbol('botsieve.origin');

interface ResponseState {
  guard: OriginGuard;
  req: IncomingMessage;
  info: BotsieveRequestInfo;
}

export class OriginGuard {
  readonly metrics = new GuardMetrics();
  private readonly source: DecisionSource;
  private readonly resolver: ClientAddressResolver;
  private readonly budgetMs: number;
  private readonly breakerMs: number;
  private readonly challenge: ChallengeHandling;
  private readonly edgeTokenHash: Buffer | null;
  private readonly stream: RequestRecordSink | null;
  private readonly loadBucket: LoadBucket | null;
  private readonly clock: Clock;
  private readonly monotonic: () => number;
  private readonly breakerAfter: number;
  private breakerUntil = -Infinity;
  private overBudgetInRow = 0;

  constructor(options: OriginGuardOptions) {
    if (typeof options.source?.decide !== 'function') throw originConfigError('origin guard: source must have decide(client)');
    this.source = options.source;
    this.resolver = options.address instanceof ClientAddressResolver ? options.address : new ClientAddressResolver(options.address);
    this.budgetMs = options.budget_ms ?? 1;
    if (!(this.budgetMs > 0 && this.budgetMs <= 10_000)) throw originConfigError(`origin guard: budget_ms ${this.budgetMs}: expected more than 0 and at most 10000`);
    this.breakerMs = options.breaker_ms ?? 250;
    if (!(this.breakerMs >= 0 && this.breakerMs <= 600_000)) throw originConfigError(`origin guard: breaker_ms ${this.breakerMs}: expected 0 to 600000`);
    this.breakerAfter = options.breaker_after ?? 3;
    if (!(Number.isInteger(this.breakerAfter) && this.breakerAfter >= 1)) throw originConfigError(`origin guard: breaker_after ${this.breakerAfter}: expected a positive integer`);
    this.challenge = options.challenge ?? 'pass';
    if (this.challenge !== 'pass' && this.challenge !== 'block' && typeof this.challenge !== 'function') throw originConfigError(`origin guard: challenge must be 'pass', 'block' or a function`);
    const token = options.edge_token ?? null;
    if (token !== null && (typeof token !== 'string' || token.length < EDGE_TOKEN_MIN_LENGTH)) throw originConfigError(`origin guard: edge_token must be a string of at least ${EDGE_TOKEN_MIN_LENGTH} characters`);
    this.edgeTokenHash = token === null ? null : createHash('sha256').update(token).digest();
    this.stream = options.stream ?? null;
    this.loadBucket = options.load_bucket ?? null;
    this.clock = options.clock ?? systemClock;
    this.monotonic = options.monotonic_ms ?? (() => performance.now());
  }

  /**
   * Looks at one request: returns what the guard found (also set as `req.botsieve`) and the
   * response to send instead of the application's, or null to go on. Never throws for anything
   * the request carries; registers one listener on `res` for the stream and the load bucket.
   */
  check(req: IncomingMessage, res: ServerResponse): { info: BotsieveRequestInfo; response: GuardResponse | null } {
    const metrics = this.metrics;
    metrics.requests += 1;
    const headers = req.headers;
    const address = this.resolver.resolve(req.socket?.remoteAddress, headers[CLOUDFLARE_HEADERS.connecting_ip], headers['x-forwarded-for']);
    metrics.address_source[address.source] += 1;
    const edgeTrusted = address.via_cloudflare && this.edgeTokenMatches(headers[EDGE_HEADERS.edge_token]);
    if (!edgeTrusted) metrics.edge_untrusted += 1;
    const edge = edgeTrusted ? readEdgeFacts(headers) : NO_EDGE_FACTS;

    let decision: Decision | null = null;
    let failOpen: FailOpenReason | null = null;
    if (address.ip === '') failOpen = 'no_address';
    else {
      const outcome = this.decide({ ip: address.ip, asn: edge.asn, ja4: edge.ja4, user_agent: userAgentOf(headers['user-agent']), verified: edge.verified, bot_score: edge.bot_score });
      if (typeof outcome === 'string') failOpen = outcome;
      else decision = outcome;
    }
    if (failOpen !== null) metrics.fail_open[failOpen] += 1;
    else metrics.decisions[decision!.action] += 1;
    const action: EventAction = decision === null ? 'allow' : decision.action;

    let response: GuardResponse | null = null;
    let rateLimited = false;
    const info: BotsieveRequestInfo = { ip: address.ip, address_source: address.source, edge_trusted: edgeTrusted, edge, action, decision, fail_open: failOpen, rate_limited: false, started_at_ms: this.clock.now() };
    if (action === 'block') response = BLOCKED_RESPONSE;
    else if (action === 'challenge') response = this.onChallenge(info, req);
    if (response === null && this.loadBucket !== null) {
      const retryAfter = this.loadBucket.admit(edge.bot_score, edge.verified);
      if (retryAfter > 0) {
        rateLimited = true;
        response = tooManyRequests(retryAfter);
      }
    }
    const final = rateLimited ? { ...info, rate_limited: true } : info;
    if (response !== null && response.status === 403) metrics.blocked += 1;
    if (rateLimited) metrics.rate_limited += 1;
    (req as IncomingMessage & { botsieve?: BotsieveRequestInfo }).botsieve = final;
    if (this.stream !== null || this.loadBucket !== null) {
      this.loadBucket?.enter();
      (res as ServerResponse & { [STATE]?: ResponseState })[STATE] = { guard: this, req, info: final };
      res.once('close', onResponseClose);
    }
    return { info: final, response };
  }

  /** The decision, or why there is none. */
  private decide(client: DecisionClient): Decision | FailOpenReason {
    const started = this.monotonic();
    if (started < this.breakerUntil) return 'breaker_open';
    let decision: Decision;
    try {
      if (this.source.ready !== undefined && !this.source.ready()) return 'not_ready';
      decision = this.source.decide(client);
    } catch {
      return 'error';
    }
    const elapsed = this.monotonic() - started;
    const micros = Math.round(elapsed * 1_000);
    if (micros > this.metrics.decide_max_us) this.metrics.decide_max_us = micros;
    if (elapsed > this.budgetMs) {
      this.overBudgetInRow += 1;
      if (this.breakerMs > 0 && this.overBudgetInRow >= this.breakerAfter) {
        this.breakerUntil = started + elapsed + this.breakerMs;
        this.overBudgetInRow = 0;
      }
      return 'over_budget';
    }
    this.overBudgetInRow = 0;
    if (typeof decision !== 'object' || decision === null || !ACTIONS.has(decision.action)) return 'invalid';
    return decision;
  }

  private onChallenge(info: BotsieveRequestInfo, req: IncomingMessage): GuardResponse | null {
    if (this.challenge === 'pass') return null;
    if (this.challenge === 'block') return BLOCKED_RESPONSE;
    try {
      return this.challenge(info, req);
    } catch {
      // A throwing hook must not fail the request: let it through, as for any other failure.
      this.metrics.fail_open.error += 1;
      return null;
    }
  }

  private edgeTokenMatches(value: string | string[] | undefined): boolean {
    if (this.edgeTokenHash === null) return true;
    if (typeof value !== 'string') return false;
    return timingSafeEqual(createHash('sha256').update(value).digest(), this.edgeTokenHash);
  }

  /** At the response's end: the load bucket's in-flight count, and the metadata record. */
  finish(state: ResponseState, res: ServerResponse): void {
    this.loadBucket?.leave();
    if (this.stream === null || state.info.ip === '') return;
    try {
      this.stream.push(buildRequestRecord(state.req, res, state.info, this.clock.now()));
    } catch {
      // The stream never fails a request; RequestStream counts its own drops.
    }
  }
}

const ACTIONS = new Set<unknown>(['allow', 'log', 'challenge', 'block']);

function onResponseClose(this: ServerResponse & { [STATE]?: ResponseState }): void {
  const state = this[STATE];
  if (state === undefined) return;
  this[STATE] = undefined;
  state.guard.finish(state, this);
}

/** The request's User-Agent: '' when it sent none (the subject `ua:`), null when repeated (malformed). */
function userAgentOf(value: string | string[] | undefined): string | null {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : null;
}

function tooManyRequests(retryAfterSeconds: number): GuardResponse {
  return { status: 429, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'retry-after': String(retryAfterSeconds) }, body: 'Too Many Requests: the site is busy; retry later.\n' };
}
