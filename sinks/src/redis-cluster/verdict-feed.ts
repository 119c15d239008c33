/**
 * RedisVerdictFeed: a decision replica fed from the Redis Cluster the redis-cluster sink writes,
 * for deployments that already run it (origins that reach Redis but not Kafka).
 *
 * Rebuild: SCAN every master for `<key_prefix>v:*` and GET the values (pipelined per master),
 * decoded with the sink's own record format; `VerdictSync.replace` hands them over in one step.
 *
 * Follow: a pass every `poll_interval_ms` that SCANs again but reads only each value's head,
 * `<rank>|<expires_at>|` (GETRANGE of 32 bytes), and GETs the whole value only where the head
 * differs from what the feed applied. The sink's compare-and-set stores a new value only with a
 * higher rank or a later expiry, so the head names the stored verdict (a verdict replaced after
 * expiry by one expiring at the very same millisecond would be missed; it is caught if it changes
 * again). Keys gone from Redis (expired, or evicted by a `maxmemory` policy) are removed from the
 * replica after a complete pass (a pass with an error removes nothing).
 *
 * Why polling and not a PUBLISH from the sink's write pipeline or keyspace notifications: a
 * PUBLISH in the sink would need the sink changed, and Redis pub/sub drops messages while a
 * subscriber is disconnected, so a pass would still be needed to repair; keyspace notifications
 * need `notify-keyspace-events` set on every node, which managed Redis services often refuse.
 * Polling needs nothing of the server and is exact after every pass. Latency: a change is applied
 * within `poll_interval_ms` + one pass. A pass costs a SCAN of every key plus 32 bytes per
 * verdict key, linear in the number of keys; SCAN's MATCH filters after visiting, so every key of
 * the database counts, not only the verdicts (keep verdicts in a database of their own if the
 * cluster holds much else). Measured in verdict-feed.test.ts (testkit's local 3-master cluster, a
 * shared 2-core VM, Node 20, other tests writing meanwhile): a pass over 20,000 unchanged keys
 * took 276–380 ms (14–19 µs a key), the rebuild of 20,000 450–770 ms, and a write was applied
 * 187–377 ms after it with `poll_interval_ms` 50. Extrapolated, a pass over 1 M keys takes
 * 15–20 s: a deployment that needs sub-second propagation at that size should use the stream or
 * the bus feed.
 */
import type { Clock, Logger, SubjectKey, Verdict } from '@botsieve/core';
import type { VerdictFeed, VerdictSync } from '@botsieve/decisions';
import type { Redis } from 'ioredis';
import { sinkError } from '../errors.js';
import { connectCluster, createVerdictCluster, errorMessage, quitCluster, type VerdictCluster, type VerdictClusterFactory } from './cluster-client.js';
import type { RedisClusterConfig } from './config.js';
import { decodeStoredVerdict } from './verdict-record.js';

export interface RedisVerdictFeedOptions {
  /** Milliseconds between the end of one pass and the start of the next. */
  poll_interval_ms?: number;
  /** SCAN COUNT: keys asked for per SCAN call (and GETs per pipeline). */
  scan_count?: number;
  clock?: Clock;
  /** Makes the client; defaults to a real ioredis Cluster (reading from replicas when configured). */
  cluster?: VerdictClusterFactory;
}

export interface RedisFeedStats {
  /** Complete passes (the rebuild included), and passes that failed. */
  passes: number;
  failed_passes: number;
  /** Verdicts applied, subjects removed, values that are not ours (damaged, another format). */
  applied: number;
  removed: number;
  bad_values: number;
  /** Duration of the last complete pass. */
  last_pass_ms: number;
}

/** The head `<rank>|<expires_at>|` fits easily: rank one digit, expires_at 13–16 digits. */
const HEAD_BYTES = 32;

export class RedisVerdictFeed implements VerdictFeed {
  readonly kind = 'redis' as const;
  private readonly pollIntervalMs: number;
  private readonly scanCount: number;
  private readonly clock: Clock;
  private readonly makeCluster: VerdictClusterFactory;
  private cluster: VerdictCluster | undefined;
  private apply: (verdict: Verdict) => void = () => undefined;
  private sync: VerdictSync | undefined;
  /** Subject → the head of the value applied (`<rank>|<expires_at>`). */
  private readonly heads = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  private newestDecidedAt = -1;
  private lag = 0;
  private readonly counts: RedisFeedStats = { passes: 0, failed_passes: 0, applied: 0, removed: 0, bad_values: 0, last_pass_ms: 0 };

  constructor(
    private readonly config: RedisClusterConfig,
    options: RedisVerdictFeedOptions = {},
  ) {
    this.pollIntervalMs = options.poll_interval_ms ?? 1_000;
    this.scanCount = options.scan_count ?? 1_000;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.makeCluster = options.cluster ?? createVerdictCluster;
  }

