/**
 * One `traffic_1m` row being aggregated (sinks/schemas/bigquery/traffic_1m.json): requests of one
 * event-time minute × host × class × source partition.
 *
 * `row_id` is a hash of exactly those four keys, so the row built again from the same records
 * (after a restart) has the same id: it is the insertId, and the views keep one row per row_id.
 */
import { createHash } from 'node:crypto';
import type { RequestEvent } from '@botsieve/core';
import { TopSubjects, SKETCH_COUNTERS_PER_SUBJECT } from './top-subjects.js';
import type { Coverage } from './verdict-coverage.js';

export type TrafficClass = 'verified_bot' | 'automated' | 'likely_automated' | 'likely_human' | 'unscored';

export interface TrafficRow {
  row_id: string;
  minute: string;
  host: string;
  class: TrafficClass;
  source_partition: string;
  requests: number;
  blocked: number;
  challenged: number;
  logged: number;
  bot_score_1: number;
  bot_score_2_29: number;
  bot_score_30_99: number;
  bot_score_missing: number;
  mitigated_by: { action: string; detector: string; requests: number }[];
  top_subjects: { subject: string; requests: number; action: string }[];
  inserted_at: string;
}

export const MINUTE_MS = 60_000;
const ACTION_BY_RANK = ['allow', 'log', 'challenge', 'block'] as const;

/**
 * Class of a request: `verified_bot` when Cloudflare named a verified-bot category, else by bot
 * score: 1 automated, 2–29 likely automated, 30–99 likely human. No score, or 0 (Cloudflare's
 * "not computed"), is `unscored`.
 */
export function classify(event: RequestEvent): TrafficClass {
  const category = event.verified_bot_category;
  if (typeof category === 'string' && category !== '') return 'verified_bot';
  const score = event.bot_score;
  if (typeof score !== 'number' || !(score >= 1)) return 'unscored';
  if (score < 2) return 'automated';
  return score < 30 ? 'likely_automated' : 'likely_human';
}

/** Deterministic row id: 128 bits of SHA-256 over the row's keys (JSON, so no separator is ambiguous). */
export function trafficRowId(minute_ms: number, host: string, trafficClass: TrafficClass, source_partition: string): string {
  return createHash('sha256').update(JSON.stringify([minute_ms, host, trafficClass, source_partition])).digest('hex').slice(0, 32);
}

export class TrafficRowState {
  readonly row_id: string;
  requests = 0;
  blocked = 0;
  challenged = 0;
  logged = 0;
  bot_score_1 = 0;
  bot_score_2_29 = 0;
  bot_score_30_99 = 0;
  bot_score_missing = 0;
  /** `action\ndetector` → requests; bounded by 3 actions × the configured detectors. */
  private readonly mitigated = new Map<string, number>();
  private readonly top: TopSubjects;
  /** Lowest source offset absorbed into this row: re-reading from it rebuilds the row. */
  first_offset = Infinity;

  constructor(
    readonly minute_ms: number,
    readonly host: string,
    readonly trafficClass: TrafficClass,
    readonly source_partition: string,
    private readonly top_subjects: number,
  ) {
    this.row_id = trafficRowId(minute_ms, host, trafficClass, source_partition);
    this.top = new TopSubjects(top_subjects * SKETCH_COUNTERS_PER_SUBJECT);
  }

  add(event: RequestEvent, coverage: Coverage | undefined, offset: number): void {
    this.requests += 1;
    if (offset < this.first_offset) this.first_offset = offset;
    const score = event.bot_score;
    if (typeof score !== 'number' || !(score >= 1)) this.bot_score_missing += 1;
    else if (score < 2) this.bot_score_1 += 1;
    else if (score < 30) this.bot_score_2_29 += 1;
    else this.bot_score_30_99 += 1;
    let rank = 0;
    if (coverage !== undefined) {
      rank = coverage.rank;
      if (coverage.action === 'block') this.blocked += 1;
      else if (coverage.action === 'challenge') this.challenged += 1;
      else this.logged += 1;
      const key = `${coverage.action}\n${coverage.detector}`;
      this.mitigated.set(key, (this.mitigated.get(key) ?? 0) + 1);
    }
    if (typeof event.ip === 'string') this.top.add(`ip:${event.ip}`, rank);
  }

  toRow(inserted_at: string): TrafficRow {
    const mitigated_by: TrafficRow['mitigated_by'] = [];
    for (const [key, requests] of this.mitigated) {
      const newline = key.indexOf('\n');
      mitigated_by.push({ action: key.slice(0, newline), detector: key.slice(newline + 1), requests });
    }
    mitigated_by.sort((a, b) => (a.action < b.action ? -1 : a.action > b.action ? 1 : a.detector < b.detector ? -1 : a.detector > b.detector ? 1 : 0));
    return {
      row_id: this.row_id,
      minute: new Date(this.minute_ms).toISOString(),
      host: this.host,
      class: this.trafficClass,
      source_partition: this.source_partition,
      requests: this.requests,
      blocked: this.blocked,
      challenged: this.challenged,
      logged: this.logged,
      bot_score_1: this.bot_score_1,
      bot_score_2_29: this.bot_score_2_29,
      bot_score_30_99: this.bot_score_30_99,
      bot_score_missing: this.bot_score_missing,
      mitigated_by,
      top_subjects: this.top.top(this.top_subjects).map((top) => ({ subject: top.subject, requests: top.requests, action: ACTION_BY_RANK[top.rank] ?? 'allow' })),
      inserted_at,
    };
  }
}
