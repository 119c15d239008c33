/**
 * One sync pass: make Cloudflare equal to the desired state, by diffs.
 *
 * Order matters. (1) Finish the bulk operation a previous pass left pending: Cloudflare accepts
 * one per account. (2) Read lists in doubt (or all, when reconciling). (3) Diff. (4) Delete what
 * should go (expired, left out, foreign). (5) Create what is missing, and move subjects whose
 * action changed: create in the new list before deleting from the old one, so an upgraded
 * subject is never unenforced, unless capacity forces the delete first. (6) Rewrite the JA4 rules.
 * Every completed operation updates the remote state at once, so a pass that fails half way
 * loses nothing: the next pass diffs again from where this one stopped.
 *
 * A pass writes only when given a fence (the writer lease's check, or always-true without one),
 * and asks it right before every bulk operation and rule edit: a writer that lost its lease
 * mid-pass stops with ERR_SINK_LEASE_LOST and sends nothing more. Without a fence the pass runs
 * dry (dry-run, or standby while another process holds the lease): it diffs and logs.
 */
import { isBotsieveError, type Clock } from '@botsieve/core';
import type { ComponentTelemetry } from '@botsieve/runtime';
import { SINK_ERRORS, sinkError } from '../errors.js';
import type { CloudflareApi, RuleEdit } from './api.js';
import type { CloudflareListsConfig } from './config.js';
import { targetKey, type DesiredEntry, type DesiredState, type EnforcedAction, type Selection } from './desired-state.js';
import { ja4Rule, ruleExpiry } from './ja4-rules.js';
import { formatMarker, type Marker } from './marker.js';
import type { ListRef, RemoteState } from './remote-state.js';
import { CLOUDFLARE_METRIC, DryRunReport, PassReport } from './pass-report.js';

export interface PassResult {
  /** Target keys Cloudflare refused as invalid (4xx on create), with its message. */
  rejected: Map<string, string>;
  left_out: number;
}

interface Plan {
  /** Present values no list should hold: deleted first. */
  gone: Map<ListRef, string[]>;
  /** Present values that belong in the sibling list (action changed). */
  moved: Map<ListRef, string[]>;
  creates: Map<ListRef, DesiredEntry[]>;
}

interface PendingOperation {
  id: string;
  list: ListRef;
  kind: 'create' | 'delete';
  entries: DesiredEntry[];
  values: string[];
  started_at: number;
}

/**
 * A present marker is rewritten only when less than this fraction of the desired remaining
 * lifetime is left on it. Detectors re-issue verdicts for a subject still misbehaving; rewriting
 * at every re-issue would spend one item change each time (10,000 per 5 min for the account).
 * The cost: after a restart an item is adopted until its marker's expiry, at least half of what
 * was left of its verdict, by when a still-active subject has been decided again.
 */
const MARKER_REFRESH_FRACTION = 0.5;

/** True while this process may write; asked right before each bulk operation. */
export type WriteFence = () => boolean;

export class SyncPass {
  private pending: PendingOperation | undefined;
  private readonly report: PassReport;
  /** The API while this pass writes; undefined while it runs dry. */
  private active: CloudflareApi | undefined;
  private fence: WriteFence = () => false;

  constructor(
    private readonly config: CloudflareListsConfig,
    private readonly api: CloudflareApi | undefined,
    private readonly remote: RemoteState,
    private readonly desired: DesiredState,
    private readonly telemetry: ComponentTelemetry,
    private readonly clock: Clock,
  ) {
    this.report = new PassReport(config, remote, telemetry);
  }

