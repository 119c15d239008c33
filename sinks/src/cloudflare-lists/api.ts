/**
 * The Cloudflare API as the lists sink uses it: every call goes through one serial queue, spends
 * from our own request budget first, honours a 429's `retry-after` for every later call, and
 * turns SDK errors into BotsieveErrors. No retries here: the sink runtime owns them.
 */
import Cloudflare, { APIConnectionError, APIError, RateLimitError, type ClientOptions } from 'cloudflare';
import type { BotsieveError, Clock, Logger } from '@botsieve/core';
import { parseRetryAfter } from '@botsieve/runtime';
import { sinkError } from '../errors.js';
import { SlidingWindowBudget } from './budget.js';
import type { CloudflareListsConfig } from './config.js';

export type ListKind = 'ip' | 'asn';

export interface ListInfo {
  id: string;
  name: string;
  kind: string;
  num_items: number;
}

/** An item as read back: `value` is the IP text or the ASN as a decimal string. */
export interface ListedItem {
  id: string;
  value: string;
  comment: string | undefined;
}

export interface OperationStatus {
  status: 'pending' | 'running' | 'completed' | 'failed';
  error: string | undefined;
}

export interface RuleState {
  id: string;
  action: string;
  expression: string;
  description: string;
  enabled: boolean;
}

export interface RuleEdit {
  action: 'block' | 'managed_challenge';
  expression: string;
  description: string;
  enabled: boolean;
}

/** The SDK client the sink uses; `fetch` replaces the transport (tests record or cut requests). */
export function createClient(config: CloudflareListsConfig, log: Logger, fetch?: ClientOptions['fetch']): Cloudflare {
  return new Cloudflare({
    apiToken: config.api_token,
    // Explicit nulls: otherwise the SDK picks up CLOUDFLARE_API_KEY / CLOUDFLARE_EMAIL from the
    // environment and sends them along with the token.
    apiKey: null,
    apiEmail: null,
    userServiceKey: null,
    baseURL: config.base_url,
    timeout: config.request_timeout_ms,
    // The SDK would retry 408/409/429/5xx twice within one call, sleeping up to a minute on a
    // `retry-after`, while holding the one writer of the account. Two retries do not outlast a
    // Cloudflare 429 lock-out or an outage, and retries we cannot see break our request budget.
    // The sink runtime retries with back-off instead, honouring `retry_after_ms`.
    maxRetries: 0,
    logLevel: 'warn',
    logger: { error: (message) => log.error(message), warn: (message) => log.warn(message), info: (message) => log.debug(message), debug: (message) => log.debug(message) },
    ...(fetch === undefined ? {} : { fetch }),
  });
}

export class CloudflareApi {
  readonly requests: SlidingWindowBudget;
  readonly itemChanges: SlidingWindowBudget;
  /** Clock time before which Cloudflare asked us (429 `retry-after`) not to call. */
  private blockedUntil = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly account_id: string;

  constructor(
    private readonly client: Cloudflare,
    private readonly config: CloudflareListsConfig,
    private readonly clock: Clock,
  ) {
    this.account_id = config.account_id;
    this.requests = new SlidingWindowBudget(config.max_requests_per_window, config.window_ms, clock);
    this.itemChanges = new SlidingWindowBudget(config.max_item_changes_per_window, config.window_ms, clock);
  }

  async listLists(): Promise<ListInfo[]> {
    const page = await this.call('list lists', () => this.client.rules.lists.list({ account_id: this.account_id }));
    return page.result.map((list) => ({ id: list.id, name: list.name, kind: list.kind, num_items: list.num_items }));
  }

  async createList(name: string, kind: ListKind): Promise<ListInfo> {
    const list = await this.call('create list', () => this.client.rules.lists.create({ account_id: this.account_id, name, kind, description: 'Managed by botsieve: items are written and deleted by the pipeline.' }));
    return { id: list.id, name: list.name, kind: list.kind, num_items: list.num_items };
  }

  /** Every item of a list, page by page (one request, one budget unit each). */
  async readItems(list_id: string): Promise<ListedItem[]> {
    const items: ListedItem[] = [];
    let page = await this.call('read list', () => this.client.rules.lists.items.list(list_id, { account_id: this.account_id, per_page: this.config.list_page_size }));
    for (;;) {
      for (const item of page.result) items.push(listed(item));
      if (!page.hasNextPage()) return items;
      const current = page;
      page = await this.call('read list', () => current.getNextPage());
    }
  }

  /**
   * Looks an item up by value. Cloudflare matches IPs by prefix (`192.0.2.1` also finds
   * `192.0.2.10`), so the exact value is filtered here; items come sorted by address, so the
   * exact one is on the first page.
   */
  async findItem(list_id: string, value: string): Promise<ListedItem | undefined> {
    const page = await this.call('search list', () => this.client.rules.lists.items.list(list_id, { account_id: this.account_id, search: value, per_page: this.config.list_page_size }));
    return page.result.map(listed).find((item) => item.value === value);
  }

