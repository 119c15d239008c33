/**
 * One upload (POST /logpush or /events), from its first body byte to its answer.
 *
 *   receiving ──body ends──▶ acking ──sealed──▶ done (200 {accepted, rejected}; 400 when every line was dead-lettered)
 *       │                       └──seal failed / ack_timeout_ms / drain deadline──▶ done (503 + Retry-After)
 *       └──limit, bad gzip, blank lines, bus refused, stalled, drain deadline, aborted──▶ done (4xx / 503 / nothing)
 *
 * The body streams through BodyDecoder → LineSplitter (NDJSON) or ArraySplitter (a JSON array on
 * /logpush) → BatchPublisher as chunks arrive; the
 * socket is paused while the inflater is behind. Request bytes are booked in the server's
 * in-flight budget as they arrive and released with the answer, whatever it is. All events of the
 * upload go through one ProduceBatch, so the 200 (durable mode) means the bus confirmed every one
 * of them. Whatever failed, the batch is still sealed (its outcome ignored) so the producer can
 * forget it; events already sent will arrive again when the client retries (at least once), while
 * the upload's held dead letters are dropped with it.
 */
import type { BotsieveError, EventSource } from '@botsieve/core';
import { INGEST_ERRORS, ingestError, ingestErrorInfo } from '../errors.js';
import { arrayElements } from '../logpush/json-structure.js';
import { REJECT_REASONS } from '../logpush/parse-event.js';
import type { IngestRoute, UploadTally } from '../metrics.js';
import { BodyDecoder, type BodyEncoding, type DecodedSink } from './body-decoder.js';
import { errorBody, respondJson, type IngestContext, type LiveUpload } from './context.js';
import { ArraySplitter } from './array-splitter.js';
import { LineSplitter, type LineSink } from './line-splitter.js';
import { BatchPublisher } from './publisher.js';
import type { Exchange } from '@botsieve/runtime';

type UploadState = 'receiving' | 'acking' | 'done';
/** How a body is read: not known until its first non-blank byte (`[` → a JSON array, else NDJSON). */
type BodyShape = 'unknown' | 'ndjson' | 'array';

const OPEN_BRACKET = 0x5b;

export class Upload implements DecodedSink, LineSink, LiveUpload {
  private state: UploadState = 'receiving';
  private aborted = false;
  private bodyComplete = false;
  private paused = false;
  private receivedBytes = 0;
  /** Request bytes booked in the admission budget (released with the answer). */
  private bookedBytes = 0;
  /** performance.now() of the last body bytes (or of the start). */
  private lastProgress = performance.now();
  private shape: BodyShape;
  /** /logpush JSON-array bodies (Logpush batch_prefix/record_delimiter): split as they stream. */
  private arraySplitter: ArraySplitter | null = null;
  /** /events JSON-array bodies: held whole (max_array_bytes), then scanned. */
  private arrayChunks: Buffer[] = [];
  private arrayBytes = 0;
  private ackStarted = 0;
  private ackTimer: NodeJS.Timeout | null = null;
  private readonly decoder: BodyDecoder;
  private readonly splitter: LineSplitter;
  private readonly publisher: BatchPublisher;

  constructor(
    private readonly context: IngestContext,
    private readonly exchange: Exchange,
    private readonly route: IngestRoute,
    source: EventSource,
    encoding: BodyEncoding,
  ) {
    // Register onAborted before anything asynchronous can happen.
    exchange.onAborted(() => this.onAborted());
    const { config, publish } = context;
    this.shape = 'unknown';
    this.publisher = new BatchPublisher(publish, context.producer.batch(), source, context.now());
    this.splitter = new LineSplitter(config.max_line_bytes, config.deadletter_line_bytes, this, config.max_blank_lines);
    this.decoder = new BodyDecoder(encoding, config.max_decompressed_bytes, this, () => this.onDecoderWritable());
    context.workStarted();
    context.uploads.add(this);
    exchange.onData((chunk, isLast) => this.onData(chunk, isLast));
  }

  // ── body ──────────────────────────────────────────────────────────────────────────────────

