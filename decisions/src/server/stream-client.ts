/**
 * One client of GET /v1/verdicts/stream (protocol: decisions/README.md, "Stream protocol").
 *
 * Order: the first line (snapshot or resume), the backlog (the snapshot's verdicts or the changes
 * after `since`), `synced`, then live changes in version order. The backlog and the subscription
 * are taken in the same synchronous step, so no change falls between them.
 *
 * Backpressure: the backlog is held as references and serialised a chunk at a time, only while
 * the transport takes what we write; live changes queue as lines. When the queued lines pass
 * `max_unsent_bytes` the client is cut (connection closed, counted): memory per client is
 * bounded, and a client that reconnects with its token gets the changes it missed or a snapshot.
 */
import { verdictJson, type EventAction, type Verdict } from '@botsieve/core';
import type { ReplicaChange } from '../types.js';
import type { VerdictReplica } from '../replica.js';
import type { Exchange } from '@botsieve/runtime';

/** Bytes of backlog serialised per write: large enough to cost few syscalls, small enough to interleave clients. */
const CHUNK_BYTES = 64 * 1_024;

export interface StreamRequest {
  /** From `since=<epoch>.<version>`, or null. */
  since: { epoch: string; version: number } | null;
  follow: boolean;
  /** Only verdicts with these actions; null: all. */
  actions: ReadonlySet<EventAction> | null;
}

export type StreamEnd = 'complete' | 'aborted' | 'cut' | 'closed';

type Backlog = { kind: 'snapshot'; items: Verdict[]; version: number } | { kind: 'changes'; items: ReplicaChange[]; version: number };

export class StreamClient {
  /** Wall time of the last write; heartbeats go to clients idle for heartbeat_ms. */
  lastWriteAt: number;
  private backlog: Backlog | null = null;
  private backlogIndex = 0;
  private tail: string[] = [];
  private tailBytes = 0;
  private waiting = false;
  private lastVersion = 0;
  private unsubscribe: (() => void) | undefined;
  private ended = false;

  constructor(
    private readonly exchange: Exchange,
    private readonly replica: VerdictReplica,
    private readonly request: StreamRequest,
    private readonly maxUnsentBytes: number,
    private readonly now: () => number,
    private readonly onEnd: (client: StreamClient, end: StreamEnd) => void,
  ) {
    this.lastWriteAt = now();
  }

  /** Sends the first line and starts the backlog; subscribes to live changes when following. */
  start(): void {
    const { replica, request } = this;
    const epoch = replica.epoch;
    const changes = request.since !== null && request.since.epoch === epoch ? replica.changesSince(request.since.version) : null;
    let first: string;
    if (changes !== null && request.since !== null) {
      this.backlog = { kind: 'changes', items: changes, version: replica.version };
      first = `{"type":"resume","epoch":${JSON.stringify(epoch)},"version":${request.since.version}}\n`;
    } else {
      const snapshot = replica.snapshot();
      const items = request.actions === null ? snapshot.verdicts : snapshot.verdicts.filter((verdict) => this.wanted(verdict));
      this.backlog = { kind: 'snapshot', items, version: snapshot.version };
      first = `{"type":"snapshot","epoch":${JSON.stringify(epoch)},"version":${snapshot.version},"count":${items.length}}\n`;
    }
    this.lastVersion = this.backlog.version;
    if (request.follow) this.unsubscribe = replica.subscribe(this.onChange);
    this.exchange.onWritable(this.onWritable);
    this.exchange.begin(200, 'application/x-ndjson');
    this.tail.unshift(first);
    this.tailBytes += first.length;
    // The first line goes before the backlog: pump writes the tail's head first while nothing was sent.
    this.pump(true);
  }

  /** Queues a heartbeat when the client got nothing for `idle_ms` and nothing is pending. */
  heartbeat(idle_ms: number): void {
    if (this.ended || this.waiting || this.backlog !== null || this.tail.length > 0) return;
    if (this.now() - this.lastWriteAt < idle_ms) return;
    this.enqueue(`{"type":"heartbeat","epoch":${JSON.stringify(this.replica.epoch)},"version":${this.lastVersion}}\n`);
  }

