/**
 * A local Cloudflare API for tests and benchmarks (node:http on 127.0.0.1, a free port): the
 * Lists endpoints and the ruleset rule endpoints the `cloudflare` SDK calls, in Cloudflare's
 * envelope `{ success, errors, messages, result, result_info }`.
 *
 * It enforces what the real API enforces and a sink can get wrong: the Bearer token; one pending
 * bulk operation per account (a second is refused with 429, as Cloudflare's Lists docs say:
 * "If a write operation is still being processed and you submit a new request, you will receive
 * a 429"); items become visible only when their operation completes (pending → running →
 * completed over `polls_to_complete` polls); account capacity; value validation (IPv4 address
 * or CIDR /8–/31, IPv6 CIDR /4–/64, ASN 0–2³²−1, comments ≤ 500 characters); expression length
 * of rules. Error codes are illustrative: Cloudflare does not document them all.
 *
 * Fault injection: `rateLimitNext` (429 with `retry-after`), `failNext` (5xx), `failNextOperation`,
 * `refuseValues` (400 for chosen values), `delay_ms`, `stop()` / `restart()` on the same port.
 * Inspection: `requests` log, `items()`, `presentAt()` / `waitForItem()` (when an item became
 * present: the latency benchmark's end), and direct edits (`addForeignItem`,
 * `deleteItemDirectly`) that simulate a human in the dashboard.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIPv4, isIPv6, type AddressInfo } from 'node:net';

export interface CloudflareApiServerOptions {
  token?: string;
  account_id?: string;
  /** Items across all lists of the account. */
  max_items?: number;
  /** Polls answered `running` before the operation completes (the last poll sees `completed`). */
  polls_to_complete?: number;
  /** An operation nobody polls completes after this long, like on Cloudflare. */
  auto_complete_ms?: number;
  delay_ms?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  /** Items in a create or delete body. */
  items: number;
  at: number;
}

interface StoredItem {
  id: string;
  value: string;
  comment: string | undefined;
  created_on: string;
  modified_on: string;
  sort_key: string;
}

interface StoredList {
  id: string;
  name: string;
  kind: string;
  description: string;
  created_on: string;
  modified_on: string;
  items: Map<string, StoredItem>;
}

interface Operation {
  id: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  polls: number;
  apply: () => string | undefined;
  fail: boolean;
  error: string | undefined;
  completed: string | undefined;
  timer: NodeJS.Timeout | undefined;
}

interface Rule {
  id: string;
  ref: string;
  version: string;
  action: string;
  expression: string;
  description: string;
  enabled: boolean;
  last_updated: string;
}

interface Ruleset {
  id: string;
  zone_id: string;
  name: string;
  kind: 'zone';
  phase: 'http_request_firewall_custom';
  version: string;
  last_updated: string;
  rules: Rule[];
}

class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

type Routed = { status: number; result: unknown; result_info?: unknown };

const RULE_ACTIONS = new Set(['block', 'managed_challenge', 'js_challenge', 'challenge', 'log', 'skip']);
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const iso = () => new Date().toISOString();

export class CloudflareApiServer {
  readonly token: string;
  readonly account_id: string;
  max_items: number;
  polls_to_complete: number;
  auto_complete_ms: number;
  delay_ms: number;
  readonly requests: LoggedRequest[] = [];
  /** Create/delete requests refused because another bulk operation was still pending. */
  concurrent_operation_rejections = 0;
  operations_started = 0;
  rule_edits = 0;
  private port = 0;
  private server: Server;
  private readonly lists = new Map<string, StoredList>();
  private readonly operations = new Map<string, Operation>();
  private active: Operation | undefined;
  private readonly rulesets = new Map<string, Ruleset>();
  private readonly presentSince = new Map<string, number>();
  private readonly events = new EventEmitter();
  private rateLimited = 0;
  private retryAfterSeconds = 1;
  private failures = 0;
  private failureStatus = 503;
  private failOperations = 0;
  private readonly refused = new Set<string>();

  private constructor(options: CloudflareApiServerOptions) {
    this.token = options.token ?? 'test-token';
    this.account_id = options.account_id ?? hex(16);
    this.max_items = options.max_items ?? 10_000;
    this.polls_to_complete = options.polls_to_complete ?? 2;
    this.auto_complete_ms = options.auto_complete_ms ?? 2_000;
    this.delay_ms = options.delay_ms ?? 0;
    this.server = this.makeServer();
    this.events.setMaxListeners(0);
  }

  static async start(options: CloudflareApiServerOptions = {}): Promise<CloudflareApiServer> {
    const api = new CloudflareApiServer(options);
    await api.listen(0);
    return api;
  }

