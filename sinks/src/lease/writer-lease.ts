/**
 * A writer lease: at most one holder per key at a time, for a bounded time, kept by renewing.
 *
 * The timing rule lives here once, for every store. A grant (acquire or renew) is counted from
 * the moment its request was *sent*, not answered: the store starts its TTL when it receives the
 * request, later than that, so our view always ends before the store's. We also stop `margin_ms`
 * earlier (see `safetyMarginMs`). A holder whose renewals fail therefore stops writing before a
 * peer can take the key over, and `held()` turns false by the clock alone: no reply is needed to
 * lose the lease, which is what makes a partitioned holder safe.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '@botsieve/core';

export interface LeaseStatus {
  backend: 'redis' | 'local';
  key: string;
  /** This process holds the lease now (by its own clock, margin included). */
  held: boolean;
  /** Who held it at our last look: this process's id when held, a peer's otherwise (undefined: nobody, or not known yet). */
  holder: string | undefined;
  /** When this process acquired it (ms since the epoch), while held. */
  since: number | undefined;
  /** Until when this process counts on it, while held. */
  valid_until: number | undefined;
}

export interface WriterLease {
  readonly key: string;
  /** This process's id in the store: `<host>/<pid>`. */
  readonly holder: string;
  connect(): Promise<void>;
  /** Takes the lease if nobody holds it; true when held afterwards. */
  acquire(): Promise<boolean>;
  /** Extends the lease if this process still holds it in the store; false when it is gone. */
  renew(): Promise<boolean>;
  /** Held now by our clock, margin included: check it right before every write. */
  held(): boolean;
  /** Gives the lease up so a peer takes over at once (only if it is still ours in the store). */
  release(): Promise<void>;
  status(): LeaseStatus;
  close(): Promise<void>;
}

export interface LeaseTiming {
  ttl_ms: number;
  margin_ms: number;
}

export function defaultHolderId(): string {
  return `${hostname()}/${process.pid}`;
}

/** The timing rule over a store's three atomic operations; subclasses implement them. */
export abstract class TimedLease implements WriterLease {
  abstract readonly backend: 'redis' | 'local';
  /** What this process writes into the store: its id and a random part, so two instances never pass for each other. */
  readonly token: string;
  private valid_until = Number.NEGATIVE_INFINITY;
  private since: number | undefined;
  private last_holder: string | undefined;

  constructor(
    readonly key: string,
    readonly holder: string,
    private readonly timing: LeaseTiming,
    protected readonly clock: Clock,
  ) {
    this.token = `${holder}#${randomBytes(6).toString('hex')}`;
  }

  /** `SET key token NX PX ttl`: true when set; otherwise reports the current token. */
  protected abstract setIfAbsent(token: string, ttl_ms: number): Promise<{ set: boolean; current: string | undefined }>;
  /** Extends the TTL only if the key still holds `token`. */
  protected abstract extendIfHeld(token: string, ttl_ms: number): Promise<boolean>;
  /** Deletes the key only if it still holds `token`. */
  protected abstract deleteIfHeld(token: string): Promise<boolean>;
  abstract connect(): Promise<void>;
  abstract close(): Promise<void>;

  async acquire(): Promise<boolean> {
    if (this.held()) return this.renew();
    const sent_at = this.clock.now();
    const { set, current } = await this.setIfAbsent(this.token, this.timing.ttl_ms);
    if (set) {
      this.grant(sent_at);
      return true;
    }
    // Still ours in the store (our view lapsed first, or an earlier answer was lost): its TTL
    // started at an unknown time, so extend it and count from now.
    if (current === this.token) return this.renew();
    this.last_holder = current === undefined ? undefined : holderOf(current);
    return false;
  }

  async renew(): Promise<boolean> {
    const sent_at = this.clock.now();
    // A failed request (store unreachable) throws and changes nothing here: the clock revokes.
    const extended = await this.extendIfHeld(this.token, this.timing.ttl_ms);
    if (extended) this.grant(sent_at);
    else this.revoke();
    return extended;
  }

  held(): boolean {
    return this.clock.now() < this.valid_until;
  }

  async release(): Promise<void> {
    this.revoke();
    // Even when our view lapsed the key may still hold our token: delete it only then.
    await this.deleteIfHeld(this.token);
  }

  status(): LeaseStatus {
    const held = this.held();
    return { backend: this.backend, key: this.key, held, holder: held ? this.holder : this.last_holder, since: held ? this.since : undefined, valid_until: held ? this.valid_until : undefined };
  }

  private grant(sent_at: number): void {
    if (!this.held()) this.since = sent_at;
    this.valid_until = sent_at + this.timing.ttl_ms - this.timing.margin_ms;
    this.last_holder = this.holder;
  }

  private revoke(): void {
    this.valid_until = Number.NEGATIVE_INFINITY;
    this.since = undefined;
    this.last_holder = undefined;
  }
}

function holderOf(token: string): string {
  const hash = token.lastIndexOf('#');
  return hash === -1 ? token : token.slice(0, hash);
}

/**
 * Entries of in-process leases, by key, with their expiry by the clock. One table per process
 * for the embedded default (uncontended, so always held); tests share one between sinks.
 */
export class LocalLeaseTable {
  readonly entries = new Map<string, { token: string; expires_at: number }>();
}

/** A lease held in this process's memory: the embedded default, and tests with a manual clock. */
export class LocalWriterLease extends TimedLease {
  readonly backend = 'local' as const;

  constructor(key: string, holder: string, timing: LeaseTiming, clock: Clock, private readonly table: LocalLeaseTable = new LocalLeaseTable()) {
    super(key, holder, timing, clock);
  }

  async connect(): Promise<void> {}

  async close(): Promise<void> {}

  protected async setIfAbsent(token: string, ttl_ms: number): Promise<{ set: boolean; current: string | undefined }> {
    const current = this.current();
    if (current !== undefined) return { set: false, current };
    this.table.entries.set(this.key, { token, expires_at: this.clock.now() + ttl_ms });
    return { set: true, current: token };
  }

  protected async extendIfHeld(token: string, ttl_ms: number): Promise<boolean> {
    if (this.current() !== token) return false;
    this.table.entries.set(this.key, { token, expires_at: this.clock.now() + ttl_ms });
    return true;
  }

  protected async deleteIfHeld(token: string): Promise<boolean> {
    if (this.current() !== token) return false;
    return this.table.entries.delete(this.key);
  }

  private current(): string | undefined {
    const entry = this.table.entries.get(this.key);
    if (entry === undefined) return undefined;
    if (entry.expires_at > this.clock.now()) return entry.token;
    this.table.entries.delete(this.key);
    return undefined;
  }
}
