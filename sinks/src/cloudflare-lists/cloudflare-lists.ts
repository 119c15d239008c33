/**
 * Keeps Cloudflare lists equal to the active enforceable verdicts, by diffs.
 *
 * `block` and `challenge` verdicts on IPs, prefixes and ASNs go to four account lists
 * (`<prefix>_{block,challenge}_{ip,asn}`) that WAF custom rules refer to; JA4 verdicts (zones with
 * Bot Management) go into two custom rules. The pipeline owns those lists: items without the
 * botsieve marker in their comment are deleted at reconcile. Do not add items by hand; use
 * `never_push` to exempt subjects.
 *
 * One writer per account: Cloudflare accepts one pending bulk operation per account. Either run
 * one instance of this sink with `api_token` per account, or give every instance the token and a
 * writer lease (`writer_lease.backend: 'redis'`): the holder writes, the others run in standby —
 * they merge verdicts into their desired state and log what they would send, sending nothing —
 * and the one that takes the lease over reads the lists before its first write. The holder
 * checks the lease right before every bulk operation (the fence) and releases it on close().
 * Inside the instance all API work is one serial queue of passes: `writeBatch` merges its
 * verdicts into the desired state and joins the next pass, resolving once its verdicts are in
 * Cloudflare (or deliberately left out for capacity). Errors propagate as BotsieveErrors and the
 * runtime calls again; since the desired state already holds the verdicts, a retry just diffs.
 */
import type Cloudflare from 'cloudflare';
import { BotsieveError, isBotsieveError, PartialWriteError, type Clock, type Sink, type Verdict } from '@botsieve/core';
import type { ComponentTelemetry } from '@botsieve/runtime';
import { SINK_ERRORS, sinkError } from '../errors.js';
import type { LeaseKeeper, LeaseStatus } from '../lease/index.js';
import { CloudflareApi, createClient } from './api.js';
import type { CloudflareListsConfig } from './config.js';
import { DesiredState, entryFromVerdict, targetKey } from './desired-state.js';
import { ja4Rule } from './ja4-rules.js';
import { configError, RemoteState } from './remote-state.js';
import { isTarget, SubjectClassifier } from './subject.js';
import { SyncPass, type PassResult, type WriteFence } from './sync-pass.js';

export interface CloudflareListsDeps {
  telemetry: ComponentTelemetry;
  /** Decides expiry and the budgets' windows. */
  clock: Clock;
  /** A ready SDK client; by default one is made from the config. */
  client?: Cloudflare;
  /** Who writes for the account among several processes (`writer_lease`); none: this one always does. Unused in dry-run. */
  lease?: LeaseKeeper;
}

export interface CloudflareListsStatus {
  dry_run: boolean;
  /** Sends changes now: not in dry-run and, with a writer lease, holding it (otherwise standby). */
  writing: boolean;
  /** The writer lease (when one is configured and not in dry-run): held, holder, since. */
  lease: LeaseStatus | undefined;
  desired: number;
  left_out: number;
  /** Items per list as the sink believes Cloudflare holds them. */
  lists: Record<string, number>;
}

const noop = (): void => undefined;

export class CloudflareListsSink implements Sink<Verdict> {
  readonly id = 'cloudflare-lists';
  readonly dry_run: boolean;
  private state: 'new' | 'connected' | 'closing' | 'closed' = 'new';
  private healthy = true;
  private last_left_out = 0;
  private readonly desired: DesiredState;
  private readonly classifier: SubjectClassifier;
  private readonly api: CloudflareApi | undefined;
  private readonly remote: RemoteState;
  private readonly pass: SyncPass;
  private running: Promise<PassResult> | undefined;
  private next: { promise: Promise<PassResult>; reconcile: boolean } | undefined;
  private readonly lease: LeaseKeeper | undefined;
  /** Since when passes have failed to reach Cloudflare while holding the lease (undefined: the last one did not). */
  private failing_since: number | undefined;
  /** Times this process acquired the lease: a pass's fence holds only within the tenure it started in. */
  private tenure = 0;