  private onData(chunk: Uint8Array, isLast: boolean): void {
    if (this.state !== 'receiving') return;
    try {
      this.receive(chunk, isLast);
    } catch (error) {
      this.unexpected(error);
    }
  }

  private receive(chunk: Uint8Array, isLast: boolean): void {
    const length = chunk.byteLength;
    this.receivedBytes += length;
    this.lastProgress = performance.now();
    const { config, admission } = this.context;
    if (this.receivedBytes > config.max_body_bytes) {
      this.fail(ingestError('ERR_INGEST_BODY_TOO_LARGE', `body larger than max_body_bytes (${config.max_body_bytes})`));
      return;
    }
    if (!admission.tryBook(length)) {
      this.fail(ingestError('ERR_INGEST_OVERLOADED', 'too many request bytes in flight'));
      return;
    }
    this.bookedBytes += length;
    // `chunk` is only valid during this callback; the decoder copies what it keeps.
    const writable = this.decoder.write(chunk);
    if (this.state !== 'receiving') return;
    if (isLast) {
      this.bodyComplete = true;
      this.decoder.end();
    } else if (!writable && !this.paused) {
      this.paused = true;
      this.exchange.pause();
    }
  }

  private onDecoderWritable(): void {
    if (!this.paused || this.state !== 'receiving') return;
    this.paused = false;
    // The client was not the one waiting: its idle time starts now.
    this.lastProgress = performance.now();
    this.exchange.resume();
  }

  /** DecodedSink: decoded bytes (from the inflater's callbacks too, hence the guard). */
  data(chunk: Buffer): void {
    if (this.state !== 'receiving') return;
    try {
      this.consume(chunk);
    } catch (error) {
      this.unexpected(error);
    }
  }

  private consume(chunk: Buffer): void {
    if (this.shape === 'unknown') {
      const first = firstNonBlank(chunk);
      if (first === -1) {
        // Leading blank lines mean nothing in either shape, but they count against max_blank_lines.
        this.splitter.push(chunk);
        if (this.splitter.tooManyBlankLines) this.tooManyBlankLines();
        return;
      }
      this.shape = chunk[first] === OPEN_BRACKET ? 'array' : 'ndjson';
      if (this.shape === 'array' && this.route === 'logpush') {
        this.arraySplitter = new ArraySplitter(this.context.config.max_line_bytes, this.context.config.deadletter_line_bytes, this);
      }
    }
    if (this.shape === 'ndjson') {
      this.splitter.push(chunk);
      if (this.splitter.tooManyBlankLines) this.tooManyBlankLines();
      return;
    }
    if (this.arraySplitter !== null) {
      this.arraySplitter.push(chunk);
      if (this.arraySplitter.broken !== null) this.brokenArray(this.arraySplitter.broken);
      return;
    }
    this.arrayBytes += chunk.length;
    const limit = this.context.config.max_array_bytes;
    if (this.arrayBytes > limit) {
      this.fail(ingestError('ERR_INGEST_BODY_TOO_LARGE', `JSON array body larger than max_array_bytes (${limit})`));
      return;
    }
    this.arrayChunks.push(Buffer.from(chunk)); // decoded chunks may be views into a reused buffer
  }

  /** A /logpush JSON array whose structure is broken: nothing of the upload is acknowledged. */
  private brokenArray(why: string): void {
    this.fail(ingestError('ERR_INGEST_BAD_REQUEST', `body is not a valid JSON array: ${why}`));
  }

  /** DecodedSink: the body is decoded to its end. */
  end(): void {
    if (this.state !== 'receiving') return;
    try {
      if (this.arraySplitter !== null) {
        this.arraySplitter.end();
        if (this.arraySplitter.broken !== null) this.brokenArray(this.arraySplitter.broken);
      } else if (this.shape === 'array') this.publishArray();
      else {
        this.splitter.end();
        if (this.splitter.tooManyBlankLines) this.tooManyBlankLines();
      }
      if (this.state === 'receiving') this.finish();
    } catch (error) {
      this.unexpected(error);
    }
  }

  /** LineSink: one complete line. */
  line(buffer: Buffer, start: number, end: number): void {
    if (this.state !== 'receiving') return;
    if (!this.publisher.line(buffer, start, end)) this.refused();
  }