  /** Starts a bulk create; returns its operation id. Spends one request and `items.length` item changes. */
  async createItems(list_id: string, kind: ListKind, items: ReadonlyArray<{ value: string; comment: string }>): Promise<string> {
    const body = items.map((item) => (kind === 'ip' ? { ip: item.value, comment: item.comment } : { asn: Number(item.value), comment: item.comment }));
    const result = await this.call('create items', () => this.client.rules.lists.items.create(list_id, { account_id: this.account_id, body }), items.length);
    return result.operation_id;
  }

  /** Starts a bulk delete by item ids (Cloudflare deletes by id, not by value). */
  async deleteItems(list_id: string, ids: readonly string[]): Promise<string> {
    const result = await this.call('delete items', () => this.client.rules.lists.items.delete(list_id, { account_id: this.account_id, items: ids.map((id) => ({ id })) }), ids.length);
    return result.operation_id;
  }

  async operation(operation_id: string): Promise<OperationStatus> {
    const result = await this.call('poll operation', () => this.client.rules.lists.bulkOperations.get(operation_id, { account_id: this.account_id }));
    return { status: result.status, error: 'error' in result ? result.error : undefined };
  }

  async readRules(): Promise<RuleState[]> {
    const ruleset = await this.call('read ruleset', () => this.client.rulesets.get(this.config.ruleset_id, { zone_id: this.config.zone_id }));
    return ruleset.rules.map((rule) => ({ id: rule.id ?? '', action: rule.action ?? '', expression: rule.expression ?? '', description: rule.description ?? '', enabled: rule.enabled ?? true }));
  }

  async editRule(rule_id: string, edit: RuleEdit): Promise<void> {
    await this.call('edit rule', () => this.client.rulesets.rules.edit(rule_id, { ruleset_id: this.config.ruleset_id, zone_id: this.config.zone_id, ...edit }));
  }

  /** Throws ERR_SINK_RATE_LIMITED when `amount` item changes do not fit the budget now. */
  assertItemChanges(amount: number): void {
    const wait = this.itemChanges.waitFor(amount);
    if (wait > 0) throw rateLimited(wait, `own budget of ${this.itemChanges.limit} list item changes per window is spent`);
  }

  /**
   * One call: waits its turn, checks the lock-out and both budgets, spends them before sending
   * (a request that fails after leaving still counts at Cloudflare), maps errors.
   */
  private call<T>(what: string, request: () => Promise<T>, item_changes = 0): Promise<T> {
    const run = async (): Promise<T> => {
      const now = this.clock.now();
      if (now < this.blockedUntil) throw rateLimited(this.blockedUntil - now, `Cloudflare answered 429; not calling again for ${this.blockedUntil - now} ms`);
      const wait = this.requests.waitFor(1);
      if (wait > 0) throw rateLimited(wait, `own budget of ${this.requests.limit} API requests per window is spent`);
      if (item_changes > 0) this.assertItemChanges(item_changes);
      this.requests.spend(1);
      if (item_changes > 0) this.itemChanges.spend(item_changes);
      try {
        return await request();
      } catch (error) {
        throw this.mapError(error, what);
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private mapError(error: unknown, what: string): unknown {
    if (error instanceof RateLimitError) {
      const now = this.clock.now();
      const retry_after_ms = parseRetryAfter(error.headers?.get('retry-after'), now);
      if (retry_after_ms !== undefined) this.blockedUntil = Math.max(this.blockedUntil, now + retry_after_ms);
      return sinkError('ERR_SINK_RATE_LIMITED', `Cloudflare rate-limited ${what} (429)`, { cause: error, retry_after_ms });
    }
    if (error instanceof APIConnectionError) return sinkError('ERR_SINK_UNAVAILABLE', `Cloudflare unreachable during ${what}: ${error.message}`, { cause: error });
    if (error instanceof APIError) {
      const status = error.status ?? 0;
      // 409: a concurrent change (another writer, a lock) that passes when retried.
      if (status >= 500 || status === 409 || status === 408) return sinkError('ERR_SINK_UNAVAILABLE', `Cloudflare failed ${what} (${status})`, { cause: error });
      if (status === 401 || status === 403) return sinkError('ERR_SINK_CONFIG', `Cloudflare refused the token for ${what} (${status}): check api_token and its permissions`, { cause: error });
      // A list (or account, ruleset) that vanished: not the items' fault. Retryable, because the
      // next pass finds the lists again (and re-creates them with create_missing_lists).
      if (status === 404) return sinkError('ERR_SINK_NOT_FOUND', `Cloudflare found nothing for ${what} (404): was a list or ruleset deleted?`, { cause: error });
      return sinkError('ERR_SINK_REJECTED', `Cloudflare rejected ${what} (${status}): ${error.message}`, { cause: error });
    }
    return error;
  }
}

export function rateLimited(retry_after_ms: number, message: string): BotsieveError {
  return sinkError('ERR_SINK_RATE_LIMITED', message, { retry_after_ms });
}

function listed(item: object): ListedItem {
  const record = item as { id: string; ip?: string; asn?: number; comment?: string };
  return { id: record.id, value: record.ip ?? String(record.asn ?? ''), comment: record.comment };
}
