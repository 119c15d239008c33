/**
 * WebSocket /stream: persistent producers send batches, the server acknowledges them in order.
 *
 * Client → server, one JSON text or binary message per batch:
 *   {"seq": <non-negative integer>, "events": [<Logpush http_requests objects>…]}
 * Server → client, one message per batch, in the order the batches arrived:
 *   {"ack": seq, "accepted": n, "rejected": n}   the batch is safe (durable) / enqueued
 *   {"nack": seq, "retry_after_ms": n, "error": code}   nothing of it is acknowledged: resend it
 * Acks follow arrival order, so "ack N" also means every earlier batch was answered. After a nack
 * for N, every batch received before the client could see that nack is nacked too (even if the
 * bus took it), so a client simply resends from N; duplicates are expected (at least once).
 *
 * The envelope is read by a structural scan, not one JSON.parse: each event is delimited and its
 * nesting measured before it is parsed, so an event nested too deep (or malformed) is dead-lettered
 * on its own and the rest of the batch goes through.
 *
 * Backpressure: a batch arriving while stream.max_inflight_batches are unanswered on its socket is
 * refused (nacked in its turn, nothing of it published); at twice that many, or when the client's
 * unread acks exceed stream.max_buffered_bytes, the socket is closed with 1013.
 * Invalid envelopes close the socket with 1007 (there is no seq to nack). However a socket ends,
 * its unanswered batches are settled then, so drain never waits for a socket that is gone.
 */
import type { BotsieveError } from '@botsieve/core';
import { INGEST_ERRORS, ingestError, ingestErrorInfo } from '../errors.js';
import { arrayElements, forEachObjectMember } from '../logpush/json-structure.js';
import type { TokenAuth } from '@botsieve/runtime';
import { errorBody, type IngestContext } from './context.js';
import { BatchPublisher } from './publisher.js';
import type { StreamConnection, StreamHandlers, StreamOptions } from '@botsieve/runtime';

type BatchState = 'pending' | 'ok' | 'failed';

class StreamBatch {
  state: BatchState = 'pending';
  /** A nack for an earlier batch was sent while this one was queued. */
  forceNack = false;
  error: BotsieveError | null = null;
  timer: NodeJS.Timeout | null = null;
  readonly started = performance.now();

  constructor(
    readonly seq: number,
    readonly publisher: BatchPublisher | null,
  ) {}
}

export interface StreamUserData {
  pending: StreamBatch[];
  open: boolean;
}

type Connection = StreamConnection<StreamUserData>;

const OPEN_BRACKET = 0x5b;

export class StreamEndpoint {
  readonly sockets = new Set<Connection>();

  constructor(
    private readonly context: IngestContext,
    private readonly auth: TokenAuth,
  ) {}

  options(): StreamOptions {
    const { stream } = this.context.config;
    return {
      max_message_bytes: stream.max_message_bytes,
      // Sends past this are dropped by the transport; ours close the socket well before that.
      max_backpressure_bytes: stream.max_buffered_bytes * 4,
      idle_timeout_s: stream.idle_timeout_s,
    };
  }

  handlers(): StreamHandlers<StreamUserData> {
    return {
      upgrade: (head) => {
        // Everything is synchronous here: the head is only valid during this call.
        if (!this.auth.check(this.auth.enabled ? head.header(this.auth.header) : '')) {
          const info = INGEST_ERRORS.ERR_INGEST_UNAUTHORIZED;
          this.context.metrics.failed('stream', info, ingestError(info.code, 'missing or wrong token on /stream upgrade'));
          return { refuse: { status: info.status, body: errorBody(info, 'missing or wrong token'), contentType: 'application/json', retryAfter: null } };
        }
        if (this.context.isDraining()) {
          const info = INGEST_ERRORS.ERR_INGEST_DRAINING;
          return { refuse: { status: info.status, body: errorBody(info, 'server draining'), contentType: 'application/json', retryAfter: this.context.retryAfter } };
        }
        return { accept: { pending: [], open: true } };
      },
      open: (connection) => {
        this.sockets.add(connection);
      },
      message: (connection, message) => {
        try {
          this.onMessage(connection, message);
        } catch (error) {
          // A bug: close the socket (its unanswered batches are never acked) rather than crash.
          const info = INGEST_ERRORS.ERR_INGEST_UNEXPECTED;
          this.context.metrics.failed('stream', info, ingestError(info.code, String(error), error));
          connection.end(1011, 'internal error');
        }
      },
      close: (connection) => this.closed(connection),
    };
  }