  /** Connects, rebuilds (ERR_SINK_CONNECT / ERR_SINK_UNAVAILABLE when it cannot), then polls until closed. */
  async start(apply: (verdict: Verdict) => void, sync?: VerdictSync): Promise<void> {
    this.apply = apply;
    this.sync = sync;
    const cluster = this.makeCluster(this.config, 'read');
    cluster.on('error', () => undefined); // failures surface as failed commands, counted per pass
    await connectCluster(cluster, this.config.connect_timeout_ms, silentLog);
    this.cluster = cluster;
    try {
      await this.pass(true);
    } catch (error) {
      throw sinkError('ERR_SINK_UNAVAILABLE', `redis verdict feed could not rebuild: ${errorMessage(error)}`, { cause: error });
    }
    this.schedule();
  }

  lagMs(): number {
    return this.lag;
  }

  stats(): RedisFeedStats {
    return { ...this.counts };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    const cluster = this.cluster;
    this.cluster = undefined;
    if (cluster !== undefined) await quitCluster(cluster, this.config.command_timeout_ms);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.pass(false)
        .catch(() => {
          this.counts.failed_passes += 1;
        })
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.pollIntervalMs);
  }

  /** One pass over every master: everything on the rebuild, only changed heads afterwards. */
  private async pass(rebuild: boolean): Promise<void> {
    const cluster = this.cluster;
    if (cluster === undefined) return;
    const started = Date.now();
    const pattern = `${this.config.key_prefix}v:*`;
    const seen = new Set<string>();
    const snapshot: Verdict[] = [];
    for (const node of cluster.nodes('master')) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', this.scanCount);
        cursor = next;
        // `<prefix>v:{<subject>}`: the subject is between the pattern's `*` and the closing brace.
        const subjects = keys.map((key) => key.slice(pattern.length, -1));
        for (const subject of subjects) seen.add(subject);
        const wanted = rebuild ? keys : await this.changed(node, keys, subjects);
        if (wanted.length === 0) continue;
        for (const verdict of await this.read(node, wanted)) {
          if (rebuild) snapshot.push(verdict);
          else this.deliver(verdict);
        }
      } while (cursor !== '0' && !this.closed);
    }
    if (this.closed) return;
    if (rebuild) {
      if (this.sync !== undefined) this.sync.replace(snapshot);
      else for (const verdict of snapshot) this.apply(verdict);
      this.counts.applied += snapshot.length;
    }
    for (const subject of this.heads.keys()) {
      if (seen.has(subject)) continue;
      this.heads.delete(subject);
      this.sync?.remove(subject as SubjectKey);
      this.counts.removed += 1;
    }
    this.counts.passes += 1;
    this.counts.last_pass_ms = Date.now() - started;
  }

  /** The keys whose head differs from what was applied (new subjects included). */
  private async changed(node: Redis, keys: string[], subjects: string[]): Promise<string[]> {
    const replies = await node.pipeline(keys.map((key) => ['getrange', key, 0, HEAD_BYTES - 1])).exec();
    const changed: string[] = [];
    replies?.forEach(([error, head], i) => {
      if (error !== null) throw error;
      if (typeof head !== 'string' || head === '') return; // expired between SCAN and GETRANGE
      if (this.heads.get(subjects[i] as string) !== headOf(head)) changed.push(keys[i] as string);
    });
    return changed;
  }

  private async read(node: Redis, keys: string[]): Promise<Verdict[]> {
    const replies = await node.pipeline(keys.map((key) => ['get', key])).exec();
    const verdicts: Verdict[] = [];
    const now = this.clock.now();
    for (const [error, value] of replies ?? []) {
      if (error !== null) throw error;
      if (typeof value !== 'string') continue;
      const stored = decodeStoredVerdict(value);
      if (stored === undefined) {
        this.counts.bad_values += 1;
        continue;
      }
      this.heads.set(stored.verdict.subject, `${stored.rank}|${stored.expires_at}`);
      if (stored.expires_at <= now) continue;
      this.arrived(stored.verdict, now);
      verdicts.push(stored.verdict);
    }
    return verdicts;
  }

  /**
   * A changed value. `apply` alone is enough: the sink's compare-and-set only stores a stronger
   * or later-expiring verdict, or replaces an expired one, and the replica's rule accepts each.
   */
  private deliver(verdict: Verdict): void {
    this.apply(verdict);
    this.counts.applied += 1;
  }

  private arrived(verdict: Verdict, now: number): void {
    if (verdict.decided_at <= this.newestDecidedAt) return;
    this.newestDecidedAt = verdict.decided_at;
    this.lag = Math.max(0, now - verdict.decided_at);
  }
}

/** `<rank>|<expires_at>` of a value's first bytes; '' when they are not a head. */
function headOf(text: string): string {
  const first = text.indexOf('|');
  const second = first === -1 ? -1 : text.indexOf('|', first + 1);
  return second === -1 ? '' : text.slice(0, second);
}

const ignore = () => {};
const silentLog: Logger = { fatal: ignore, error: ignore, warn: ignore, info: ignore, debug: ignore, trace: ignore, child: () => silentLog };
