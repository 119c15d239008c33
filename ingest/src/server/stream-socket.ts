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
 * Backpressure: a batch arriving while stream.max_inflight_batches are unanswered on its socket is
 * refused (nacked in its turn, nothing of it published); at twice that many, or when the client's
 * unread acks exceed stream.max_buffered_bytes, the socket is closed with 1013.
 * Invalid envelopes close the socket with 1007 (there is no seq to nack). Invalid events inside
 * a valid envelope are dead-lettered like bad lines.
 */
import type { BotsieveError } from '@botsieve/core';
import type uWS from 'uWebSockets.js';
import { INGEST_ERRORS, ingestError, ingestErrorInfo } from '../errors.js';
import type { TokenAuth } from './auth.js';
import { errorBody, sendJson, type IngestContext } from './context.js';
import { BatchPublisher } from './publisher.js';

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

export class StreamEndpoint {
  readonly sockets = new Set<uWS.WebSocket<StreamUserData>>();

  constructor(
    private readonly context: IngestContext,
    private readonly auth: TokenAuth,
  ) {}

  behavior(): uWS.WebSocketBehavior<StreamUserData> {
    const { stream } = this.context.config;
    return {
      maxPayloadLength: stream.max_message_bytes,
      // uWS drops sends past maxBackpressure; ours close the socket well before that.
      maxBackpressure: stream.max_buffered_bytes * 4,
      idleTimeout: stream.idle_timeout_s,
      sendPingsAutomatically: true,
      upgrade: (res, req, socketContext) => this.upgrade(res, req, socketContext),
      open: (ws) => {
        this.sockets.add(ws);
      },
      message: (ws, message) => {
        try {
          this.onMessage(ws, message);
        } catch (error) {
          // A bug: close the socket (its unanswered batches are never acked) rather than crash.
          const info = INGEST_ERRORS.ERR_INGEST_UNEXPECTED;
          this.context.metrics.failed('stream', null, info, ingestError(info.code, String(error), error));
          ws.end(1011, 'internal error');
        }
      },
      close: (ws) => {
        ws.getUserData().open = false;
        this.sockets.delete(ws);
      },
    };
  }

  /** Draining: closes every socket once its batches are answered. */
  closeIdleSockets(): void {
    for (const ws of this.sockets) if (ws.getUserData().pending.length === 0) ws.end(1001, 'server draining');
  }

