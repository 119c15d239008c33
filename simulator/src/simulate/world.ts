/**
 * The simulation's shared state and its event loop: actors wake up in simulation-time order and
 * emit requests; each request becomes one Logpush record (the field names Logpush writes) and
 * one ground-truth label.
 *
 * Ordering: actors are stepped in order of their wake-up time and only emit at or after it (an
 * asset at page time + 300 ms, say). Emitted records wait in a heap keyed by event time plus a
 * random delay below `jitter_ms`, and leave it once no actor can emit anything earlier. So the
 * output is in event-time order except for that bounded jitter, like Logpush, whose batches
 * come from many edge machines and are not strictly ordered.
 */
import { MinHeap } from './heap.js';
import type { AddressBook } from './addresses.js';
import { protocolOfJa4, quicJa4 } from './clients.js';
import type { Address } from './networks.js';
import type { Origin } from './origin.js';
import type { NetworkPools } from './pools.js';
import { hashUnit, type Random } from './random.js';
import type { Scenario, TrafficClass } from './scenario.js';
import type { Resource, Site } from './site.js';

/** One Logpush `http_requests` line as the simulator writes it (Bot Management fields optional). */
export interface LogpushRecord {
  RayID: string;
  /** Unix nanoseconds (timestamp_format `unixnano`), whole milliseconds. */
  EdgeStartTimestamp: number;
  ClientIP: string;
  ClientRequestHost: string;
  ClientRequestMethod: string;
  /** Worlds only (scenario.request_protocol): HTTP/1.1, HTTP/2 or HTTP/3. */
  ClientRequestProtocol?: string;
  ClientRequestURI: string;
  ClientRequestPath: string;
  ClientRequestUserAgent: string;
  ClientRequestReferer: string;
  ClientASN: number;
  ClientCountry: string;
  EdgeResponseStatus: number;
  OriginResponseStatus: number;
  OriginResponseDurationMs: number;
  EdgeResponseContentType: string;
  CacheCacheStatus: string;
  EdgeResponseBytes: number;
  BotScore?: number;
  BotScoreSrc?: string;
  VerifiedBotCategory?: string;
  JA4?: string;
  JA3Hash?: string;
  BotTags?: string[];
}

/** One line of the labels file. */
export interface RequestLabel {
  RayID: string;
  class: TrafficClass;
  actor: string;
}

export interface SimulatedRequest {
  record: LogpushRecord;
  label: RequestLabel;
}

/** How Bot Management scores a client: a score band per request, and what it says about it. */
export interface BotScoring {
  low: number;
  high: number;
  /** BotScoreSrc. */
  src: string;
  /** VerifiedBotCategory ('' unless verified). */
  category: string;
  tags: readonly string[];
}

export function scored(low: number, high: number, src = 'Machine Learning'): BotScoring {
  return { low: Math.max(1, Math.min(99, Math.round(low))), high: Math.max(1, Math.min(99, Math.round(high))), src, category: '', tags: [] };
}

export function verifiedBot(category: string, tags: readonly string[] = []): BotScoring {
  return { low: 1, high: 1, src: 'Verified Bot', category, tags };
}

/**
 * How a client picks its HTTP version: `auto` follows its JA4's ALPN (h2 → HTTP/2, else
 * HTTP/1.1); `browser` is a browser (or iOS's URLSession), on HTTP/3 for `http3_share` of them.
 */
export type Transport = 'auto' | 'browser';

/** A client's software as the edge sees it. */
export interface Client {
  user_agent: string;
  ja4: string;
  ja3: string;
  scoring: BotScoring;
  transport: Transport;
}

/**
 * Who sends a request. `ip`, `asn` and `country` may change between requests (rotating proxies);
 * the client too (`wear`: a bot rotating User-Agents).
 */
export class Identity {
  ip: string;
  asn: number;
  country: string;
  /** ClientRequestProtocol; decided at the first request when the scenario writes it ('' until then). */
  protocol = '';

  constructor(
    readonly cls: TrafficClass,
    readonly actor: string,
    address: Address,
    public user_agent: string,
    public ja4: string,
    /** The connection's JA3 (Chromium's changes per connection: draw one per session). */
    public ja3: string,
    public scoring: BotScoring,
    public transport: Transport = 'auto',
  ) {
    this.ip = address.ip;
    this.asn = address.asn;
    this.country = address.country;
  }

  moveTo(address: Address): void {
    this.ip = address.ip;
    this.asn = address.asn;
    this.country = address.country;
  }

  wear(client: Client): void {
    this.user_agent = client.user_agent;
    this.ja4 = client.ja4;
    this.ja3 = client.ja3;
    this.scoring = client.scoring;
    this.transport = client.transport;
    this.protocol = '';
  }

  /**
   * Settles the protocol without drawing from any stream (so turning the field on changes no
   * other byte): HTTP/3 for a browser whose (seed, actor) hash falls under the share, with the
   * QUIC form of its JA4; otherwise what the JA4's ALPN says.
   */
  settleProtocol(seed: number, http3Share: number): void {
    if (this.transport === 'browser' && hashUnit(`${seed}:${this.actor}`) < http3Share) {
      this.ja4 = quicJa4(this.ja4);
      this.protocol = 'HTTP/3';
    } else {
      this.protocol = protocolOfJa4(this.ja4);
    }
  }
}

