/**
 * What the sink knows is in Cloudflare: per list, value → item id and marker; per JA4 rule, what
 * was last written. Read from Cloudflare at connect and at each reconcile (and for a list whose
 * last operation ended in doubt); updated from completed operations in between.
 *
 * Reading adopts: an item carrying our marker with an expiry in the future becomes desired again
 * (unless never_push now covers it), so a restarted sink keeps every active block without a
 * database of its own.
 */
import { BotsieveError, type Clock } from '@botsieve/core';
import { SINK_ERRORS } from '../errors.js';
import type { CloudflareApi, ListInfo, ListKind, RuleEdit } from './api.js';
import type { CloudflareListsConfig } from './config.js';
import type { DesiredState, EnforcedAction } from './desired-state.js';
import { parseJa4Rule, RULE_ACTION } from './ja4-rules.js';
import { parseMarker, type Marker } from './marker.js';
import { canonicalIpValue, isTarget, type SubjectClassifier } from './subject.js';

export interface PresentItem {
  /** Undefined for an item we created and have not read back: looked up before deleting it. */
  id: string | undefined;
  /** Undefined for a foreign item (not written by the sink). */
  marker: Marker | undefined;
}

export interface ListRef {
  name: string;
  id: string;
  kind: ListKind;
  action: EnforcedAction;
  present: Map<string, PresentItem>;
  /** An operation on it ended in doubt: read it again before the next diff. */
  stale: boolean;
}

export class RemoteState {
  readonly lists: ListRef[];
  /** Items of the account's other lists: they count against `max_items` too. */
  other_items = 0;
  /** The JA4 rules as last read or written. */
  readonly rules: Record<EnforcedAction, RuleEdit | undefined> = { block: undefined, challenge: undefined };
  last_read_at = Number.NEGATIVE_INFINITY;
  /** Cloudflare answered 404 for one of our lists: find them all again before the next diff. */
  lost = false;
  /**
   * Bumped when the picture cannot be trusted any more (this process took the writer lease over:
   * another writer changed the lists meanwhile). A read counts only if it started after the last
   * bump, so a read already under way when the lease came does not make the picture trusted.
   */
  private epoch = 0;
  private read_epoch = -1;

  constructor(
    private readonly config: CloudflareListsConfig,
    private readonly api: CloudflareApi | undefined,
    private readonly desired: DesiredState,
    private readonly classifier: SubjectClassifier,
    private readonly clock: Clock,
  ) {
    this.lists = [];
    for (const kind of ['ip', 'asn'] as const) {
      for (const action of ['block', 'challenge'] as const) {
        this.lists.push({ name: `${config.list_prefix}_${action}_${kind}`, id: '', kind, action, present: new Map(), stale: false });
      }
    }
  }

  /** Read since the last `invalidate()`: safe to diff against. */
  get trusted(): boolean {
    return this.read_epoch === this.epoch;
  }

  /** Read everything again before the next diff. */
  invalidate(): void {
    this.epoch += 1;
  }

  list(kind: ListKind, action: EnforcedAction): ListRef {
    return this.lists.find((list) => list.kind === kind && list.action === action) as ListRef;
  }

  presentCount(): number {
    let count = 0;
    for (const list of this.lists) count += list.present.size;
    return count;
  }

  /** Finds (or creates) the lists, then reads every list and the JA4 rules. */
  async readAll(): Promise<void> {
    const api = this.requireApi();
    const epoch = this.epoch;
    const all = await api.listLists();
    await this.resolveLists(api, all);
    const ours = new Set(this.lists.map((list) => list.name));
    this.other_items = all.reduce((sum, list) => (ours.has(list.name) ? sum : sum + list.num_items), 0);
    for (const list of this.lists) await this.readList(list);
    if (this.config.bot_management) await this.readRules();
    this.last_read_at = this.clock.now();
    this.lost = false;
    this.read_epoch = epoch;
  }

  /** Replaces what we know of one list with what Cloudflare holds, adopting our active items. */
  async readList(list: ListRef): Promise<void> {
    const items = await this.requireApi().readItems(list.id);
    const now = this.clock.now();
    const present = new Map<string, PresentItem>();
    for (const item of items) {
      const canonical = list.kind === 'ip' ? canonicalIpValue(item.value) : item.value;
      // A value we cannot read, or a second item with the same value, gets a key no target has:
      // the diff deletes it.
      const key = canonical === undefined || present.has(canonical) ? `${item.value}#${item.id}` : canonical;
      const marker = parseMarker(item.comment);
      present.set(key, { id: item.id, marker });
      if (marker !== undefined && marker.expires_at > now && key === canonical) this.adopt(list, canonical, marker, now);
    }
    list.present = present;
    list.stale = false;
  }

  private adopt(list: ListRef, value: string, marker: Marker, now: number): void {
    // Re-classify: a value that never_push covers now is not adopted (and so gets deleted).
    const target = this.classifier.classify(list.kind === 'ip' ? `prefix:${value}` : `asn:${value}`);
    if (!isTarget(target) || target.value !== value) return;
    this.desired.put({ kind: list.kind, value, action: list.action, score: marker.score, expires_at: marker.expires_at, verdict_id: marker.verdict_id, traffic: marker.traffic }, now);
  }

  private async readRules(): Promise<void> {
    const rules = await this.requireApi().readRules();
    const now = this.clock.now();
    for (const action of ['block', 'challenge'] as const) {
      const id = action === 'block' ? this.config.ja4_block_rule_id : this.config.ja4_challenge_rule_id;
      const rule = rules.find((candidate) => candidate.id === id);
      if (rule === undefined) throw configError(`JA4 ${action} rule ${id} is not in ruleset ${this.config.ruleset_id} of zone ${this.config.zone_id}`);
      this.rules[action] = { action: RULE_ACTION[action], expression: rule.expression, description: rule.description, enabled: rule.enabled };
      const parsed = parseJa4Rule(rule.expression, rule.description);
      if (parsed === undefined || parsed.expires_at <= now || !rule.enabled) continue;
      for (const value of parsed.values) {
        const target = this.classifier.classify(`ja4:${value}`);
        if (!isTarget(target)) continue;
        this.desired.put({ kind: 'ja4', value, action, score: parsed.score, expires_at: parsed.expires_at, verdict_id: 'adopted-from-rule', traffic: 0 }, now);
      }
    }
  }

  private async resolveLists(api: CloudflareApi, all: ListInfo[]): Promise<void> {
    const missing: ListRef[] = [];
    for (const list of this.lists) {
      const found = all.find((candidate) => candidate.name === list.name);
      if (found === undefined) {
        missing.push(list);
        continue;
      }
      if (found.kind !== list.kind) throw configError(`Cloudflare list ${list.name} has kind '${found.kind}'; the sink needs kind '${list.kind}'`);
      list.id = found.id;
    }
    if (missing.length === 0) return;
    const names = missing.map((list) => list.name).join(', ');
    if (!this.config.create_missing_lists) {
      throw configError(`Cloudflare lists missing in account ${this.config.account_id}: ${names}. Create them (Terraform cloudflare_list, without items) or set create_missing_lists: true`);
    }
    for (const list of missing) {
      const created = await api.createList(list.name, list.kind);
      list.id = created.id;
      list.present = new Map();
    }
  }

  private requireApi(): CloudflareApi {
    if (this.api === undefined) throw new Error('dry-run: no Cloudflare API');
    return this.api;
  }
}

export function configError(message: string): BotsieveError {
  return new BotsieveError(SINK_ERRORS.ERR_SINK_CONFIG.code, message);
}
