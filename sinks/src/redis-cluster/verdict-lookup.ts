/**
 * The origin's read side: which action applies to a client, from the verdicts RedisClusterVerdictStore
 * keeps. One GET per subject, all issued at once: auto-pipelining sends one pipeline per node, so a
 * lookup costs one parallel round trip whatever the number of subjects.
 *
 *     const lookup = new RedisVerdictLookup(config, { clock: systemClock });
 *     await lookup.connect();
 *     const { action, exemption } = await lookup.lookup({ ip: req.socket.remoteAddress, user_agent: req.headers['user-agent'] ?? '' });
 *
 * Exempt clients first: a verified bot or a safelisted client (ClientExemption, the one function
 * every enforcement path asks) gets `allow` whatever verdicts its ipua, ip, prefix, asn, ja4 or
 * user agent hold, with the reason in `exemption`, and costs no read. A verdict about a population
 * (an ASN, a JA4, a user agent) is about that population, not about the verified crawler in it.
 * Pass what the origin knows: the edge's `cf.client.bot` as `verified`, Bot Management's
 * `verified_bot_category` / `bot_score_src` / `bot_score` when the request carries them, and the
 * ASN (some known bots are published as one).
 *
 * A failed read throws ERR_SINK_UNAVAILABLE; whether to fail open (allow) is the origin's choice.
 */
import { performance } from 'node:perf_hooks';
import { BotsieveError, clientSubjects, type ClientIdentity, type Clock, type Logger, type SubjectKey, type Verdict } from '@botsieve/core';
import { ClientExemption, type ClientFacts, type ComponentTelemetry, type Exemption } from '@botsieve/runtime';
import { SINK_ERRORS, sinkError } from '../errors.js';
import type { LookupResult } from '../memory-verdict-store/memory-verdict-store.js';
import { connectCluster, createVerdictCluster, errorMessage, pingMasters, quitCluster, type VerdictCluster, type VerdictClusterFactory } from './cluster-client.js';
import type { RedisClusterConfig } from './config.js';
import { decodeStoredVerdict, verdictKey } from './verdict-record.js';

/** Seconds per lookup, all subjects' reads included. */
export const VERDICT_LOOKUP_SECONDS = 'botsieve_verdict_lookup_seconds';

const ALLOW: LookupResult = Object.freeze({ action: 'allow', verdict: null });

/** What an origin knows of a client: its subjects, and what verifies it (see ClientFacts). */
export type LookupClient = ClientIdentity & ClientFacts;

/** The action for a client, the verdict it comes from, and why an exempt client is exempt (null otherwise). */
export interface ClientLookupResult extends LookupResult {
  exemption: Exemption | null;
}

export interface RedisVerdictLookupDependencies {
  /** Decides what has expired: Redis drops a verdict at its PEXPIREAT, but clocks differ a little. */
  clock: Clock;
  /** Optional: lookup latency and errors. */
  telemetry?: ComponentTelemetry;
  cluster?: VerdictClusterFactory;
  /** Who is never acted on; default: the shipped known-bot data and the default safelist (private ranges). */
  exemption?: ClientExemption;
}

export class RedisVerdictLookup {
  private cluster: VerdictCluster | undefined = undefined;
  private readonly clock: Clock;
  private readonly telemetry: ComponentTelemetry | undefined;
  private readonly makeCluster: VerdictClusterFactory;
  private readonly exemption: ClientExemption;

  constructor(
    private readonly config: RedisClusterConfig,
    dependencies: RedisVerdictLookupDependencies,
  ) {
    this.clock = dependencies.clock;
    this.telemetry = dependencies.telemetry;
    this.makeCluster = dependencies.cluster ?? createVerdictCluster;
    this.exemption = dependencies.exemption ?? new ClientExemption();
  }

