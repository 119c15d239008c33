/**
 * RequestStream: request metadata records to ingest's WebSocket `/stream`, in small acknowledged
 * batches, without ever blocking or failing a request.
 *
 * - `push` is O(1): the record joins the open batch, which is cut at `batch_max_events` or
 *   `batch_max_ms` after its first record, whichever comes first, and gets the next sequence number.
 * - A batch is kept until ingest answers `{"ack": seq}` (the events are on the bus). `{"nack": seq,
 *   "retry_after_ms"}` puts it back in line and pauses sending for that long; ingest nacks every
 *   batch it had received before, so they come back in order too. A connection that ends takes
 *   every unanswered batch back in line: they are sent again, same seq, after the reconnect.
 *   Delivery is at least once (ingest consumers dedupe on RayID).
 * - Bounded: at most `max_queue_events` records wait (open batch + unacknowledged batches); past
 *   that a new record is dropped and counted (`dropped`). At most `max_inflight_batches` batches
 *   are unanswered on the socket, and nothing more is sent while the socket buffers more than
 *   `max_buffered_bytes`.
 * - An ingest that stops answering (a hung connection, a half-open TCP socket) is not waited for
 *   forever: with batches unanswered for `ack_timeout_ms`, the connection is cut and reopened, and
 *   its batches are sent again.
 * - Reconnects with back-off (runtime's `backoffDelay`, equal jitter), reset once a connection opens.
 * - Timers are unref'd: a stream never keeps a process alive. `close()` sends what is left and
 *   waits for the acks, up to a deadline.
 */
import WebSocket from 'ws';
import { backoffDelay, systemRandom, type BackoffPolicy, type Random } from '@botsieve/runtime';
import { originConfigError } from '../errors.js';
import type { RequestRecord, RequestRecordSink } from './record.js';

export interface RequestStreamOptions {
  /** Ingest's stream endpoint, `ws://host:port/stream` or `wss://…`. */
  url: string;
  /** The header and value ingest authenticates with (`ingest.auth`), e.g. `{ header: 'authorization', token: 'Bearer SECRET' }`. */
  auth?: { header: string; token: string } | null;
  /** Records per batch at most (default 100). */
  batch_max_events?: number;
  /** A batch is sent at most this long after its first record (default 200 ms). */
  batch_max_ms?: number;
  /** Records waiting at most (open batch + unacknowledged batches); past it new records are dropped (default 10,000). */
  max_queue_events?: number;
  /** Batches sent and not yet answered at most (default 4; ingest's own limit is `stream.max_inflight_batches`). */
  max_inflight_batches?: number;
  /** Nothing more is sent while the socket buffers more than this (default 1 MiB). */
  max_buffered_bytes?: number;
  /** A connection whose oldest unanswered batch has no answer for this long is cut and reopened (default 30,000 ms). */
  ack_timeout_ms?: number;
  /** Reconnect back-off (default 200 ms doubling to 10 s, equal jitter). */
  backoff?: BackoffPolicy;
  /** Randomness for the jitter (tests pin it). */
  random?: Random;
}

export interface RequestStreamStats {
  connected: boolean;
  /** Records waiting (open batch + unacknowledged batches). */
  queued: number;
  /** Records ingest acknowledged. */
  acknowledged: number;
  /** Records dropped because the queue was full (or pushed after close). */
  dropped: number;
  /** Batches sent (resends included). */
  batches_sent: number;
  nacks: number;
  /** Connections that ended (and were, unless closing, reopened). */
  disconnects: number;
}

interface Batch {
  readonly seq: number;
  readonly events: RequestRecord[];
  sent: boolean;
}

const DEFAULT_BACKOFF: BackoffPolicy = { base_ms: 200, max_ms: 10_000, jitter: 'equal' };

export class RequestStream implements RequestRecordSink {
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly batchMaxEvents: number;
  private readonly batchMaxMs: number;
  private readonly maxQueue: number;
  private readonly maxInflight: number;
  private readonly maxBuffered: number;
  private readonly ackTimeoutMs: number;
  private ackTimer: NodeJS.Timeout | null = null;
  private readonly backoff: BackoffPolicy;
  private readonly random: Random;
  private open: RequestRecord[] = [];
  private readonly batches: Batch[] = [];
  private queued = 0;
  private inflight = 0;
  private nextSeq = 0;
  private socket: WebSocket | null = null;
  private connected = false;
  private attempt = 0;
  private closed = false;
  private cutTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pausedUntil = 0;
  private resumeTimer: NodeJS.Timeout | null = null;
  private drained: (() => void) | null = null;
  private readonly counts = { acknowledged: 0, dropped: 0, batches_sent: 0, nacks: 0, disconnects: 0 };

  constructor(options: RequestStreamOptions) {
    if (typeof options.url !== 'string' || !/^wss?:\/\/\S+$/.test(options.url)) throw originConfigError(`request stream: url ${String(options.url)}: expected ws:// or wss://`);
    this.url = options.url;
    this.headers = options.auth ? { [options.auth.header]: options.auth.token } : {};
    this.batchMaxEvents = positive('batch_max_events', options.batch_max_events ?? 100);
    this.batchMaxMs = positive('batch_max_ms', options.batch_max_ms ?? 200);
    this.maxQueue = positive('max_queue_events', options.max_queue_events ?? 10_000);
    this.maxInflight = positive('max_inflight_batches', options.max_inflight_batches ?? 4);
    this.maxBuffered = positive('max_buffered_bytes', options.max_buffered_bytes ?? 1024 * 1024);
    this.ackTimeoutMs = positive('ack_timeout_ms', options.ack_timeout_ms ?? 30_000);
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? systemRandom;
  }

