/**
 * The decision path's contract: what an enforcing side asks (DecisionClient), what it gets back
 * (Decision), how a replica changes (ReplicaChange) and what feeds it (VerdictFeed).
 *
 * Everything that enforces at request time (the decision service, the origin middleware, the edge
 * Worker's snapshot) speaks these types; the wire form of changes is in the README ("Stream protocol").
 */
import type { EventAction, SubjectKey, Verdict } from '@botsieve/core';
import type { ClientFacts, Exemption } from '@botsieve/runtime';

/**
 * What the enforcing side knows of one request's client. Field names are the event's, so a
 * RequestEvent fits. `verified` is the edge's own verified-bot answer (`cf.client.bot`,
 * `request.cf.botManagement.verifiedBot`).
 */
export interface DecisionClient extends ClientFacts {
  /** JA4 TLS fingerprint when the edge passed one. */
  readonly ja4?: string | null | undefined;
}

/** The answer for one request. */
export interface Decision {
  readonly action: EventAction;
  /** 1–99 (low = automated): the verdict's score; 99 when allowed. */
  readonly score: number;
  /** The subject whose verdict applies, or null when allowed. */
  readonly subject: SubjectKey | null;
  /** Why: the verdict's detector ids, or the exemption (`verified_bot:googlebot`, `safelisted_cidr`); empty when nothing applies. */
  readonly reasons: readonly string[];
  /** When the applied verdict expires (ms since the epoch); 0 when allowed. */
  readonly expires_at: number;
  /** Why an exempt client is exempt; null otherwise. */
  readonly exemption: Exemption | null;
}

/** One change to a replica, in version order. Expiry is not a change: every holder expires by `expires_at` itself. */
export type ReplicaChange =
  | { readonly type: 'upsert'; readonly version: number; readonly verdict: Verdict }
  /** The subject's verdict was evicted (the replica is full); holders drop it too. */
  | { readonly type: 'remove'; readonly version: number; readonly subject: SubjectKey };

/**
 * What a feed that mirrors another replica (the stream, Redis) needs besides `apply`: dropping an
 * evicted subject, and replacing everything at once when it receives a full snapshot. A
 * `VerdictReplica` is one. Feeds that only ever add (the verdicts topic) ignore it.
 */
export interface VerdictSync {
  /** Drops the subject's verdict (the source evicted it). */
  remove(subject: SubjectKey): boolean;
  /** Holds exactly `verdicts` (the strongest active one per subject) and nothing else, in one synchronous step. */
  replace(verdicts: readonly Verdict[]): void;
}

/**
 * A source of verdicts for a replica: the verdicts topic, a decision server's stream, or Redis.
 * `start` resolves once the replica holds everything active at start (rebuilt); afterwards the
 * feed keeps applying verdicts until `close`. `sync` is optional so a feed that only adds can
 * ignore it; a mirroring feed without it can only add (stale verdicts then last until they expire).
 */
export interface VerdictFeed {
  readonly kind: 'bus' | 'stream' | 'redis';
  start(apply: (verdict: Verdict) => void, sync?: VerdictSync): Promise<void>;
  /** Milliseconds between the newest verdict's decision and its arrival here (0 before any). */
  lagMs(): number;
  close(): Promise<void>;
}
