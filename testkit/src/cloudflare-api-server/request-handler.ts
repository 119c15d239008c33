/**
 * The HTTP side of the local Cloudflare API: the request log, injected faults (429 with
 * `retry-after`, 5xx, a delay), the Bearer token, routing to the lists, bulk operations and
 * rulesets, and Cloudflare's envelope `{ success, errors, messages, result, result_info }`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listView, type AccountLists } from './account-lists.js';
import { ApiFailure, couldNotRoute, type Routed } from './api-answer.js';
import type { BulkOperations } from './bulk-operations.js';
import type { Rulesets } from './rulesets.js';

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  /** Items in a create or delete body. */
  items: number;
  at: number;
}

/** The server's settings (read for each request, so tests may change them) and its request log. */
export interface HandlerSettings {
  readonly token: string;
  readonly account_id: string;
  readonly delay_ms: number;
  readonly requests: LoggedRequest[];
}

/** What the routes act on. */
export interface AccountState {
  readonly lists: AccountLists;
  readonly operations: BulkOperations;
  readonly rulesets: Rulesets;
}

export class RequestHandler {
  private rateLimited = 0;
  private retryAfterSeconds = 1;
  private failures = 0;
  private failureStatus = 503;

  constructor(
    private readonly settings: HandlerSettings,
    private readonly state: AccountState,
  ) {}

  /** The next `count` requests answer 429 with `retry-after: seconds`. */
  rateLimitNext(count: number, retryAfterSeconds: number): void {
    this.rateLimited = count;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The next `count` requests answer `status` (5xx). */
  failNext(count: number, status: number): void {
    this.failures = count;
    this.failureStatus = status;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.startsWith('/client/v4') ? url.pathname.slice('/client/v4'.length) : url.pathname;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const entry: LoggedRequest = { method: req.method ?? 'GET', path, query: url.search, status: 0, items: 0, at: Date.now() };
    this.settings.requests.push(entry);
    if (this.settings.delay_ms > 0) await new Promise((resolve) => setTimeout(resolve, this.settings.delay_ms));
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
      if (req.headers.authorization !== `Bearer ${this.settings.token}`) throw new ApiFailure(403, 10_000, 'Authentication error');
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
    const { lists, operations, rulesets } = this.state;
    const method = entry.method;
    let match = /^\/accounts\/([^/]+)\/rules\/lists(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path);
    if (match !== null) {
      if (match[1] !== this.settings.account_id) throw couldNotRoute(path);
      const [second, third] = [match[2], match[3]];
      if (second === undefined && method === 'GET') return { status: 200, result: lists.all().map(listView), result_info: {} };
      if (second === undefined && method === 'POST') return { status: 200, result: listView(lists.createFrom(body)) };
      if (second === 'bulk_operations' && third !== undefined && method === 'GET') return { status: 200, result: operations.poll(third) };
      if (second !== undefined && third === undefined && method === 'GET') return { status: 200, result: listView(lists.byId(second)) };
      if (second !== undefined && third === 'items') {
        const list = lists.byId(second);
        if (method === 'GET') return lists.readItems(list, query);
        if (method === 'POST') return { status: 201, result: { operation_id: operations.start(lists.creation(entry, list, body)) } };
        if (method === 'DELETE') return { status: 201, result: { operation_id: operations.start(lists.deletion(entry, list, body)) } };
      }
    }
    match = /^\/zones\/([^/]+)\/rulesets\/([^/]+)(?:\/rules\/([^/]+))?$/.exec(path);
    if (match !== null) {
      const ruleset = rulesets.inZone(match[1] as string, match[2] as string);
      if (match[3] === undefined && method === 'GET') return { status: 200, result: ruleset };
      if (match[3] !== undefined && method === 'PATCH') return { status: 200, result: rulesets.edit(ruleset, match[3], body) };
    }
    throw couldNotRoute(path);
  }
}