  /** Opens the connection (and keeps reopening it) in the background; never throws. */
  start(): this {
    if (this.socket === null && !this.closed) this.connect();
    return this;
  }

  push(record: RequestRecord): void {
    if (this.closed || this.queued >= this.maxQueue) {
      this.counts.dropped += 1;
      return;
    }
    this.open.push(record);
    this.queued += 1;
    if (this.open.length >= this.batchMaxEvents) this.cut();
    else if (this.cutTimer === null) this.cutTimer = unref(setTimeout(() => this.cut(), this.batchMaxMs));
  }

  stats(): RequestStreamStats {
    return { connected: this.connected, queued: this.queued, ...this.counts };
  }

  /** Sends the open batch and waits until every batch is acknowledged or `timeout_ms` passed; then disconnects. */
  async close(timeout_ms = 5_000): Promise<void> {
    this.cut();
    if (this.batches.length > 0 && this.connected) {
      await new Promise<void>((resolve) => {
        const deadline = unref(setTimeout(resolve, timeout_ms));
        this.drained = () => {
          clearTimeout(deadline);
          resolve();
        };
      });
    }
    this.closed = true;
    this.drained = null;
    for (const timer of [this.cutTimer, this.reconnectTimer, this.resumeTimer, this.ackTimer]) if (timer !== null) clearTimeout(timer);
    this.counts.dropped += this.queued;
    this.queued = 0;
    this.batches.length = 0;
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) {
      await new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.terminate();
      });
    }
  }

  private cut(): void {
    if (this.cutTimer !== null) {
      clearTimeout(this.cutTimer);
      this.cutTimer = null;
    }
    if (this.open.length === 0) return;
    this.batches.push({ seq: this.nextSeq, events: this.open, sent: false });
    this.nextSeq += 1;
    this.open = [];
    this.pump();
  }

  private pump(): void {
    const socket = this.socket;
    if (!this.connected || socket === null) return;
    if (Date.now() < this.pausedUntil) {
      this.armResume();
      return;
    }
    for (const batch of this.batches) {
      if (this.inflight >= this.maxInflight || socket.bufferedAmount > this.maxBuffered) return;
      if (batch.sent) continue;
      batch.sent = true;
      this.inflight += 1;
      this.counts.batches_sent += 1;
      socket.send(JSON.stringify({ seq: batch.seq, events: batch.events }));
      if (this.ackTimer === null) this.armAckTimer();
    }
  }

  /**
   * Pumps again once the nack pause is over. A timer may fire a millisecond before `Date.now()`
   * reaches `pausedUntil` (timers and the wall clock round differently), so the callback re-arms
   * itself through pump() rather than trusting it is late enough: a nacked batch once stalled
   * forever that way (1 run in 6 of the nack test).
   */
  private armResume(): void {
    if (this.resumeTimer !== null) return;
    this.resumeTimer = unref(setTimeout(() => {
      this.resumeTimer = null;
      this.pump();
    }, Math.max(1, this.pausedUntil - Date.now() + 1)));
  }

  /** (Re)starts the wait for the next answer while batches are unanswered. */
  private armAckTimer(): void {
    if (this.ackTimer !== null) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    if (this.inflight === 0) return;
    const socket = this.socket;
    this.ackTimer = unref(setTimeout(() => {
      this.ackTimer = null;
      // No answer in time: cut the connection; 'close' puts its batches back in line.
      if (socket !== null && socket === this.socket) socket.terminate();
    }, this.ackTimeoutMs));
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.closed) return;
    const socket = new WebSocket(this.url, { headers: this.headers, handshakeTimeout: 10_000 });
    this.socket = socket;
    socket.on('open', () => {
      this.connected = true;
      this.attempt = 0;
      this.pump();
    });
    socket.on('message', (data) => this.onAnswer(String(data)));
    // An error is always followed by 'close', where the reconnect is scheduled.
    socket.on('error', () => {});
    socket.on('close', () => this.onClose(socket));
  }

  private onAnswer(text: string): void {
    let answer: { ack?: unknown; nack?: unknown; retry_after_ms?: unknown };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      return;
    }
    const seq = typeof answer.ack === 'number' ? answer.ack : typeof answer.nack === 'number' ? answer.nack : null;
    const index = seq === null ? -1 : this.batches.findIndex((batch) => batch.seq === seq && batch.sent);
    if (index < 0) return;
    const batch = this.batches[index]!;
    this.inflight -= 1;
    this.armAckTimer();
    if (typeof answer.ack === 'number') {
      this.batches.splice(index, 1);
      this.queued -= batch.events.length;
      this.counts.acknowledged += batch.events.length;
      if (this.batches.length === 0 && this.drained !== null) this.drained();
    } else {
      batch.sent = false;
      this.counts.nacks += 1;
      const wait = typeof answer.retry_after_ms === 'number' && answer.retry_after_ms > 0 ? Math.min(answer.retry_after_ms, 60_000) : this.backoff.base_ms;
      this.pausedUntil = Math.max(this.pausedUntil, Date.now() + wait);
      if (this.resumeTimer !== null) clearTimeout(this.resumeTimer);
      this.resumeTimer = null;
      this.armResume();
      return;
    }
    this.pump();
  }

  private onClose(socket: WebSocket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.connected = false;
    this.counts.disconnects += 1;
    // Unanswered batches: nothing of them is acknowledged; send them again after the reconnect.
    for (const batch of this.batches) batch.sent = false;
    this.inflight = 0;
    if (this.ackTimer !== null) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    if (this.closed) return;
    const delay = backoffDelay(this.attempt, this.backoff, this.random);
    this.attempt += 1;
    this.reconnectTimer = unref(setTimeout(() => this.connect(), delay));
  }
}

function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw originConfigError(`request stream: ${name} ${value}: expected a positive integer`);
  return value;
}
