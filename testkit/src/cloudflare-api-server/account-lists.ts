/**
 * The account's lists and their items: list creation, item reads with cursors, the bodies of
 * item creates and deletes (validated when the request arrives, applied when the bulk operation
 * completes), the account's capacity, value validation (IPv4 address or CIDR /8–/31, IPv6 CIDR
 * /4–/64, ASN 0–2³²−1, comments ≤ 500 characters), and when each item became present.
 */
import { EventEmitter } from 'node:events';
import { isIPv4, isIPv6 } from 'node:net';
import { ApiFailure, hex, iso, type Routed } from './api-answer.js';

/** The server's settings the lists read at the time they apply an operation. */
export interface ListSettings {
  /** Items across all lists of the account. */
  readonly max_items: number;
}

/** What a bulk operation does when it completes: undefined, or why it failed (nothing changed then). */
export type ApplyOperation = () => string | undefined;

interface StoredItem {
  id: string;
  value: string;
  comment: string | undefined;
  created_on: string;
  modified_on: string;
  sort_key: string;
}

export interface StoredList {
  id: string;
  name: string;
  kind: string;
  description: string;
  created_on: string;
  modified_on: string;
  items: Map<string, StoredItem>;
}

export class AccountLists {
  private readonly lists = new Map<string, StoredList>();
  private readonly presentSince = new Map<string, number>();
  private readonly events = new EventEmitter();
  private readonly refused = new Set<string>();

  constructor(private readonly settings: ListSettings) {
    this.events.setMaxListeners(0);
  }

  create(name: string, kind: 'ip' | 'asn' = 'ip'): string {
    const list: StoredList = { id: hex(16), name, kind, description: '', created_on: iso(), modified_on: iso(), items: new Map() };
    this.lists.set(list.id, list);
    return list.id;
  }

  all(): StoredList[] {
    return [...this.lists.values()];
  }

  names(): string[] {
    return this.all().map((list) => list.name);
  }

  /** Items of a list, sorted as Cloudflare returns them. */
  items(listName: string): Array<{ id: string; value: string; comment: string | undefined }> {
    return sorted(this.byName(listName)).map((item) => ({ id: item.id, value: item.value, comment: item.comment }));
  }

  itemCount(): number {
    let count = 0;
    for (const list of this.lists.values()) count += list.items.size;
    return count;
  }

  /** Creates naming any of these values are refused with 400, as if Cloudflare judged them invalid. */
  refuse(values: readonly string[]): void {
    for (const value of values) this.refused.add(value);
  }

  /** Adds an item as a human would in the dashboard (not through an operation). */
  addForeign(listName: string, value: string, comment?: string): string {
    const list = this.byName(listName);
    return this.insert(list, value, comment).id;
  }

  deleteDirectly(listName: string, value: string): boolean {
    const list = this.byName(listName);
    const existed = list.items.delete(value);
    this.presentSince.delete(`${list.name}|${value}`);
    return existed;
  }

  /** When (ms since the epoch) an item became present, or undefined while it is not. */
  presentAt(listName: string, value: string): number | undefined {
    return this.presentSince.get(`${listName}|${value}`);
  }