  /** One pass; it writes only with a `fence` (and an API), else it runs dry. */
  async run(reconcile: boolean, fence: WriteFence | undefined): Promise<PassResult> {
    const result: PassResult = { rejected: new Map(), left_out: 0 };
    this.active = fence === undefined ? undefined : this.api;
    this.fence = fence ?? (() => false);
    const dry = this.active === undefined ? new DryRunReport(this.api === undefined ? 'dry-run (no api_token)' : 'standby (another process holds the writer lease)') : undefined;
    await this.finishPending();
    if (this.active !== undefined) {
      // Never diff a picture taken before this process became the writer: read it all first.
      if (reconcile || this.remote.lost || !this.remote.trusted) await this.remote.readAll();
      else for (const list of this.remote.lists) if (list.stale) await this.remote.readList(list);
    }
    const now = this.clock.now();
    this.desired.prune(now);
    const capacity = this.config.max_items - this.remote.other_items;
    const selection = this.desired.select(capacity, this.config.max_rule_expression_chars);
    result.left_out = selection.left_out;
    const targets = this.targets(selection);
    await this.resolveIds(this.plan(targets, now));
    const plan = this.plan(targets, now);
    await this.deleteAll(plan.gone, dry);
    let added = 0;
    for (const [list, entries] of plan.creates) for (const entry of entries) if (!list.present.has(entry.value)) added += 1;
    if (added <= capacity - this.remote.presentCount()) {
      await this.createAll(plan.creates, result, dry);
      await this.deleteAll(plan.moved, dry);
    } else {
      await this.deleteAll(plan.moved, dry);
      await this.createAll(plan.creates, result, dry);
    }
    if (this.config.bot_management) await this.syncRules(selection.ja4, now, dry);
    this.report.after(selection, this.active);
    dry?.log(this.telemetry.log);
    if (result.rejected.size > 0) this.telemetry.log.error({ rejected: result.rejected.size, examples: [...result.rejected].slice(0, 3) }, 'Cloudflare refused list items as invalid; their verdicts are dead-lettered');
    return result;
  }

  private targets(selection: Selection): Map<ListRef, Map<string, DesiredEntry>> {
    const targets = new Map<ListRef, Map<string, DesiredEntry>>();
    for (const list of this.remote.lists) targets.set(list, new Map());
    for (const entry of selection.lists) {
      const list = this.remote.list(entry.kind === 'asn' ? 'asn' : 'ip', entry.action);
      targets.get(list)?.set(entry.value, entry);
    }
    return targets;
  }

  private plan(targets: Map<ListRef, Map<string, DesiredEntry>>, now: number): Plan {
    const plan: Plan = { gone: new Map(), moved: new Map(), creates: new Map() };
    for (const list of this.remote.lists) {
      const target = targets.get(list) as Map<string, DesiredEntry>;
      const sibling = targets.get(this.remote.list(list.kind, list.action === 'block' ? 'challenge' : 'block')) as Map<string, DesiredEntry>;
      const gone: string[] = [];
      const moved: string[] = [];
      for (const value of list.present.keys()) {
        if (target.has(value)) continue;
        (sibling.has(value) ? moved : gone).push(value);
      }
      const creates: DesiredEntry[] = [];
      for (const [value, entry] of target) {
        const present = list.present.get(value);
        if (present === undefined || needsRefresh(present.marker, entry, now)) creates.push(entry);
      }
      plan.gone.set(list, gone);
      plan.moved.set(list, moved);
      plan.creates.set(list, creates);
    }
    return plan;
  }

  /**
   * Deletes go by item id. Ids of items we created are unknown until read back: a few are looked
   * up with `search` (one request each), many by reading the list again (one request per page).
   * The caller plans again afterwards.
   */
  private async resolveIds(plan: Plan): Promise<void> {
    if (this.active === undefined) return;
    for (const list of this.remote.lists) {
      const unknown = [...(plan.gone.get(list) ?? []), ...(plan.moved.get(list) ?? [])].filter((value) => list.present.get(value)?.id === undefined);
      if (unknown.length === 0) continue;
      if (unknown.length > Math.ceil(list.present.size / this.config.list_page_size)) {
        await this.remote.readList(list);
        continue;
      }
      for (const value of unknown) {
        const found = await this.active.findItem(list.id, value);
        if (found === undefined) list.present.delete(value);
        else (list.present.get(value) as { id: string | undefined }).id = found.id;
      }
    }
  }