  constructor(
    private readonly config: CloudflareListsConfig,
    private readonly deps: CloudflareListsDeps,
  ) {
    this.dry_run = config.dry_run === 'auto' ? config.api_token === '' : config.dry_run;
    this.desired = new DesiredState(config.max_desired_entries, (count) => deps.telemetry.metrics.discarded('evicted', count));
    try {
      this.classifier = new SubjectClassifier(config.never_push, config.bot_management);
    } catch (error) {
      throw configError((error as Error).message);
    }
    this.api = this.dry_run ? undefined : new CloudflareApi(deps.client ?? createClient(config, deps.telemetry.log), config, deps.clock);
    this.remote = new RemoteState(config, this.api, this.desired, this.classifier, deps.clock);
    this.pass = new SyncPass(config, this.api, this.remote, this.desired, deps.telemetry, deps.clock);
    this.lease = this.dry_run ? undefined : deps.lease;
    this.lease?.onChange((held) => this.leaseChanged(held));
  }

  /** Finds the lists and reads them (adopting our active items), then runs a first repair pass. */
  async connect(): Promise<void> {
    if (this.state === 'connected') return;
    const { log } = this.deps.telemetry;
    if (this.dry_run) {
      for (const action of ['block', 'challenge'] as const) this.remote.rules[action] = ja4Rule(action, []);
      this.state = 'connected';
      log.info({ lists: this.remote.lists.map((list) => list.name) }, 'cloudflare-lists in dry-run: no api_token, nothing is sent; changes are logged');
      return;
    }
    if (this.config.api_token === '') throw configError('cloudflare-lists: dry_run is false but api_token is empty');
    if (this.config.account_id === '') throw configError('cloudflare-lists: account_id is required to write lists');
    // The lease first: a holder's first read then comes after its acquisition, and is trusted.
    await this.lease?.start();
    try {
      // Also in standby: it checks the token and the lists at start, not at the first takeover.
      await this.remote.readAll();
    } catch (error) {
      if (isBotsieveError(error) && error.code === SINK_ERRORS.ERR_SINK_UNAVAILABLE.code) {
        throw sinkError('ERR_SINK_CONNECT', `cloudflare-lists could not read its lists: ${error.message}`, { cause: error });
      }
      throw error;
    }
    this.state = 'connected';
    log.info({ lists: this.remote.lists.map((list) => ({ name: list.name, items: list.present.size })), adopted: this.desired.size, other_lists_items: this.remote.other_items, writing: this.writing(), lease: this.lease?.status() }, 'cloudflare-lists connected');
    if (!this.writing()) {
      log.info({ lease: this.lease?.status() }, 'cloudflare-lists in standby: another process holds the writer lease; changes are logged until this one takes it over');
      return;
    }
    try {
      await this.requestPass(false);
    } catch (error) {
      log.warn({ err: error }, 'first cloudflare-lists pass failed; the next write or maintain() repairs it');
    }
  }

  async writeBatch(verdicts: readonly Verdict[]): Promise<void> {
    if (this.state !== 'connected') throw new BotsieveError(SINK_ERRORS.ERR_SINK_CLOSED.code, `cloudflare-lists is ${this.state}`);
    const { metrics } = this.deps.telemetry;
    const now = this.deps.clock.now();
    const written: Array<{ verdict: Verdict; key: string }> = [];
    for (const verdict of verdicts) {
      if (verdict.action !== 'block' && verdict.action !== 'challenge') {
        metrics.discarded('not_enforceable');
        continue;
      }
      const target = this.classifier.classify(verdict.subject);
      if (!isTarget(target)) {
        metrics.discarded(target);
        continue;
      }
      const entry = entryFromVerdict(verdict, target);
      if (entry.expires_at <= now) {
        metrics.discarded('expired');
        continue;
      }
      this.desired.put(entry, now);
      written.push({ verdict, key: targetKey(target.kind, target.value) });
    }
    if (written.length === 0) return;
    const result = await this.requestPass(false);
    const rejected = written.filter(({ key }) => result.rejected.has(key));
    if (rejected.length > 0) {
      throw new PartialWriteError(
        `Cloudflare refused ${rejected.length} list items as invalid`,
        [],
        rejected.map(({ verdict, key }) => ({ item: verdict, reason: 'rejected', detail: result.rejected.get(key) as string })),
      );
    }
  }

  /** Removes expired items; every `reconcile_interval_ms` re-reads the lists first and repairs drift. */
  async maintain(): Promise<void> {
    if (this.state !== 'connected') return;
    const reconcile = this.writing() && this.deps.clock.now() - this.remote.last_read_at >= this.config.reconcile_interval_ms;
    await this.requestPass(reconcile);
  }

  async healthcheck(): Promise<boolean> {
    return this.state === 'connected' && this.healthy;
  }