  /** What the SDK's `baseURL` should be. */
  get baseURL(): string {
    return `http://127.0.0.1:${this.port}/client/v4`;
  }

  /** The next `count` requests answer 429 with `retry-after: seconds`. */
  rateLimitNext(count: number, retryAfterSeconds = 1): void {
    this.rateLimited = count;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The next `count` requests answer `status` (5xx). */
  failNext(count: number, status = 503): void {
    this.failures = count;
    this.failureStatus = status;
  }

  /** The next bulk operation ends `failed` and changes nothing. */
  failNextOperation(count = 1): void {
    this.failOperations = count;
  }

  /** Creates naming any of these values are refused with 400, as if Cloudflare judged them invalid. */
  refuseValues(values: readonly string[]): void {
    for (const value of values) this.refused.add(value);
  }

  /** Stops listening and drops open connections (the API is down); state is kept. */
  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Listens again on the same port. */
  async restart(): Promise<void> {
    if (this.server.listening) return;
    this.server = this.makeServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    for (const operation of this.operations.values()) if (operation.timer !== undefined) clearTimeout(operation.timer);
    await this.stop();
  }

  createList(name: string, kind: 'ip' | 'asn' = 'ip'): string {
    const list: StoredList = { id: hex(16), name, kind, description: '', created_on: iso(), modified_on: iso(), items: new Map() };
    this.lists.set(list.id, list);
    return list.id;
  }

  listNames(): string[] {
    return [...this.lists.values()].map((list) => list.name);
  }

  /** Items of a list, sorted as Cloudflare returns them. */
  items(listName: string): Array<{ id: string; value: string; comment: string | undefined }> {
    return sorted(this.byName(listName)).map((item) => ({ id: item.id, value: item.value, comment: item.comment }));
  }

  values(listName: string): string[] {
    return this.items(listName).map((item) => item.value);
  }

  itemCount(): number {
    let count = 0;
    for (const list of this.lists.values()) count += list.items.size;
    return count;
  }

  /** Adds an item as a human would in the dashboard (not through an operation). */
  addForeignItem(listName: string, value: string, comment?: string): string {
    const list = this.byName(listName);
    return this.insert(list, value, comment).id;
  }

  deleteItemDirectly(listName: string, value: string): boolean {
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
  waitForItem(listName: string, value: string, timeout_ms = 10_000): Promise<number> {
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

  /** A zone custom ruleset with the given rules; returns the ids. */
  addRuleset(zone_id: string, rules: Array<{ action: string; expression: string; description?: string; enabled?: boolean }>): { ruleset_id: string; rule_ids: string[] } {
    const ruleset: Ruleset = { id: hex(16), zone_id, name: 'default', kind: 'zone', phase: 'http_request_firewall_custom', version: '1', last_updated: iso(), rules: [] };
    for (const rule of rules) {
      const id = hex(16);
      ruleset.rules.push({ id, ref: id, version: '1', action: rule.action, expression: rule.expression, description: rule.description ?? '', enabled: rule.enabled ?? true, last_updated: iso() });
    }
    this.rulesets.set(ruleset.id, ruleset);
    return { ruleset_id: ruleset.id, rule_ids: ruleset.rules.map((rule) => rule.id) };
  }

  rule(ruleset_id: string, rule_id: string): Rule | undefined {
    return this.rulesets.get(ruleset_id)?.rules.find((rule) => rule.id === rule_id);
  }

  private makeServer(): Server {
    return createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.startsWith('/client/v4') ? url.pathname.slice('/client/v4'.length) : url.pathname;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const entry: LoggedRequest = { method: req.method ?? 'GET', path, query: url.search, status: 0, items: 0, at: Date.now() };
    this.requests.push(entry);
    if (this.delay_ms > 0) await new Promise((resolve) => setTimeout(resolve, this.delay_ms));
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    try {
      if (this.rateLimited > 0) {
        this.rateLimited -= 1;
        throw new ApiFailure(429, 971, 'Please wait and consider throttling your request speed', { 'retry-after': String(this.retryAfterSeconds) });
      }
      if (this.failures > 0) {
        this.failures -= 1;
        throw new ApiFailure(this.failureStatus, 10_000, 'Internal error (injected)');
      }
      if (req.headers.authorization !== `Bearer ${this.token}`) throw new ApiFailure(403, 10_000, 'Authentication error');
      let body: unknown;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          throw new ApiFailure(400, 10_026, 'Request body is not valid JSON');
        }
      }
      const routed = this.route(entry, path, url.searchParams, body);
      reply(routed.status, { success: true, errors: [], messages: [], result: routed.result, ...(routed.result_info === undefined ? {} : { result_info: routed.result_info }) });
    } catch (error) {
      const failure = error instanceof ApiFailure ? error : new ApiFailure(500, 10_000, String(error));
      reply(failure.status, { success: false, errors: [{ code: failure.code, message: failure.message }], messages: [], result: null }, failure.headers);
    }
  }

  private route(entry: LoggedRequest, path: string, query: URLSearchParams, body: unknown): Routed {
    const method = entry.method;
    let match = /^\/accounts\/([^/]+)\/rules\/lists(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path);
    if (match !== null) {
      this.checkAccount(match[1] as string, path);
      const [second, third] = [match[2], match[3]];
      if (second === undefined && method === 'GET') return { status: 200, result: [...this.lists.values()].map(listView), result_info: {} };
      if (second === undefined && method === 'POST') return { status: 200, result: listView(this.createListFrom(body)) };
      if (second === 'bulk_operations' && third !== undefined && method === 'GET') return { status: 200, result: this.poll(third) };
      if (second !== undefined && third === undefined && method === 'GET') return { status: 200, result: listView(this.listById(second)) };
      if (second !== undefined && third === 'items') {
        const list = this.listById(second);
        if (method === 'GET') return this.readItems(list, query);
        if (method === 'POST') return { status: 201, result: { operation_id: this.createItems(entry, list, body) } };
        if (method === 'DELETE') return { status: 201, result: { operation_id: this.deleteItems(entry, list, body) } };
      }
    }
    match = /^\/zones\/([^/]+)\/rulesets\/([^/]+)(?:\/rules\/([^/]+))?$/.exec(path);
    if (match !== null) {
      const ruleset = this.rulesets.get(match[2] as string);
      if (ruleset === undefined || ruleset.zone_id !== match[1]) throw new ApiFailure(404, 10_007, 'Could not find ruleset');
      if (match[3] === undefined && method === 'GET') return { status: 200, result: ruleset };
      if (match[3] !== undefined && method === 'PATCH') return { status: 200, result: this.editRule(ruleset, match[3], body) };
    }
    throw new ApiFailure(404, 7_003, `Could not route to ${path}, perhaps your object identifier is invalid?`);
  }

  private checkAccount(account: string, path: string): void {
    if (account !== this.account_id) throw new ApiFailure(404, 7_003, `Could not route to ${path}, perhaps your object identifier is invalid?`);
  }

  private createListFrom(body: unknown): StoredList {
    const { name, kind, description } = (body ?? {}) as { name?: unknown; kind?: unknown; description?: unknown };
    if (typeof name !== 'string' || !/^[a-z0-9_]+$/.test(name) || name.length > 50) throw new ApiFailure(400, 10_001, 'list name must match ^[a-z0-9_]+$ and be at most 50 characters');
    if (kind !== 'ip' && kind !== 'asn' && kind !== 'hostname' && kind !== 'redirect') throw new ApiFailure(400, 10_002, 'invalid list kind');
    if ([...this.lists.values()].some((list) => list.name === name)) throw new ApiFailure(409, 10_003, 'a list with this name already exists');
    const list = this.lists.get(this.createList(name, kind as 'ip')) as StoredList;
    list.kind = kind;
    list.description = typeof description === 'string' ? description : '';
    return list;
  }

  private readItems(list: StoredList, query: URLSearchParams): Routed {
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

  private createItems(entry: LoggedRequest, list: StoredList, body: unknown): string {
    if (!Array.isArray(body)) throw new ApiFailure(400, 10_021, 'body must be an array of items');
    entry.items = body.length;
    const values = body.map((raw, index) => {
      const item = raw as { ip?: unknown; asn?: unknown; comment?: unknown };
      const value = list.kind === 'asn' ? validAsn(item.asn) : list.kind === 'ip' ? validIp(item.ip) : undefined;
      if (value === undefined || this.refused.has(value)) throw new ApiFailure(400, 10_021, `item ${index}: not a valid ${list.kind} list item`);
      if (item.comment !== undefined && (typeof item.comment !== 'string' || item.comment.length > 500)) throw new ApiFailure(400, 10_022, `item ${index}: comment longer than 500 characters`);
      return { value, comment: item.comment as string | undefined };
    });
    return this.startOperation(() => {
      const added = new Set(values.map((item) => item.value).filter((value) => !list.items.has(value))).size;
      if (this.itemCount() + added > this.max_items) return `the account would exceed its ${this.max_items} list items`;
      for (const { value, comment } of values) this.insert(list, value, comment);
      return undefined;
    });
  }

  private deleteItems(entry: LoggedRequest, list: StoredList, body: unknown): string {
    const items = (body as { items?: unknown } | undefined)?.items;
    if (!Array.isArray(items) || items.some((item) => typeof (item as { id?: unknown }).id !== 'string')) throw new ApiFailure(400, 10_023, 'items must be an array of {id}');
    entry.items = items.length;
    const ids = new Set(items.map((item) => (item as { id: string }).id));
    return this.startOperation(() => {
      for (const [value, item] of list.items) {
        if (!ids.has(item.id)) continue;
        list.items.delete(value);
        this.presentSince.delete(`${list.name}|${value}`);
      }
      return undefined;
    });
  }

  private startOperation(apply: () => string | undefined): string {
    if (this.active !== undefined) {
      this.concurrent_operation_rejections += 1;
      throw new ApiFailure(429, 10_046, 'A bulk operation is already pending for this account; retry when it has completed');
    }
    const operation: Operation = { id: hex(16), status: 'pending', polls: 0, apply, fail: false, error: undefined, completed: undefined, timer: undefined };
    if (this.failOperations > 0) {
      this.failOperations -= 1;
      operation.fail = true;
    }
    operation.timer = setTimeout(() => this.finish(operation), this.auto_complete_ms);
    operation.timer.unref();
    this.operations.set(operation.id, operation);
    this.active = operation;
    this.operations_started += 1;
    return operation.id;
  }

  private poll(id: string): unknown {
    const operation = this.operations.get(id);
    if (operation === undefined) throw new ApiFailure(404, 10_004, 'operation not found');
    if (operation.status === 'pending' || operation.status === 'running') {
      operation.polls += 1;
      if (operation.polls >= this.polls_to_complete) this.finish(operation);
      else operation.status = 'running';
    }
    if (operation.status === 'completed') return { id, status: 'completed', completed: operation.completed };
    if (operation.status === 'failed') return { id, status: 'failed', completed: operation.completed, error: operation.error };
    return { id, status: operation.status };
  }

  private finish(operation: Operation): void {
    if (operation.status === 'completed' || operation.status === 'failed') return;
    if (operation.timer !== undefined) clearTimeout(operation.timer);
    const error = operation.fail ? 'Internal error while processing the bulk operation (injected)' : operation.apply();
    operation.status = error === undefined ? 'completed' : 'failed';
    operation.error = error;
    operation.completed = iso();
    if (this.active === operation) this.active = undefined;
  }

  private editRule(ruleset: Ruleset, rule_id: string, body: unknown): Ruleset {
    const rule = ruleset.rules.find((candidate) => candidate.id === rule_id);
    if (rule === undefined) throw new ApiFailure(404, 10_008, 'Could not find rule');
    const edit = (body ?? {}) as { action?: unknown; expression?: unknown; description?: unknown; enabled?: unknown };
    if (typeof edit.action !== 'string' || !RULE_ACTIONS.has(edit.action)) throw new ApiFailure(400, 20_020, 'rule action is missing or unknown');
    if (typeof edit.expression !== 'string' || edit.expression === '') throw new ApiFailure(400, 20_021, 'rule expression is missing');
    if (edit.expression.length > 4_096) throw new ApiFailure(400, 20_022, 'rule expression is longer than 4096 characters');
    // PATCH takes the whole rule definition: fields left out are reset, as Cloudflare documents.
    Object.assign(rule, { action: edit.action, expression: edit.expression, description: typeof edit.description === 'string' ? edit.description : '', enabled: edit.enabled !== false, version: String(Number(rule.version) + 1), last_updated: iso() });
    ruleset.version = String(Number(ruleset.version) + 1);
    ruleset.last_updated = rule.last_updated;
    this.rule_edits += 1;
    return ruleset;
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

  private byName(name: string): StoredList {
    const list = [...this.lists.values()].find((candidate) => candidate.name === name);
    if (list === undefined) throw new Error(`no list named ${name}`);
    return list;
  }

  private listById(id: string): StoredList {
    const list = this.lists.get(id);
    if (list === undefined) throw new ApiFailure(404, 10_000, 'list not found');
    return list;
  }
}

function listView(list: StoredList) {
  return { id: list.id, name: list.name, kind: list.kind, description: list.description, num_items: list.items.size, num_referencing_filters: 0, created_on: list.created_on, modified_on: list.modified_on };
}

/** Cloudflare returns IP items sorted by address, then prefix length; ASNs by number. */
function sorted(list: StoredList): StoredItem[] {
  return [...list.items.values()].sort((a, b) => (a.sort_key < b.sort_key ? -1 : a.sort_key > b.sort_key ? 1 : 0));
}

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

function validAsn(raw: unknown): string | undefined {
  return typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= 4_294_967_295 ? String(raw) : undefined;
}