  /** Bytes queued as lines and not yet handed to the transport. */
  get unsentBytes(): number {
    return this.tailBytes;
  }

  /** Ends the response (drain); a client that does not read is closed instead. */
  shutdown(): void {
    if (this.ended) return;
    if (this.waiting) this.finish('closed', true);
    else {
      this.exchange.end();
      this.finish('closed', false);
    }
  }

  /** The client went away. */
  aborted(): void {
    this.finish('aborted', false);
  }

  private readonly onChange = (change: ReplicaChange): void => {
    this.lastVersion = change.version;
    if (change.type === 'upsert') {
      if (!this.wanted(change.verdict)) return;
      this.enqueue(upsertLine(change.version, change.verdict));
    } else {
      this.enqueue(`{"type":"remove","version":${change.version},"subject":${JSON.stringify(change.subject)}}\n`);
    }
  };

  private readonly onWritable = (): void => {
    this.waiting = false;
    this.pump(false);
  };

  private wanted(verdict: Verdict): boolean {
    return this.request.actions === null || this.request.actions.has(verdict.action);
  }

  private enqueue(line: string): void {
    if (this.ended) return;
    this.tail.push(line);
    this.tailBytes += line.length;
    if (this.tailBytes > this.maxUnsentBytes) {
      this.finish('cut', true);
      return;
    }
    if (!this.waiting && this.backlog === null) this.pump(false);
  }

  /** Writes while the transport takes it: the head line (first call), the backlog, then queued lines. */
  private pump(first: boolean): void {
    if (this.ended) return;
    this.exchange.cork(() => {
      if (first) this.writeTail(1);
      while (!this.waiting && !this.ended) {
        if (this.backlog !== null) this.writeChunk(this.nextBacklogChunk());
        else if (this.tail.length > 0) this.writeTail(this.tail.length);
        else break;
      }
    });
    if (!this.ended && !this.waiting && this.backlog === null && this.tail.length === 0 && !this.request.follow) {
      this.exchange.end();
      this.finish('complete', false);
    }
  }

  private writeTail(count: number): void {
    const lines = this.tail.splice(0, count);
    const chunk = lines.join('');
    this.tailBytes -= chunk.length;
    this.writeChunk(chunk);
  }

  private writeChunk(chunk: string): void {
    this.lastWriteAt = this.now();
    if (!this.exchange.write(chunk)) this.waiting = true;
  }

  private nextBacklogChunk(): string {
    const backlog = this.backlog as Backlog;
    let chunk = '';
    while (this.backlogIndex < backlog.items.length && chunk.length < CHUNK_BYTES) {
      if (backlog.kind === 'snapshot') {
        chunk += upsertLine(backlog.version, backlog.items[this.backlogIndex] as Verdict);
      } else {
        const change = backlog.items[this.backlogIndex] as ReplicaChange;
        if (change.type === 'remove') chunk += `{"type":"remove","version":${change.version},"subject":${JSON.stringify(change.subject)}}\n`;
        else if (this.wanted(change.verdict)) chunk += upsertLine(change.version, change.verdict);
      }
      this.backlogIndex += 1;
    }
    if (this.backlogIndex >= backlog.items.length) {
      chunk += `{"type":"synced","epoch":${JSON.stringify(this.replica.epoch)},"version":${backlog.version}}\n`;
      this.backlog = null;
      this.backlogIndex = 0;
    }
    return chunk;
  }

  private finish(end: StreamEnd, close: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe?.();
    this.backlog = null;
    this.tail = [];
    this.tailBytes = 0;
    if (close) this.exchange.close();
    this.onEnd(this, end);
  }
}

function upsertLine(version: number, verdict: Verdict): string {
  return `{"type":"upsert","version":${version},"verdict":${verdictJson(verdict)}}\n`;
}