  private async deleteAll(values: Map<ListRef, string[]>, dry: DryRunReport | undefined): Promise<void> {
    for (const [list, all] of values) {
      for (let i = 0; i < all.length; ) {
        const chunk = all.slice(i, i + this.chunkSize(all.length - i));
        i += chunk.length;
        await this.operation(list, 'delete', [], chunk, dry);
      }
    }
  }

  private async createAll(entries: Map<ListRef, DesiredEntry[]>, result: PassResult, dry: DryRunReport | undefined): Promise<void> {
    for (const [list, all] of entries) {
      for (let i = 0; i < all.length; ) {
        const chunk = all.slice(i, i + this.chunkSize(all.length - i));
        i += chunk.length;
        await this.createChunk(list, chunk, result, dry);
      }
    }
  }

  /** A chunk Cloudflare refuses as invalid is halved until the bad items are alone; those are rejected. */
  private async createChunk(list: ListRef, chunk: DesiredEntry[], result: PassResult, dry: DryRunReport | undefined): Promise<void> {
    try {
      await this.operation(list, 'create', chunk, chunk.map((entry) => entry.value), dry);
    } catch (error) {
      if (!isBotsieveError(error) || error.code !== SINK_ERRORS.ERR_SINK_REJECTED.code) throw error;
      if (chunk.length > 1) {
        const half = chunk.length >> 1;
        await this.createChunk(list, chunk.slice(0, half), result, dry);
        await this.createChunk(list, chunk.slice(half), result, dry);
        return;
      }
      const entry = chunk[0] as DesiredEntry;
      this.desired.delete(entry.kind, entry.value);
      result.rejected.set(targetKey(entry.kind, entry.value), error.message);
      this.telemetry.metrics.discarded('rejected');
    }
  }

  /** Items per operation: the configured chunk, shrunk to what the item-change budget has left. */
  private chunkSize(remaining: number): number {
    const wanted = Math.min(this.config.max_items_per_request, remaining);
    if (this.active === undefined) return wanted;
    const size = Math.min(wanted, this.active.itemChanges.available());
    if (size <= 0) this.active.assertItemChanges(wanted);
    return Math.max(1, size);
  }

  private async operation(list: ListRef, kind: 'create' | 'delete', entries: DesiredEntry[], values: string[], dry: DryRunReport | undefined): Promise<void> {
    const operation: PendingOperation = { id: '', list, kind, entries, values, started_at: this.clock.now() };
    const ids = values.map((value) => list.present.get(value)?.id).filter((id): id is string => id !== undefined);
    const api = this.active;
    if (api === undefined || (kind === 'delete' && ids.length === 0)) {
      dry?.record(list.name, kind, values);
      this.apply(operation);
      return;
    }
    this.assertFence(`a bulk ${kind} on ${list.name}`);
    try {
      operation.id =
        kind === 'create'
          ? await api.createItems(list.id, list.kind, entries.map((entry) => ({ value: entry.value, comment: formatMarker(markerOf(entry)) })))
          : await api.deleteItems(list.id, ids);
    } catch (error) {
      // Unreachable or timed out: Cloudflare may have accepted it. Read the list before the next diff.
      if (isBotsieveError(error) && error.code === SINK_ERRORS.ERR_SINK_UNAVAILABLE.code) list.stale = true;
      if (isBotsieveError(error) && error.code === SINK_ERRORS.ERR_SINK_NOT_FOUND.code) this.remote.lost = true;
      if (kind === 'delete' && isBotsieveError(error) && error.code === SINK_ERRORS.ERR_SINK_REJECTED.code) {
        list.stale = true;
        throw sinkError('ERR_SINK_OPERATION_FAILED', `Cloudflare refused deleting items from ${list.name}; the list is read again at the next pass`, { cause: error });
      }
      throw error;
    }
    this.pending = operation;
    await this.finishPending();
  }

