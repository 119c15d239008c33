/**
 * Edge enforcement (ENFORCE=on): a per-isolate VerdictSet refreshed from the decision service's
 * stream (`GET /v1/verdicts/stream?follow=0&actions=block,challenge&since=<token>`) at most every
 * `refresh_ms`, one refresh at a time. A refresh runs in the waitUntil of the request that found it
 * due; no request waits for it, except an isolate's very first one when `wait_for_first_refresh`.
 *
 * Fails open: an unreachable, slow (past `refresh_timeout_ms`) or erroring decision service leaves
 * the held verdicts as they were, and they still expire on time; with nothing held, nothing is
 * enforced.
 *
 * The exemption rule of the whole project: a verified bot (Bot Management's `verifiedBot`) is
 * never enforced on. A verdict on `asn:`, `ja4:` or `ua:` is about a population, not the verified
 * crawler inside it. On a zone without Bot Management the Worker cannot tell a verified bot, so
 * there only `ipua:`, `ip:` and `prefix:` verdicts are enforced (the detectors never judge a
 * published crawler's own addresses).
 */
import type { WorkerConfig } from './config.js';
import { edgeSubjects, isPopulationSubject, type EdgeClient } from './subjects.js';
import { VerdictSet, type VerdictMatch, type VerdictSetStats } from './verdict-set.js';

export type EnforcerConfig = NonNullable<WorkerConfig['enforce']>;

export interface EnforcerStats extends VerdictSetStats {
  refreshes: number;
  refresh_failures: number;
  last_refresh_error: string;
}

const NEVER_EXEMPT = (): boolean => false;

export class Enforcer {
  readonly verdicts: VerdictSet;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | null = null;
  private refreshes = 0;
  private failures = 0;
  private lastError = '';

  constructor(
    private readonly config: EnforcerConfig,
    private readonly fetcher: (input: string, init: RequestInit) => Promise<Response> = (input, init) => fetch(input, init),
    private readonly now: () => number = () => Date.now(),
  ) {
    this.verdicts = new VerdictSet(config.max_verdicts, now);
  }

  /** True before this isolate's first refresh attempt. */
  get neverRefreshed(): boolean {
    return this.lastAttemptAt === Number.NEGATIVE_INFINITY;
  }

  /** Starts a refresh when one is due and none is running; the promise never rejects. */
  refreshIfDue(): Promise<void> | null {
    const now = this.now();
    if (this.inflight !== null || now - this.lastAttemptAt < this.config.refresh_ms) return null;
    this.lastAttemptAt = now;
    this.inflight = this.refresh().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /**
   * The verdict to enforce on this client, or null. `verifiedBot` is Bot Management's answer:
   * true exempts the client from everything, undefined (no Bot Management) from population verdicts.
   */
  decide(client: EdgeClient, verifiedBot: boolean | undefined): VerdictMatch | null {
    if (verifiedBot === true) return null;
    return this.verdicts.match(edgeSubjects(client), verifiedBot === false ? NEVER_EXEMPT : isPopulationSubject);
  }

  stats(): EnforcerStats {
    return { ...this.verdicts.stats(), refreshes: this.refreshes, refresh_failures: this.failures, last_refresh_error: this.lastError };
  }

  private async refresh(): Promise<void> {
    const { decisions_url, header, token, refresh_timeout_ms } = this.config;
    const since = this.verdicts.token;
    const url = `${decisions_url}/v1/verdicts/stream?follow=0&actions=block,challenge${since === null ? '' : `&since=${encodeURIComponent(since)}`}`;
    const headers: Record<string, string> = { accept: 'application/x-ndjson' };
    if (token !== null) headers[header] = token;
    try {
      const response = await this.fetcher(url, { method: 'GET', headers, signal: AbortSignal.timeout(refresh_timeout_ms) });
      if (!response.ok || response.body === null) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      await this.readLines(response.body);
      this.refreshes += 1;
    } catch (error) {
      this.failures += 1;
      this.lastError = (error as Error).message;
      console.error(`botsieve edge: verdict refresh failed (${this.lastError}); enforcing what is held`);
    } finally {
      this.verdicts.endResponse();
    }
  }

  /** Applies the body line by line as it arrives: a snapshot is never held as one string. */
  private async readLines(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let pending = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let newline = pending.indexOf('\n');
      let start = 0;
      while (newline !== -1) {
        const line = pending.slice(start, newline);
        if (line.trim() !== '') this.verdicts.applyLine(line);
        start = newline + 1;
        newline = pending.indexOf('\n', start);
      }
      pending = pending.slice(start);
    }
    pending += decoder.decode();
    if (pending.trim() !== '') this.verdicts.applyLine(pending);
  }
}