  /** Resolves with the time the item became present; rejects after `timeout_ms`. */
  waitForItem(listName: string, value: string, timeout_ms: number): Promise<number> {
    const key = `${listName}|${value}`;
    const now = this.presentSince.get(key);
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const onPresent = (presentKey: string, at: number) => {
        if (presentKey !== key) return;
        clearTimeout(timer);
        this.events.off('present', onPresent);
        resolve(at);
      };
      const timer = setTimeout(() => {
        this.events.off('present', onPresent);
        reject(new Error(`${value} did not appear in ${listName} within ${timeout_ms} ms`));
      }, timeout_ms);
      this.events.on('present', onPresent);
    });
  }

  /** POST /rules/lists. */
  createFrom(body: unknown): StoredList {
    const { name, kind, description } = (body ?? {}) as { name?: unknown; kind?: unknown; description?: unknown };
    if (typeof name !== 'string' || !/^[a-z0-9_]+$/.test(name) || name.length > 50) throw new ApiFailure(400, 10_001, 'list name must match ^[a-z0-9_]+$ and be at most 50 characters');
    if (kind !== 'ip' && kind !== 'asn' && kind !== 'hostname' && kind !== 'redirect') throw new ApiFailure(400, 10_002, 'invalid list kind');
    if (this.all().some((list) => list.name === name)) throw new ApiFailure(409, 10_003, 'a list with this name already exists');
    const list = this.lists.get(this.create(name, kind as 'ip')) as StoredList;
    list.kind = kind;
    list.description = typeof description === 'string' ? description : '';
    return list;
  }

  /** GET /rules/lists/:id/items: pages in Cloudflare's order, `search` by prefix (ASNs: exact). */
  readItems(list: StoredList, query: URLSearchParams): Routed {
    const per_page = Math.min(500, Math.max(1, Number(query.get('per_page') ?? 25) || 25));
    const search = query.get('search');
    const cursor = query.get('cursor');
    const after = cursor === null ? '' : Buffer.from(cursor, 'base64url').toString('utf8');
    let items = sorted(list).filter((item) => item.sort_key > after);
    if (search !== null && search !== '') items = items.filter((item) => (list.kind === 'asn' ? item.value === search : item.value.startsWith(search)));
    const page = items.slice(0, per_page);
    const more = items.length > per_page;
    const last = page[page.length - 1];
    return {
      status: 200,
      result: page.map((item) => ({ id: item.id, ...(list.kind === 'asn' ? { asn: Number(item.value) } : { ip: item.value }), ...(item.comment === undefined ? {} : { comment: item.comment }), created_on: item.created_on, modified_on: item.modified_on })),
      result_info: { cursors: more && last !== undefined ? { after: Buffer.from(last.sort_key).toString('base64url') } : {} },
    };
  }

  /**
   * POST /rules/lists/:id/items: validates the body now (counting its items in `logged`) and
   * returns what the operation applies; the account's capacity is judged when it is applied.
   */
  creation(logged: { items: number }, list: StoredList, body: unknown): ApplyOperation {
    if (!Array.isArray(body)) throw new ApiFailure(400, 10_021, 'body must be an array of items');
    logged.items = body.length;
    const values = body.map((raw, index) => {
      const item = raw as { ip?: unknown; asn?: unknown; comment?: unknown };
      const value = list.kind === 'asn' ? validAsn(item.asn) : list.kind === 'ip' ? validIp(item.ip) : undefined;
      if (value === undefined || this.refused.has(value)) throw new ApiFailure(400, 10_021, `item ${index}: not a valid ${list.kind} list item`);
      if (item.comment !== undefined && (typeof item.comment !== 'string' || item.comment.length > 500)) throw new ApiFailure(400, 10_022, `item ${index}: comment longer than 500 characters`);
      return { value, comment: item.comment as string | undefined };
    });
    return () => {
      const added = new Set(values.map((item) => item.value).filter((value) => !list.items.has(value))).size;
      if (this.itemCount() + added > this.settings.max_items) return `the account would exceed its ${this.settings.max_items} list items`;
      for (const { value, comment } of values) this.insert(list, value, comment);
      return undefined;
    };
  }

  /** DELETE /rules/lists/:id/items (by item id): validates the body now, returns what the operation applies. */
  deletion(logged: { items: number }, list: StoredList, body: unknown): ApplyOperation {
    const items = (body as { items?: unknown } | undefined)?.items;
    if (!Array.isArray(items) || items.some((item) => typeof (item as { id?: unknown }).id !== 'string')) throw new ApiFailure(400, 10_023, 'items must be an array of {id}');
    logged.items = items.length;
    const ids = new Set(items.map((item) => (item as { id: string }).id));
    return () => {
      for (const [value, item] of list.items) {
        if (!ids.has(item.id)) continue;
        list.items.delete(value);
        this.presentSince.delete(`${list.name}|${value}`);
      }
      return undefined;
    };
  }

  byId(id: string): StoredList {
    const list = this.lists.get(id);
    if (list === undefined) throw new ApiFailure(404, 10_000, 'list not found');
    return list;
  }

  private byName(name: string): StoredList {
    const list = this.all().find((candidate) => candidate.name === name);
    if (list === undefined) throw new Error(`no list named ${name}`);
    return list;
  }

  private insert(list: StoredList, value: string, comment: string | undefined): StoredItem {
    const existing = list.items.get(value);
    if (existing !== undefined) {
      existing.comment = comment;
      existing.modified_on = iso();
      return existing;
    }
    const item: StoredItem = { id: hex(16), value, comment, created_on: iso(), modified_on: iso(), sort_key: sortKey(list.kind, value) };
    list.items.set(value, item);
    const at = Date.now();
    this.presentSince.set(`${list.name}|${value}`, at);
    this.events.emit('present', `${list.name}|${value}`, at);
    return item;
  }
}

/** A list as the API shows it. */
export function listView(list: StoredList) {
  return { id: list.id, name: list.name, kind: list.kind, description: list.description, num_items: list.items.size, num_referencing_filters: 0, created_on: list.created_on, modified_on: list.modified_on };
}

/** Cloudflare returns IP items sorted by address, then prefix length; ASNs by number. */
function sorted(list: StoredList): StoredItem[] {
  return [...list.items.values()].sort((a, b) => (a.sort_key < b.sort_key ? -1 : a.sort_key > b.sort_key ? 1 : 0));
}

/** The key of that order: IPv4 before IPv6, addresses as fixed-width hex, then the prefix length (none sorts last). */
function sortKey(kind: string, value: string): string {
  if (kind === 'asn') return value.padStart(10, '0');
  const [address, length] = value.split('/') as [string, string | undefined];
  const digits = isIPv4(address) ? `4${address.split('.').map((octet) => Number(octet).toString(16).padStart(2, '0')).join('')}` : `6${expandV6(address)}`;
  return `${digits}/${(length ?? '999').padStart(3, '0')}`;
}

function expandV6(address: string): string {
  const [left, right] = address.split('::') as [string, string | undefined];
  const head = left === '' ? [] : left.split(':');
  const tail = right === undefined || right === '' ? [] : right.split(':');
  const groups = right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  return groups.map((group) => group.padStart(4, '0')).join('');
}

/** IPv4 address or CIDR /8–/31 (no `/32` suffix), IPv6 CIDR /4–/64, in canonical text. */
function validIp(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const parts = raw.split('/');
  if (parts.length > 2) return undefined;
  const [address, suffix] = parts as [string, string | undefined];
  const length = suffix === undefined ? undefined : /^\d{1,3}$/.test(suffix) ? Number(suffix) : NaN;
  if (isIPv4(address)) return length === undefined || (length >= 8 && length <= 31) ? raw : undefined;
  if (isIPv6(address) && !address.includes('.') && length !== undefined && length >= 4 && length <= 64 && address === address.toLowerCase()) return raw;
  return undefined;
}

/** An ASN 0–2³²−1, as the decimal string items are keyed by. */
function validAsn(raw: unknown): string | undefined {
  return typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= 4_294_967_295 ? String(raw) : undefined;
}
