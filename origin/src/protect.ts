/**
 * createOriginProtection: the one call that protects an origin. It wires what the README's guard
 * example leaves to the user: a VerdictReplica fed by a StreamVerdictFeed from the decision
 * service's `/v1/verdicts/stream`, a RequestStream of request metadata to ingest's `/stream`, and
 * an OriginGuard deciding from that replica and streaming to that ingest.
 *
 * - Nothing here waits on the network: the call returns at once, and until the feed's first
 *   `synced` the guard's source reports not ready, so requests fail open as `not_ready` (counted),
 *   never a request held for a decision service that is down. `synced` resolves at the first sync.
 * - After the first sync the source stays ready through reconnects: the replica keeps what it
 *   held (verdicts expire by themselves) while the feed resumes with its token.
 * - `close()` stops what this call started (the feed and the request stream), not what was
 *   passed in (a `load_bucket` stays the caller's).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VerdictReplica, StreamVerdictFeed, type Decision, type DecisionClient, type StreamVerdictFeedOptions } from '@botsieve/decisions';
import { systemClock } from '@botsieve/runtime';
import { originConfigError } from './errors.js';
import { OriginGuard, type DecisionSource, type OriginGuardOptions } from './middleware/origin-guard.js';
import { expressGuard, fastifyGuard, nodeHttpGuard } from './middleware/adapters.js';
import { RequestStream, type RequestStreamOptions } from './request-stream/request-stream.js';

/** `{ header, token }`: the header the service authenticates with and its value (`{ header: 'authorization', token: 'Bearer SECRET' }`). */
export interface ServiceAuth {
  header: string;
  token: string;
}

/** Where verdicts come from: the decision service (`botsieve start --role decide`). */
export interface DecisionsConnection extends Omit<StreamVerdictFeedOptions, 'url' | 'auth_header' | 'token' | 'clock'> {
  /** The decision service's base URL (`http://decide.internal:8090`); `/v1/verdicts/stream` is appended. */
  url: string;
  /** Its `decide.auth`; no header is sent when absent. */
  auth?: ServiceAuth | null;
}

export interface OriginProtectionOptions extends Omit<OriginGuardOptions, 'source' | 'stream'> {
  /** The decision service whose verdict stream feeds the local replica. */
  decisions: DecisionsConnection;
  /** Ingest's stream (`ws://ingest.internal:8080/stream`) and its RequestStream options; null sends no request metadata. */
  ingest: RequestStreamOptions | null;
  /** Active verdicts the local replica holds at most (default 1,000,000). */
  max_verdicts?: number;
}

export interface OriginProtection {
  readonly guard: OriginGuard;
  readonly replica: VerdictReplica;
  readonly feed: StreamVerdictFeed;
  /** Null when `ingest` was null. */
  readonly stream: RequestStream | null;
  /** Resolves at the feed's first sync; rejects only when closed before it. */
  readonly synced: Promise<void>;
  /** True once the replica holds the decision service's snapshot. */
  ready(): boolean;
  /** `(req, res) => handled` for node:http (see nodeHttpGuard). */
  readonly node: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** An Express middleware (see expressGuard). */
  readonly express: ReturnType<typeof expressGuard>;
  /** A Fastify plugin (see fastifyGuard). */
  readonly fastify: ReturnType<typeof fastifyGuard>;
  /** Stops the feed and sends what the request stream still holds, waiting up to `timeout_ms` for ingest's acks (default 5,000). */
  close(timeout_ms?: number): Promise<void>;
}

/** The replica, asked only once the feed has synced. A class, so the guard's source keeps one shape. */
class SyncedReplicaSource implements DecisionSource {
  synced = false;
  constructor(private readonly replica: VerdictReplica) {}

  decide(client: DecisionClient): Decision {
    return this.replica.decide(client);
  }

  ready(): boolean {
    return this.synced;
  }
}

export function createOriginProtection(options: OriginProtectionOptions): OriginProtection {
  const { decisions, ingest, max_verdicts, ...guardOptions } = options;
  const { url, auth, ...feedOptions } = decisions;
  if (!isHttpUrl(url)) throw originConfigError(`origin protection: decisions.url ${String(url)}: expected http:// or https://`);
  const clock = guardOptions.clock ?? systemClock;
  const replica = new VerdictReplica({ clock, ...(max_verdicts === undefined ? {} : { max_verdicts }) });
  const source = new SyncedReplicaSource(replica);
  // Built before anything starts: a bad option throws here with nothing left running.
  const stream = ingest === null ? null : new RequestStream(ingest);
  const guard = new OriginGuard({ ...guardOptions, source, stream });
  const feed = new StreamVerdictFeed({ ...feedOptions, url, clock, ...(auth ? { auth_header: auth.header, token: auth.token } : {}) });

  stream?.start();
  const synced = feed.start((verdict) => replica.apply(verdict), replica).then(() => {
    source.synced = true;
  });
  // The caller may never await `synced`; a rejection (close before the first sync) is not an error then.
  synced.catch(() => undefined);

  let closing: Promise<void> | undefined;
  return {
    guard,
    replica,
    feed,
    stream,
    synced,
    ready: () => source.synced,
    node: nodeHttpGuard(guard),
    express: expressGuard(guard),
    fastify: fastifyGuard(guard),
    close: (timeout_ms = 5_000) =>
      (closing ??= (async () => {
        await feed.close();
        await stream?.close(timeout_ms);
      })()),
  };
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
