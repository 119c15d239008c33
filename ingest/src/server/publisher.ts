/**
 * Hands one upload's (or one /stream batch's) lines to one producer batch: valid events to the
 * events topic (key = client IP, value = the RequestEvent as JSON), rejected lines to the
 * deadletter topic with their reason. Both go through the same ProduceBatch, so the upload's
 * acknowledgement covers its dead letters too.
 */
import type { EventSource, ProduceBatch, TopicNames } from '@botsieve/core';
import type { FieldLimits, RejectReason } from '../logpush/parse-event.js';
import { isValidationUpload, parseLogpushLine, parseLogpushRecord } from '../logpush/parse-event.js';
import { UploadTally } from '../metrics.js';

export interface PublishSettings {
  readonly topics: TopicNames;
  readonly limits: FieldLimits;
  readonly max_line_bytes: number;
  readonly deadletter_line_bytes: number;
}

/** Lines shorter than this may be the Logpush validation upload `{"content":"tests"}`. */
const VALIDATION_MAX_CHARS = 64;

export class BatchPublisher {
  readonly tally = new UploadTally();
  /** The bus refused a send: stop and answer 503. */
  refused = false;
  /** The upload held Logpush's destination check. */
  validation = false;
  private sealing: Promise<void> | null = null;

  constructor(
    private readonly settings: PublishSettings,
    readonly batch: ProduceBatch,
    private readonly source: EventSource,
    private readonly receivedAtMs: number,
  ) {}

  /** One NDJSON line. False when the bus refused it. */
  line(text: string): boolean {
    if (text.length < VALIDATION_MAX_CHARS) {
      if (isBlank(text)) return true;
      if (isValidationUpload(text)) {
        this.validation = true;
        return true;
      }
    }
    const result = parseLogpushLine(text, this.source, this.settings.limits);
    if (result.ok) return this.publish(result.event.ip, JSON.stringify(result.event));
    return this.deadLetter(result.reason, result.detail, text);
  }

  /** One already-parsed record (JSON array element, /stream event). False when the bus refused it. */
  record(value: unknown): boolean {
    const result = parseLogpushRecord(value, this.source, this.settings.limits);
    if (result.ok) return this.publish(result.event.ip, JSON.stringify(result.event));
    return this.deadLetter(result.reason, result.detail, JSON.stringify(value) ?? String(value));
  }

  /** A line over max_line_bytes, of which only `head` was kept. */
  longLine(head: Buffer): boolean {
    return this.deadLetter('line_too_long', `line longer than max_line_bytes (${this.settings.max_line_bytes})`, head.toString('utf8'));
  }

  /** Seals the batch once; later calls return the same promise. */
  seal(): Promise<void> {
    this.sealing ??= this.batch.seal();
    return this.sealing;
  }

  /** Seals a batch that will not be acknowledged (refused, aborted), ignoring its outcome. */
  abandon(): void {
    this.seal().catch(() => {});
  }

  /**
   * The value is JSON.stringify of the event. A hand-written serialiser for the fixed shape was
   * measured 1.6× faster alone but only 5% faster once the string is encoded into a Buffer (2.8 vs
   * 3.0 µs per event), not worth a second definition of the wire format.
   */
  private publish(key: string, json: string): boolean {
    if (!this.batch.send(this.settings.topics.events, key, Buffer.from(json))) return this.refuse();
    this.tally.accepted++;
    return true;
  }

  private deadLetter(reason: RejectReason, detail: string, line: string): boolean {
    const cap = this.settings.deadletter_line_bytes;
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit: only measure when it may be over.
    const kept = line.length * 3 <= cap ? line : Buffer.from(line).subarray(0, cap).toString('utf8');
    const record = { reason, detail, line: kept, source: this.source, received_at_ms: this.receivedAtMs };
    if (!this.batch.send(this.settings.topics.deadletter, null, Buffer.from(JSON.stringify(record)))) return this.refuse();
    this.tally.reject(reason);
    return true;
  }

  private refuse(): boolean {
    this.refused = true;
    return false;
  }
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 32 && code !== 9 && code !== 13) return false;
  }
  return true;
}