export interface Actor {
  /** Next wake-up, ms since the epoch (simulation time). */
  next_ms: number;
  /** Acts at `next_ms`; returns false when done, true to be woken again at the new `next_ms`. */
  step(world: World): boolean;
}

const NO_TAGS: string[] = [];

export class World {
  /** Simulation time of the actor being stepped. */
  now: number;
  readonly end_ms: number;
  private readonly actors = new MinHeap<Actor>();
  private readonly output = new MinHeap<SimulatedRequest>();
  private rays = 0;
  /** Requests written per second of event time (seconds since the epoch → count). */
  private readonly perSecond = new Map<number, number>();

  constructor(
    readonly scenario: Scenario,
    readonly site: Site,
    readonly origin: Origin,
    readonly addresses: AddressBook,
    /** Per-request noise: cache status, score within its band, jitter, RayIDs. */
    private readonly noise: Random,
    /** Networks populations share (worlds); the default scenario's populations never use them. */
    readonly pools: NetworkPools,
  ) {
    this.now = 0;
    this.end_ms = scenario.start_ms + scenario.duration_s * 1_000;
  }

  /**
   * The most requests written in one second among the whole seconds in [from, to). Complete for
   * seconds before `now`: nothing is ever emitted earlier than now.
   */
  busiestSecond(from_ms: number, to_ms: number): number {
    let busiest = 0;
    for (let second = Math.ceil(from_ms / 1_000); (second + 1) * 1_000 <= to_ms; second++) busiest = Math.max(busiest, this.perSecond.get(second) ?? 0);
    return busiest;
  }

  /** Adds an actor (ignored when it would wake after the end). */
  schedule(actor: Actor): void {
    if (actor.next_ms < this.end_ms) this.actors.push(Math.max(actor.next_ms, this.now), actor);
  }

  /** Runs every actor to the end of the scenario, yielding requests in (jittered) event-time order. */
  *run(): Generator<SimulatedRequest> {
    const actors = this.actors;
    const output = this.output;
    while (actors.size > 0 && actors.peekKey() < this.end_ms) {
      this.now = actors.peekKey();
      const actor = actors.pop();
      while (output.peekKey() <= this.now) yield output.pop();
      if (actor.step(this)) this.schedule(actor);
    }
    while (output.size > 0) yield output.pop();
  }

  /**
   * One request at `ts` (clamped to now). Returns the status the client got, so clients can
   * react to errors. Requests before the start (warm-up) or after the end load the origin but
   * are not written.
   */
  emit(who: Identity, ts: number, method: string, resource: Resource, referer: string): number {
    const time = Math.floor(Math.max(ts, this.now));
    const noise = this.noise;
    let cache = 'dynamic';
    let status = resource.status;
    let originStatus = 0;
    let duration = 0;
    let bytes = resource.bytes;
    if (resource.cacheable) {
      // Warm edge cache for static assets: ~93% hits is typical of a shop's CSS/JS/images.
      const draw = noise.float();
      cache = draw < 0.93 ? 'hit' : draw < 0.97 ? 'miss' : draw < 0.99 ? 'expired' : 'revalidated';
    }
    if (cache !== 'hit') {
      const answer = this.origin.serve(this.now, resource.status);
      status = answer.status;
      originStatus = answer.origin_status;
      duration = answer.duration_ms;
      if (status >= 500) bytes = 1_200 + noise.int(0, 3_000);
    }
    if (time < this.scenario.start_ms || time >= this.end_ms) return status;

    const second = Math.floor(time / 1_000);
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + 1);
    const ray = `${hex8(noise.uint32())}${hex8(Math.imul(this.rays++, 0x9e3779b1) >>> 0)}`;
    const record: LogpushRecord = {
      RayID: ray,
      EdgeStartTimestamp: time * 1_000_000,
      ClientIP: who.ip,
      ClientRequestHost: this.scenario.host,
      ClientRequestMethod: method,
      ClientRequestURI: resource.uri,
      ClientRequestPath: resource.path,
      ClientRequestUserAgent: who.user_agent,
      ClientRequestReferer: referer,
      ClientASN: who.asn,
      ClientCountry: who.country,
      EdgeResponseStatus: status,
      OriginResponseStatus: originStatus,
      OriginResponseDurationMs: duration,
      EdgeResponseContentType: resource.content_type,
      CacheCacheStatus: cache,
      EdgeResponseBytes: bytes,
    };
    if (this.scenario.request_protocol) {
      if (who.protocol === '') who.settleProtocol(this.scenario.seed, this.scenario.http3_share);
      record.ClientRequestProtocol = who.protocol;
    }
    // Drawn with or without Bot Management, so both variants get the same noise stream and
    // differ only in these fields.
    const scoring = who.scoring;
    const score = noise.int(scoring.low, scoring.high);
    if (this.scenario.bot_management) {
      record.BotScore = score;
      record.BotScoreSrc = scoring.src;
      record.VerifiedBotCategory = scoring.category;
      record.JA4 = who.ja4;
      record.JA3Hash = who.ja3;
      record.BotTags = scoring.tags.length === 0 ? NO_TAGS : (scoring.tags as string[]);
    }
    const jitter = this.scenario.jitter_ms > 0 ? noise.float() * this.scenario.jitter_ms : 0;
    this.output.push(time + jitter, { record, label: { RayID: ray, class: who.cls, actor: who.actor } });
    return status;
  }
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}