  /** Draining: closes every socket once its batches are answered. */
  closeIdleSockets(): void {
    for (const connection of this.sockets) if (connection.data.pending.length === 0) connection.end(1001, 'server draining');
  }

  /** The drain deadline: every unanswered batch is nacked now, then its socket closed. */
  cutForDrain(): void {
    for (const connection of this.sockets) {
      for (const batch of connection.data.pending) {
        if (batch.state === 'pending') this.settle(connection, batch, ingestError('ERR_INGEST_DRAINING', 'the bus did not confirm the batch before shutdown'));
      }
    }
  }

  /**
   * However the socket ended (client gone, 1011 after a bug, 1013, drain), its unanswered batches
   * are settled now: their work is released and nothing of them is acknowledged.
   */
  private closed(connection: Connection): void {
    const userData = connection.data;
    userData.open = false;
    this.sockets.delete(connection);
    for (const batch of userData.pending) {
      if (batch.state === 'pending') this.settle(connection, batch, ingestError('ERR_INGEST_ABORTED', 'the socket closed before the batch was answered'));
    }
  }

  private onMessage(connection: Connection, message: Uint8Array): void {
    const userData = connection.data;
    // A view, not a copy: everything below runs before this callback returns.
    const bytes = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    let seq: unknown;
    let eventsStart = -1;
    let eventsEnd = -1;
    const problem = forEachObjectMember(bytes, 0, bytes.length, (key, start, end) => {
      if (key === 'seq') seq = parseScalar(bytes, start, end);
      else if (key === 'events') {
        eventsStart = start;
        eventsEnd = end;
      }
    });
    if (problem !== null) {
      this.badMessage(connection, `message is not a JSON envelope: ${problem}`);
      return;
    }
    if (!Number.isSafeInteger(seq) || (seq as number) < 0 || eventsStart === -1 || bytes[eventsStart] !== OPEN_BRACKET) {
      this.badMessage(connection, 'expected {"seq": <non-negative integer>, "events": [...]}');
      return;
    }
    const spans = arrayElements(bytes, eventsStart, eventsEnd);
    if (typeof spans === 'string') {
      this.badMessage(connection, `events is not a valid JSON array: ${spans}`);
      return;
    }
    const { context } = this;
    if (userData.pending.length >= 2 * context.config.stream.max_inflight_batches) {
      // The client ignores its nacks and keeps sending: even refusals would pile up.
      const info = INGEST_ERRORS.ERR_INGEST_STREAM_BACKPRESSURE;
      context.metrics.failed('stream', info, ingestError(info.code, 'client keeps sending past its nacks'));
      connection.end(info.status, 'backpressure: wait for your acks');
      return;
    }
    const refusal = this.refusal(userData);
    if (refusal !== null) {
      const batch = new StreamBatch(seq as number, null);
      batch.state = 'failed';
      batch.error = refusal;
      userData.pending.push(batch);
      this.flush(connection);
      return;
    }
    const publisher = new BatchPublisher(context.publish, context.producer.batch(), 'stream', context.now());
    const batch = new StreamBatch(seq as number, publisher);
    userData.pending.push(batch);
    context.workStarted();
    for (let i = 0; i < spans.length; i += 3) {
      if (!publisher.element(bytes, spans[i] as number, spans[i + 1] as number, spans[i + 2] as number)) break;
    }
    if (publisher.refused) {
      this.settle(connection, batch, ingestError('ERR_INGEST_BUS_UNAVAILABLE', 'the bus refused events (producer queue full or not ready)'));
      return;
    }
    const accepted = publisher.tally.accepted;
    if (context.config.ack === 'enqueued') {
      context.workStarted(); // drain waits for the seal too
      publisher.seal().then(
        () => {
          context.metrics.delivered(accepted);
          context.workFinished();
        },
        (error: unknown) => {
          context.metrics.deliveryFailed('stream', accepted, error);
          context.workFinished();
        },
      );
      this.settle(connection, batch, null);
      return;
    }
    batch.timer = setTimeout(() => this.settle(connection, batch, ingestError('ERR_INGEST_ACK_TIMEOUT', 'the bus did not confirm the batch in time')), context.config.ack_timeout_ms);
    publisher.seal().then(
      () => {
        context.metrics.delivered(accepted);
        this.settle(connection, batch, null);
      },
      (error: unknown) => this.settle(connection, batch, ingestError('ERR_INGEST_BUS_UNAVAILABLE', 'the bus did not confirm the batch', error)),
    );
  }

