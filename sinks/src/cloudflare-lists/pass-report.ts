/**
 * What a pass tells operators: gauges (items per list, left out, budgets left) after every pass,
 * a warning when the number of left-out verdicts changes (never one per item, and not one per
 * pass either: at capacity every pass would repeat it), and in dry-run one aggregated info line
 * per pass with counts and a few examples.
 */
import type { Logger } from '@botsieve/core';
import type { ComponentTelemetry } from '@botsieve/runtime';
import type { CloudflareApi } from './api.js';
import type { CloudflareListsConfig } from './config.js';
import type { Selection } from './desired-state.js';
import type { RemoteState } from './remote-state.js';

export const CLOUDFLARE_METRIC = {
  listItems: 'botsieve_cloudflare_list_items',
  leftOut: 'botsieve_cloudflare_left_out',
  budgetRemaining: 'botsieve_cloudflare_budget_remaining',
  operationSeconds: 'botsieve_cloudflare_operation_seconds',
} as const;

export class PassReport {
  private lastLeftOut = 0;

  constructor(
    private readonly config: CloudflareListsConfig,
    private readonly remote: RemoteState,
    private readonly telemetry: ComponentTelemetry,
  ) {}

  after(selection: Selection, api: CloudflareApi | undefined): void {
    const { metrics, log } = this.telemetry;
    for (const list of this.remote.lists) metrics.gauge(CLOUDFLARE_METRIC.listItems, list.present.size, { kind: `${list.action}_${list.kind}` });
    if (this.config.bot_management) {
      for (const action of ['block', 'challenge'] as const) metrics.gauge(CLOUDFLARE_METRIC.listItems, selection.ja4[action].length, { kind: `${action}_ja4` });
    }
    metrics.gauge(CLOUDFLARE_METRIC.leftOut, selection.left_out);
    if (api !== undefined) {
      metrics.gauge(CLOUDFLARE_METRIC.budgetRemaining, api.requests.available(), { kind: 'requests' });
      metrics.gauge(CLOUDFLARE_METRIC.budgetRemaining, api.itemChanges.available(), { kind: 'item_changes' });
    }
    if (selection.left_out !== this.lastLeftOut) {
      if (selection.left_out > 0) {
        log.warn({ left_out: selection.left_out, max_items: this.config.max_items, other_lists_items: this.remote.other_items }, 'more verdicts deserve pushing to Cloudflare than fit; the lowest priority ones are left out');
      } else {
        log.info({ max_items: this.config.max_items }, 'every enforceable verdict fits the Cloudflare lists again');
      }
      this.lastLeftOut = selection.left_out;
    }
  }
}

const EXAMPLES = 3;

/** Dry-run: what a pass would have sent, aggregated. */
export class DryRunReport {
  private readonly counts = { create: 0, delete: 0, rule: 0 };
  private readonly examples: Record<'create' | 'delete' | 'rule', string[]> = { create: [], delete: [], rule: [] };

  /** Why nothing is sent: `dry-run (no api_token)`, or standby behind the writer lease. */
  constructor(private readonly why: string) {}

  record(target: string, kind: 'create' | 'delete' | 'rule', values: readonly string[]): void {
    this.counts[kind] += kind === 'rule' ? 1 : values.length;
    const examples = this.examples[kind];
    for (const value of values) {
      if (examples.length >= EXAMPLES) break;
      examples.push(`${target}: ${value}`);
    }
    if (kind === 'rule' && values.length === 0 && examples.length < EXAMPLES) examples.push(`${target}: (empty, disabled)`);
  }

  log(log: Logger): void {
    if (this.counts.create + this.counts.delete + this.counts.rule === 0) return;
    log.info({ would_create: this.counts.create, would_delete: this.counts.delete, would_edit_rules: this.counts.rule, examples: this.examples }, `${this.why}: would change Cloudflare lists; nothing sent`);
  }
}