  /** Waits for the pass in flight and the one queued behind it, then releases the writer lease so a peer takes over at once. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closing';
    await Promise.all([this.running?.catch(noop), this.next?.promise.catch(noop)]);
    await this.lease?.close();
    this.state = 'closed';
  }

  /** The values each list holds as far as the sink knows (completed operations), by list name. */
  presentValues(): Record<string, string[]> {
    const lists: Record<string, string[]> = {};
    for (const list of this.remote.lists) lists[list.name] = [...list.present.keys()];
    return lists;
  }

  status(): CloudflareListsStatus {
    const lists: Record<string, number> = {};
    for (const list of this.remote.lists) lists[list.name] = list.present.size;
    return { dry_run: this.dry_run, writing: this.writing(), lease: this.lease?.status(), desired: this.desired.size, left_out: this.last_left_out, lists };
  }

  /**
   * A pass could not reach Cloudflare. A lease holder that has failed so for
   * `writer_lease.step_down_after_ms` gives the lease up, so a peer whose egress works writes
   * instead (a zone that lost its egress but not its Redis would otherwise keep it for good).
   */
  private unreachable(): void {
    const lease = this.lease;
    const after = this.config.writer_lease.step_down_after_ms;
    if (lease === undefined || after === 0 || !lease.holding()) {
      this.failing_since = undefined;
      return;
    }
    const now = this.deps.clock.now();
    this.failing_since ??= now;
    if (now - this.failing_since < after) return;
    this.failing_since = undefined;
    // Out of the election for at least a ttl, so a peer (ticking every ttl/3) gets to take it.
    lease.stepDown(`Cloudflare unreachable for ${after} ms or more`, Math.max(after, this.config.writer_lease.ttl_ms)).catch(() => undefined);
  }

  /** Sends changes now: an API (not dry-run) and, with a lease, holding it. */
  private writing(): boolean {
    return this.api !== undefined && (this.lease === undefined || this.lease.holding());
  }

  /** The fence of a pass starting now: the lease still held, and in the same tenure (not lost and taken back meanwhile). */
  private fence(): WriteFence | undefined {
    if (!this.writing()) return undefined;
    const lease = this.lease;
    if (lease === undefined) return () => true;
    const tenure = this.tenure;
    return () => lease.holding() && this.tenure === tenure;
  }

  /**
   * Acquired: another writer may have changed the lists meanwhile, so the picture is read again
   * before the first write (the pass started here does it, without waiting for a batch). Lost:
   * the fence stops the pass in flight; the next passes run in standby.
   */
  private leaseChanged(held: boolean): void {
    if (!held) return;
    this.tenure += 1;
    this.remote.invalidate();
    // Later, not inside whatever noticed the change (a pass's fence, a status read).
    queueMicrotask(() => {
      if (this.state !== 'connected') return;
      this.requestPass(false).catch((error: unknown) => this.deps.telemetry.log.warn({ err: error }, 'first cloudflare-lists pass after taking the writer lease over failed; the next write or maintain() repairs it'));
    });
  }

  /**
   * Passes run one at a time. A caller arriving while one runs joins the next (its verdicts may
   * have missed the running pass's diff); everyone arriving meanwhile shares that next pass.
   */
  private requestPass(reconcile: boolean): Promise<PassResult> {
    if (this.running === undefined) return this.startPass(reconcile);
    if (this.next !== undefined) {
      this.next.reconcile ||= reconcile;
      return this.next.promise;
    }
    const next = { reconcile, promise: Promise.resolve() as unknown as Promise<PassResult> };
    next.promise = this.running.then(noop, noop).then(() => {
      this.next = undefined;
      return this.startPass(next.reconcile);
    });
    this.next = next;
    return next.promise;
  }

  private startPass(reconcile: boolean): Promise<PassResult> {
    const running: Promise<PassResult> = this.pass
      .run(reconcile, this.fence())
      .then(
        (result) => {
          this.healthy = true;
          this.failing_since = undefined;
          this.last_left_out = result.left_out;
          return result;
        },
        (error: unknown) => {
          if (isBotsieveError(error) && (error.code === SINK_ERRORS.ERR_SINK_UNAVAILABLE.code || error.code === SINK_ERRORS.ERR_SINK_CONFIG.code || error.code === SINK_ERRORS.ERR_SINK_NOT_FOUND.code)) this.healthy = false;
          if (isBotsieveError(error) && error.code === SINK_ERRORS.ERR_SINK_UNAVAILABLE.code) this.unreachable();
          throw error;
        },
      )
      .finally(() => {
        if (this.running === running) this.running = undefined;
      });
    this.running = running;
    return running;
  }
}