  /** LineSink: a line over max_line_bytes. */
  longLine(head: Buffer): void {
    if (this.state !== 'receiving') return;
    if (!this.publisher.longLine(head)) this.refused();
  }

  /**
   * A JSON-array body: the structural scan delimits each element and measures its depth, so a
   * deep or malformed element is dead-lettered on its own and the others go through.
   */
  private publishArray(): void {
    const body = Buffer.concat(this.arrayChunks, this.arrayBytes);
    this.arrayChunks = [];
    const spans = arrayElements(body, 0, body.length);
    if (typeof spans === 'string') {
      this.fail(ingestError('ERR_INGEST_BAD_REQUEST', `body is not a valid JSON array: ${spans}`));
      return;
    }
    for (let i = 0; i < spans.length; i += 3) {
      if (!this.publisher.element(body, spans[i] as number, spans[i + 1] as number, spans[i + 2] as number)) {
        this.refused();
        return;
      }
    }
  }

  private tooManyBlankLines(): void {
    const { max_blank_lines } = this.context.config;
    this.fail(ingestError('ERR_INGEST_BLANK_LINES', `more than max_blank_lines (${max_blank_lines}) blank lines beyond the ${this.splitter.lines} non-blank ones`));
  }

  // ── acknowledgement ───────────────────────────────────────────────────────────────────────

  private finish(): void {
    this.state = 'acking';
    this.ackStarted = performance.now();
    const { config, metrics } = this.context;
    if (this.publisher.validation) this.context.log.info({ route: this.route }, 'Logpush destination validation upload accepted');
    const accepted = this.publisher.tally.accepted;
    // Lines, none usable (CSV, a record_template, another log type): the dead letters still go to
    // the bus and are acknowledged like any upload's, but the answer is 400 so that the Logpush job
    // shows the failure instead of a 200 for data that was all dropped.
    const unusable = accepted === 0 && this.publisher.tally.rejected > 0 && !this.publisher.validation ? nothingUsable(this.publisher.tally) : null;
    if (config.ack === 'enqueued') {
      // Answered now, but drain still waits for this seal: it does not rely on producer.flush alone.
      const { context } = this;
      context.workStarted();
      this.publisher.seal().then(
        () => {
          metrics.delivered(accepted);
          context.workFinished();
        },
        (error: unknown) => {
          metrics.deliveryFailed(this.route, accepted, error);
          context.workFinished();
        },
      );
      this.succeed(unusable);
      return;
    }
    this.ackTimer = setTimeout(() => this.onAckTimeout(), config.ack_timeout_ms);
    this.publisher.seal().then(
      () => {
        metrics.delivered(accepted);
        if (this.state === 'acking') this.succeed(unusable);
      },
      (error: unknown) => {
        if (this.state === 'acking') this.fail(ingestError('ERR_INGEST_BUS_UNAVAILABLE', 'the bus did not confirm the upload', error));
      },
    );
  }

  private onAckTimeout(): void {
    this.ackTimer = null;
    if (this.state !== 'acking') return;
    this.fail(ingestError('ERR_INGEST_ACK_TIMEOUT', `the bus did not confirm the upload within ack_timeout_ms (${this.context.config.ack_timeout_ms})`));
  }

  /** The upload is acknowledged (sealed, or enqueued): 200, or 400 when `unusable` (every line dead-lettered). */
  private succeed(unusable: BotsieveError | null = null): void {
    this.settle();
    const tally = this.publisher.tally;
    if (unusable !== null) {
      const info = ingestErrorInfo(unusable);
      this.context.metrics.unusable(this.route, tally, info, unusable.message);
      if (!this.aborted) respondJson(this.exchange, info.status, errorBody(info, unusable.message), null, false);
      return;
    }
    this.context.metrics.succeeded(this.route, tally, this.context.config.ack, (performance.now() - this.ackStarted) / 1_000);
    if (!this.aborted) respondJson(this.exchange, 200, `{"accepted":${tally.accepted},"rejected":${tally.rejected}}`, null, false);
  }