  /** Polls the operation in flight to its end. Only one is ever in flight: Cloudflare accepts one per account. */
  private async finishPending(): Promise<void> {
    const operation = this.pending;
    const api = this.active;
    if (operation === undefined || api === undefined) return;
    const polls = Math.max(1, Math.ceil(this.config.operation_timeout_ms / this.config.operation_poll_interval_ms));
    for (let poll = 0; poll < polls; poll++) {
      await new Promise((resolve) => setTimeout(resolve, this.config.operation_poll_interval_ms));
      const status = await api.operation(operation.id).catch((error: unknown) => {
        if (!isBotsieveError(error) || error.code !== SINK_ERRORS.ERR_SINK_REJECTED.code) throw error;
        // Cloudflare no longer knows the operation: its outcome is unknown, read the list again.
        this.pending = undefined;
        operation.list.stale = true;
        throw sinkError('ERR_SINK_OPERATION_FAILED', `bulk operation ${operation.id} on ${operation.list.name} cannot be polled: ${error.message}`, { cause: error });
      });
      if (status.status === 'completed') {
        this.pending = undefined;
        this.apply(operation);
        this.telemetry.metrics.observe(CLOUDFLARE_METRIC.operationSeconds, (this.clock.now() - operation.started_at) / 1_000, { route: operation.kind });
        return;
      }
      if (status.status === 'failed') {
        this.pending = undefined;
        operation.list.stale = true;
        throw sinkError('ERR_SINK_OPERATION_FAILED', `bulk ${operation.kind} of ${operation.values.length} items on ${operation.list.name} failed: ${status.error ?? 'no reason given'}`);
      }
    }
    throw sinkError('ERR_SINK_UNAVAILABLE', `bulk operation ${operation.id} still pending after ${this.config.operation_timeout_ms} ms; the next pass polls it again`);
  }

  /** The fence, asked right before a write: nothing more is sent once the lease is gone. */
  private assertFence(what: string): void {
    if (this.fence()) return;
    throw sinkError('ERR_SINK_LEASE_LOST', `the Cloudflare writer lease is no longer held: ${what} was not sent; this process is in standby now`);
  }

  private apply(operation: PendingOperation): void {
    const present = operation.list.present;
    if (operation.kind === 'delete') {
      for (const value of operation.values) present.delete(value);
      return;
    }
    // Posting an existing value replaces the item, maybe under a new id: forget the old one.
    for (const entry of operation.entries) present.set(entry.value, { id: this.active === undefined ? 'dry-run' : undefined, marker: markerOf(entry) });
  }

  private async syncRules(ja4: Record<EnforcedAction, DesiredEntry[]>, now: number, dry: DryRunReport | undefined): Promise<void> {
    for (const action of ['block', 'challenge'] as const) {
      const want = ja4Rule(action, ja4[action]);
      const have = this.remote.rules[action];
      if (have !== undefined && !ruleNeedsWrite(have, want, now)) continue;
      if (this.active === undefined) dry?.record(`ja4 ${action} rule`, 'rule', ja4[action].map((entry) => entry.value));
      else {
        this.assertFence(`the JA4 ${action} rule edit`);
        await this.active.editRule(action === 'block' ? this.config.ja4_block_rule_id : this.config.ja4_challenge_rule_id, want);
      }
      this.remote.rules[action] = want;
    }
  }
}

function markerOf(entry: DesiredEntry): Marker {
  return { expires_at: entry.expires_at, score: entry.score, traffic: entry.traffic, verdict_id: entry.verdict_id };
}

function needsRefresh(marker: Marker | undefined, entry: DesiredEntry, now: number): boolean {
  // A foreign item holding a value we want: rewrite it with our marker, so we own it.
  if (marker === undefined) return true;
  if (marker.expires_at >= entry.expires_at) return false;
  return marker.expires_at - now < (entry.expires_at - now) * MARKER_REFRESH_FRACTION;
}

function ruleNeedsWrite(have: RuleEdit, want: RuleEdit, now: number): boolean {
  if (have.expression !== want.expression || have.enabled !== want.enabled) return true;
  if (!want.enabled) return false;
  const written = ruleExpiry(have.description);
  const wanted = ruleExpiry(want.description);
  return written < wanted && written - now < (wanted - now) * MARKER_REFRESH_FRACTION;
}