  private upgrade(res: uWS.HttpResponse, req: uWS.HttpRequest, socketContext: uWS.us_socket_context_t): void {
    // Everything is synchronous here: req is only valid during this call.
    if (!this.auth.check(this.auth.enabled ? req.getHeader(this.auth.header) : '')) {
      const info = INGEST_ERRORS.ERR_INGEST_UNAUTHORIZED;
      this.context.metrics.failed('stream', null, info, ingestError(info.code, 'missing or wrong token on /stream upgrade'));
      sendJson(res, info.status, errorBody(info, 'missing or wrong token'), null, true);
      return;
    }
    if (this.context.isDraining()) {
      const info = INGEST_ERRORS.ERR_INGEST_DRAINING;
      sendJson(res, info.status, errorBody(info, 'server draining'), this.context.retryAfter, true);
      return;
    }
    const userData: StreamUserData = { pending: [], open: true };
    res.upgrade(userData, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), socketContext);
  }

  private onMessage(ws: uWS.WebSocket<StreamUserData>, message: ArrayBuffer): void {
    const userData = ws.getUserData();
    let envelope: unknown;
    try {
      // Decoding copies: the ArrayBuffer is only valid during this callback.
      envelope = JSON.parse(Buffer.from(message).toString('utf8'));
    } catch {
      this.badMessage(ws, 'message is not JSON');
      return;
    }
    const seq = (envelope as { seq?: unknown } | null)?.seq;
    const events = (envelope as { events?: unknown } | null)?.events;
    if (typeof envelope !== 'object' || !Number.isSafeInteger(seq) || (seq as number) < 0 || !Array.isArray(events)) {
      this.badMessage(ws, 'expected {"seq": <non-negative integer>, "events": [...]}');
      return;
    }
    const { context } = this;
    if (userData.pending.length >= 2 * context.config.stream.max_inflight_batches) {
      // The client ignores its nacks and keeps sending: even refusals would pile up.
      const info = INGEST_ERRORS.ERR_INGEST_STREAM_BACKPRESSURE;
      context.metrics.failed('stream', null, info, ingestError(info.code, 'client keeps sending past its nacks'));
      ws.end(info.status, 'backpressure: wait for your acks');
      return;
    }
    const refusal = this.refusal(userData);
    if (refusal !== null) {
      const batch = new StreamBatch(seq as number, null);
      batch.state = 'failed';
      batch.error = refusal;
      userData.pending.push(batch);
      this.flush(ws, userData);
      return;
    }
    const publisher = new BatchPublisher(context.publish, context.producer.batch(), 'stream', context.now());
    const batch = new StreamBatch(seq as number, publisher);
    userData.pending.push(batch);
    context.workStarted();
    for (const record of events) if (!publisher.record(record)) break;
    if (publisher.refused) {
      this.settle(ws, userData, batch, ingestError('ERR_INGEST_BUS_UNAVAILABLE', 'the bus refused events (producer queue full or not ready)'));
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
      this.settle(ws, userData, batch, null);
      return;
    }
    batch.timer = setTimeout(() => this.settle(ws, userData, batch, ingestError('ERR_INGEST_ACK_TIMEOUT', 'the bus did not confirm the batch in time')), context.config.ack_timeout_ms);
    publisher.seal().then(
      () => {
        context.metrics.delivered(accepted);
        this.settle(ws, userData, batch, null);
      },
      (error: unknown) => this.settle(ws, userData, batch, ingestError('ERR_INGEST_BUS_UNAVAILABLE', 'the bus did not confirm the batch', error)),
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
  private settle(ws: uWS.WebSocket<StreamUserData>, userData: StreamUserData, batch: StreamBatch, error: BotsieveError | null): void {
    if (batch.state !== 'pending') return;
    if (batch.timer !== null) clearTimeout(batch.timer);
    batch.timer = null;
    batch.state = error === null ? 'ok' : 'failed';
    batch.error = error;
    if (error !== null) batch.publisher?.abandon();
    this.context.workFinished();
    this.flush(ws, userData);
  }

  /**
   * Sends the answers that are due. `userData` is passed in because the socket may be closed by
   * now (a seal resolving after the client left), and a closed uWS socket must not be touched.
   */
  private flush(ws: uWS.WebSocket<StreamUserData>, userData: StreamUserData): void {
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
          metrics.failed('stream', tally, ingestErrorInfo(error), error);
          for (const later of pending) later.forceNack = true;
          message = `{"nack":${batch.seq},"retry_after_ms":${this.context.retryAfterMs},"error":"${error.code}"}`;
        } else {
          metrics.succeeded('stream', tally, config.ack, (performance.now() - batch.started) / 1_000);
          message = `{"ack":${batch.seq},"accepted":${tally.accepted},"rejected":${tally.rejected}}`;
        }
        // 2 = dropped by uWS (over maxBackpressure): the client would miss an answer.
        if (userData.open && !dropped && ws.send(message) === 2) dropped = true;
      }
    };
    if (!userData.open) {
      send();
      return;
    }
    // Acks after an await must be corked (one syscall for all of them).
    ws.cork(send);
    if (dropped || ws.getBufferedAmount() > config.stream.max_buffered_bytes) {
      const info = INGEST_ERRORS.ERR_INGEST_STREAM_BACKPRESSURE;
      metrics.failed('stream', null, info, ingestError(info.code, 'client does not read its acks'));
      ws.end(info.status, 'backpressure: read your acks');
      return;
    }
    if (this.context.isDraining() && pending.length === 0) ws.end(1001, 'server draining');
  }

  private badMessage(ws: uWS.WebSocket<StreamUserData>, detail: string): void {
    const info = INGEST_ERRORS.ERR_INGEST_STREAM_BAD_MESSAGE;
    this.context.metrics.failed('stream', null, info, ingestError(info.code, detail));
    ws.end(info.status, detail);
  }
}