  /** Connects (reading from replicas when `read_from_replicas`); ERR_SINK_CONNECT after `connect_timeout_ms`. */
  async connect(): Promise<void> {
    if (this.cluster !== undefined) return;
    if (this.config.nodes.length === 0) throw new BotsieveError(SINK_ERRORS.ERR_SINK_CONFIG.code, 'redis verdict lookup has no nodes configured');
    const cluster = this.makeCluster(this.config, 'read');
    await connectCluster(cluster, this.config.connect_timeout_ms, this.telemetry?.log ?? silentLog);
    cluster.on('error', (error: unknown) => this.telemetry?.log.warn({ err: error }, 'redis cluster error'));
    this.cluster = cluster;
  }

  /**
   * `allow` with the reason for an exempt client (no read); otherwise the strongest active
   * verdict over the client's subjects (core's clientSubjects: its user agent on its address, ip,
   * prefix, asn, ja4 and user agent).
   */
  async lookup(client: LookupClient): Promise<ClientLookupResult> {
    const exemption = this.exemption.check(client);
    if (exemption !== null) {
      if (this.cluster === undefined) throw new BotsieveError(SINK_ERRORS.ERR_SINK_CLOSED.code, 'redis verdict lookup is not connected');
      return { action: 'allow', verdict: null, exemption };
    }
    const result = await this.lookupSubjects(clientSubjects(client));
    return { action: result.action, verdict: result.verdict, exemption: null };
  }

  /**
   * The strongest active verdict over `subjects`; on a tie in strength, the earlier subject's.
   * Subjects alone say nothing of who the client is: no exemption applies here. To decide for a
   * client, use `lookup`.
   */
  async lookupSubjects(subjects: readonly SubjectKey[]): Promise<LookupResult> {
    const cluster = this.cluster;
    if (cluster === undefined) throw new BotsieveError(SINK_ERRORS.ERR_SINK_CLOSED.code, 'redis verdict lookup is not connected');
    if (subjects.length === 0) return ALLOW;
    const started = performance.now();
    let values: (string | null)[];
    let timer: NodeJS.Timeout | undefined;
    try {
      // Bounded: ioredis queues commands without limit while the cluster is unreachable.
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no reply within ${this.config.lookup_timeout_ms} ms`)), this.config.lookup_timeout_ms);
      });
      values = await Promise.race([Promise.all(subjects.map((subject) => cluster.get(verdictKey(this.config.key_prefix, subject)))), deadline]);
    } catch (cause) {
      this.telemetry?.metrics.error(SINK_ERRORS.ERR_SINK_UNAVAILABLE.code);
      // The next lookup routes by a fresh slot map (see refreshSlots); this one fails now.
      cluster.refreshSlotsCache();
      throw sinkError('ERR_SINK_UNAVAILABLE', `verdict lookup failed: ${errorMessage(cause)}`, { cause });
    } finally {
      clearTimeout(timer);
    }
    const now = this.clock.now();
    let best: Verdict | undefined;
    let bestRank = 0;
    for (const value of values) {
      const stored = value === null ? undefined : decodeStoredVerdict(value);
      // Redis may still return a verdict a few ms past its deadline if its clock lags ours.
      if (stored === undefined || stored.expires_at <= now || stored.rank <= bestRank) continue;
      best = stored.verdict;
      bestRank = stored.rank;
    }
    this.telemetry?.metrics.observe(VERDICT_LOOKUP_SECONDS, (performance.now() - started) / 1_000);
    return best === undefined ? ALLOW : { action: best.action, verdict: best };
  }

  async healthcheck(): Promise<boolean> {
    return this.cluster !== undefined && (await pingMasters(this.cluster));
  }

  async close(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    if (cluster !== undefined) await quitCluster(cluster, this.config.command_timeout_ms);
  }
}

const ignore = () => {};
const silentLog: Logger = { fatal: ignore, error: ignore, warn: ignore, info: ignore, debug: ignore, trace: ignore, child: () => silentLog };
