/**
 * The guard's counters: plain numbers in one object (no Prometheus client needed; `prometheus()`
 * writes the text form for an existing /metrics route). Label values are small fixed sets.
 */
import type { EventAction } from '@botsieve/core';
import type { AddressSource } from '../client-address/index.js';

/** Why a request was let through without a decision. */
export type FailOpenReason = 'error' | 'not_ready' | 'over_budget' | 'breaker_open' | 'invalid' | 'no_address';

export const FAIL_OPEN_REASONS: readonly FailOpenReason[] = ['error', 'not_ready', 'over_budget', 'breaker_open', 'invalid', 'no_address'];
const ACTIONS: readonly EventAction[] = ['allow', 'log', 'challenge', 'block'];
const SOURCES: readonly AddressSource[] = ['peer', 'cf-connecting-ip', 'x-forwarded-for', 'invalid_forwarded'];

export interface GuardMetricsSnapshot {
  requests: number;
  /** Decisions taken, by action (a fail-open request counts under fail_open only). */
  decisions: Record<EventAction, number>;
  fail_open: Record<FailOpenReason, number>;
  /** Requests answered 403 (block, or challenge with `challenge: 'block'`). */
  blocked: number;
  /** Requests answered 429 by the load bucket. */
  rate_limited: number;
  /** Where the client address came from. */
  address_source: Record<AddressSource, number>;
  /** Requests whose edge headers were not believed (not through Cloudflare, or a wrong edge token). */
  edge_untrusted: number;
  /** Slowest decide() seen, in microseconds. */
  decide_max_us: number;
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  const record = {} as Record<K, number>;
  for (const key of keys) record[key] = 0;
  return record;
}

export class GuardMetrics {
  requests = 0;
  readonly decisions = zeros(ACTIONS);
  readonly fail_open = zeros(FAIL_OPEN_REASONS);
  blocked = 0;
  rate_limited = 0;
  readonly address_source = zeros(SOURCES);
  edge_untrusted = 0;
  decide_max_us = 0;

  snapshot(): GuardMetricsSnapshot {
    return {
      requests: this.requests,
      decisions: { ...this.decisions },
      fail_open: { ...this.fail_open },
      blocked: this.blocked,
      rate_limited: this.rate_limited,
      address_source: { ...this.address_source },
      edge_untrusted: this.edge_untrusted,
      decide_max_us: this.decide_max_us,
    };
  }

  /** Prometheus text exposition of the counters. */
  prometheus(): string {
    const lines = [
      '# TYPE botsieve_origin_requests_total counter',
      `botsieve_origin_requests_total ${this.requests}`,
      '# TYPE botsieve_origin_decisions_total counter',
      ...ACTIONS.map((action) => `botsieve_origin_decisions_total{action="${action}"} ${this.decisions[action]}`),
      '# TYPE botsieve_origin_fail_open_total counter',
      ...FAIL_OPEN_REASONS.map((reason) => `botsieve_origin_fail_open_total{reason="${reason}"} ${this.fail_open[reason]}`),
      '# TYPE botsieve_origin_blocked_total counter',
      `botsieve_origin_blocked_total ${this.blocked}`,
      '# TYPE botsieve_origin_rate_limited_total counter',
      `botsieve_origin_rate_limited_total ${this.rate_limited}`,
      '# TYPE botsieve_origin_address_source_total counter',
      ...SOURCES.map((source) => `botsieve_origin_address_source_total{source="${source}"} ${this.address_source[source]}`),
      '# TYPE botsieve_origin_edge_untrusted_total counter',
      `botsieve_origin_edge_untrusted_total ${this.edge_untrusted}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