  private refusal(userData: StreamUserData): BotsieveError | null {
    const { context } = this;
    if (context.isDraining()) return ingestError('ERR_INGEST_DRAINING', 'server draining');
    if (userData.pending.length >= context.config.stream.max_inflight_batches) return ingestError('ERR_INGEST_OVERLOADED', 'too many unacknowledged batches on this socket');
    if (!context.producer.isReady()) return ingestError('ERR_INGEST_BUS_UNAVAILABLE', 'the bus is not ready');
    return null;
  }

  /** A batch's outcome is known (once); acks go out when every earlier batch is answered. */
  private settle(connection: Connection, batch: StreamBatch, error: BotsieveError | null): void {
    if (batch.state !== 'pending') return;
    if (batch.timer !== null) clearTimeout(batch.timer);
    batch.timer = null;
    batch.state = error === null ? 'ok' : 'failed';
    batch.error = error;
    if (error !== null) batch.publisher?.abandon();
    this.context.workFinished();
    this.flush(connection);
  }

  /**
   * Sends the answers that are due. The socket may be closed by now (a seal resolving after the
   * client left): then the answers are only counted, and a closed socket is never touched.
   */
  private flush(connection: Connection): void {
    const userData = connection.data;
    const { pending } = userData;
    if (pending.length === 0 || pending[0]?.state === 'pending') return;
    const { metrics, config } = this.context;
    let dropped = false;
    const send = (): void => {
      while (pending.length > 0 && (pending[0] as StreamBatch).state !== 'pending') {
        const batch = pending.shift() as StreamBatch;
        const tally = batch.publisher === null ? null : batch.publisher.tally;
        let message: string;
        if (tally === null || batch.state === 'failed' || batch.forceNack) {
          const error = batch.error ?? ingestError('ERR_INGEST_BUS_UNAVAILABLE', 'an earlier batch was nacked; resend from it');
          metrics.failed('stream', ingestErrorInfo(error), error);
          for (const later of pending) later.forceNack = true;
          message = `{"nack":${batch.seq},"retry_after_ms":${this.context.retryAfterMs},"error":"${error.code}"}`;
        } else {
          metrics.succeeded('stream', tally, config.ack, (performance.now() - batch.started) / 1_000);
          message = `{"ack":${batch.seq},"accepted":${tally.accepted},"rejected":${tally.rejected}}`;
        }
        // false = dropped by the transport (over its hard limit): the client would miss an answer.
        if (userData.open && !dropped && !connection.send(message)) dropped = true;
      }
    };
    if (!userData.open) {
      send();
      return;
    }
    // Acks after an await must be corked (one syscall for all of them).
    connection.cork(send);
    if (dropped || connection.bufferedAmount() > config.stream.max_buffered_bytes) {
      const info = INGEST_ERRORS.ERR_INGEST_STREAM_BACKPRESSURE;
      metrics.failed('stream', info, ingestError(info.code, 'client does not read its acks'));
      connection.end(info.status, 'backpressure: read your acks');
      return;
    }
    if (this.context.isDraining() && pending.length === 0) connection.end(1001, 'server draining');
  }

  private badMessage(connection: Connection, detail: string): void {
    const info = INGEST_ERRORS.ERR_INGEST_STREAM_BAD_MESSAGE;
    this.context.metrics.failed('stream', info, ingestError(info.code, detail));
    connection.end(info.status, detail.slice(0, 120));
  }
}

function parseScalar(bytes: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(bytes.toString('utf8', start, end));
  } catch {
    return undefined;
  }
}
