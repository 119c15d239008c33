/** The local Cloudflare API's listener and its handle for tests: settings, faults, inspection. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccountLists } from './account-lists.js';
import { hex } from './api-answer.js';
import { BulkOperations } from './bulk-operations.js';
import { RequestHandler, type LoggedRequest } from './request-handler.js';
import { Rulesets, type Rule } from './rulesets.js';

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
 *
 * The settings below are read when used, so a test may change them on a running server.
 */
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
  // Each part reads this server's settings and counts on its counters (see their interfaces).
  private readonly lists = new AccountLists(this);
  private readonly operations = new BulkOperations(this);
  private readonly rulesets = new Rulesets(this);
  private readonly handler = new RequestHandler(this, { lists: this.lists, operations: this.operations, rulesets: this.rulesets });

  private constructor(options: CloudflareApiServerOptions) {
    this.token = options.token ?? 'test-token';
    this.account_id = options.account_id ?? hex(16);
    this.max_items = options.max_items ?? 10_000;
    this.polls_to_complete = options.polls_to_complete ?? 2;
    this.auto_complete_ms = options.auto_complete_ms ?? 2_000;
    this.delay_ms = options.delay_ms ?? 0;
    this.server = this.makeServer();
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
    this.handler.rateLimitNext(count, retryAfterSeconds);
  }

  /** The next `count` requests answer `status` (5xx). */
  failNext(count: number, status = 503): void {
    this.handler.failNext(count, status);
  }

  /** The next bulk operation ends `failed` and changes nothing. */
  failNextOperation(count = 1): void {
    this.operations.failNext(count);
  }

  /** Creates naming any of these values are refused with 400, as if Cloudflare judged them invalid. */
  refuseValues(values: readonly string[]): void {
    this.lists.refuse(values);
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
    this.operations.close();
    await this.stop();
  }

  createList(name: string, kind: 'ip' | 'asn' = 'ip'): string {
    return this.lists.create(name, kind);
  }

  listNames(): string[] {
    return this.lists.names();
  }

  /** Items of a list, sorted as Cloudflare returns them. */
  items(listName: string): Array<{ id: string; value: string; comment: string | undefined }> {
    return this.lists.items(listName);
  }

  values(listName: string): string[] {
    return this.items(listName).map((item) => item.value);
  }

  itemCount(): number {
    return this.lists.itemCount();
  }

  /** Adds an item as a human would in the dashboard (not through an operation). */
  addForeignItem(listName: string, value: string, comment?: string): string {
    return this.lists.addForeign(listName, value, comment);
  }

  deleteItemDirectly(listName: string, value: string): boolean {
    return this.lists.deleteDirectly(listName, value);
  }

  /** When (ms since the epoch) an item became present, or undefined while it is not. */
  presentAt(listName: string, value: string): number | undefined {
    return this.lists.presentAt(listName, value);
  }

  /** Resolves with the time the item became present; rejects after `timeout_ms`. */
  waitForItem(listName: string, value: string, timeout_ms = 10_000): Promise<number> {
    return this.lists.waitForItem(listName, value, timeout_ms);
  }

  /** A zone custom ruleset with the given rules; returns the ids. */
  addRuleset(zone_id: string, rules: Array<{ action: string; expression: string; description?: string; enabled?: boolean }>): { ruleset_id: string; rule_ids: string[] } {
    return this.rulesets.add(zone_id, rules);
  }

  rule(ruleset_id: string, rule_id: string): Rule | undefined {
    return this.rulesets.rule(ruleset_id, rule_id);
  }

  private makeServer(): Server {
    return createServer((req, res) => {
      this.handler.handle(req, res).catch(() => res.destroy());
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
}