  private refused(): void {
    this.fail(ingestError('ERR_INGEST_BUS_UNAVAILABLE', 'the bus refused events (producer queue full or not ready)'));
  }

  cutIfStalled(before_ms: number): void {
    if (this.state !== 'receiving' || this.paused || this.lastProgress >= before_ms) return;
    const { upload_idle_timeout_ms } = this.context.config;
    this.fail(ingestError('ERR_INGEST_UPLOAD_STALLED', `no body bytes for upload_idle_timeout_ms (${upload_idle_timeout_ms}) after ${this.receivedBytes} bytes`));
  }

  cutForDrain(): void {
    if (this.state === 'done') return;
    this.fail(ingestError('ERR_INGEST_DRAINING', this.state === 'acking' ? 'the bus did not confirm the upload before shutdown' : 'the upload did not finish before shutdown'));
  }

  /** Ends the upload with an error answer; nothing of it is acknowledged, its held dead letters are dropped. */
  fail(error: BotsieveError): void {
    if (this.state === 'done') return;
    this.settle();
    this.publisher.abandon();
    const info = ingestErrorInfo(error);
    this.context.metrics.failed(this.route, info, error);
    if (this.aborted) return;
    const retryAfter = info.status === 503 ? this.context.retryAfter : null;
    // A body not read to its end leaves the connection unusable: close it with the answer.
    respondJson(this.exchange, info.status, errorBody(info, error.message), retryAfter, !this.bodyComplete);
  }

  /** A bug: answer 500 rather than let the exception take the process down. */
  private unexpected(error: unknown): void {
    const wrapped = ingestError('ERR_INGEST_UNEXPECTED', `upload failed: ${error instanceof Error ? error.message : String(error)}`, error);
    if (this.state === 'done') {
      this.context.metrics.failed(this.route, INGEST_ERRORS.ERR_INGEST_UNEXPECTED, wrapped);
      return;
    }
    this.fail(wrapped);
  }

  private onAborted(): void {
    this.aborted = true;
    if (this.state === 'done') return;
    this.fail(ingestError('ERR_INGEST_ABORTED', 'client closed the connection before the answer'));
  }

  /** Leaves the receiving/acking states: stops decoding and timers, returns the budget. */
  private settle(): void {
    this.state = 'done';
    this.decoder.destroy();
    this.arrayChunks = [];
    if (this.ackTimer !== null) {
      clearTimeout(this.ackTimer);
      this.ackTimer = null;
    }
    this.context.admission.release(this.bookedBytes);
    this.bookedBytes = 0;
    this.context.uploads.delete(this);
    this.context.workFinished();
  }
}

const TIME_WINDOW_REASONS = [REJECT_REASONS.indexOf('timestamp_in_future'), REJECT_REASONS.indexOf('timestamp_too_old')];

/**
 * ERR_INGEST_NOTHING_USABLE, naming the most common reason the lines were rejected; null when some
 * line was well-formed but outside the accepted time window (a backlog older than
 * max_event_age_ms after an outage, a skewed clock): that is no misconfigured job, and a 400 would
 * only make Logpush retry the same batch and, in the end, disable the job.
 */
function nothingUsable(tally: UploadTally): BotsieveError | null {
  for (const index of TIME_WINDOW_REASONS) if ((tally.byReason[index] as number) > 0) return null;
  let top = 0;
  for (let i = 1; i < REJECT_REASONS.length; i++) if ((tally.byReason[i] as number) > (tally.byReason[top] as number)) top = i;
  const count = (tally.byReason[top] as number).toLocaleString('en-US');
  const total = tally.rejected.toLocaleString('en-US');
  return ingestError(
    'ERR_INGEST_NOTHING_USABLE',
    `no line of this upload was a JSON object with the Logpush http_requests fields: ${count} of ${total} lines ${REJECT_REASONS[top]}` +
      " — is the job's output_type csv or a record_template set? botsieve reads the default field names as NDJSON (or a JSON array)",
  );
}

function firstNonBlank(chunk: Buffer): number {
  for (let i = 0; i < chunk.length; i++) {
    const byte = chunk[i];
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return i;
  }
  return -1;
}
